/// A tokenizer that cannot be built from its file: which file, where in it, and what was expected.
public struct TokenizerError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var place: String
    public var message: String

    public init(file: String, place: String, message: String) {
        self.file = file; self.place = place; self.message = message
    }

    public var description: String {
        place.isEmpty ? "\(file): \(message)" : "\(file): \(place): \(message)"
    }
}
