import Foundation

/// A failure of the store: which file or folder, and what went wrong, as one sentence.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, _ message: String) { self.path = path; self.message = message }

    /// `operation` failed with the current `errno`.
    static func posix(_ operation: String, _ path: String, errno code: Int32 = errno) -> StoreError {
        StoreError(path: path, "\(operation) failed: \(String(cString: strerror(code)))")
    }

    public var description: String { "\(path): \(message)" }
}
