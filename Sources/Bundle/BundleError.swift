import Foundation

/// A refused or unreadable archive: which archive, which entry (when one is to blame) and why,
/// as one sentence.
public struct BundleError: Error, Sendable, CustomStringConvertible {
    public var archive: String
    public var entry: String?
    public var reason: String

    public init(archive: String, entry: String? = nil, _ reason: String) {
        self.archive = archive; self.entry = entry; self.reason = reason
    }

    public var description: String {
        if let entry { return "\(archive): entry '\(entry)': \(reason)" }
        return "\(archive): \(reason)"
    }
}
