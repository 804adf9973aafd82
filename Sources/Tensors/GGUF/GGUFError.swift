/// A GGUF file that cannot be read, or a request it cannot honour. One sentence naming the
/// file and the place (byte offset, metadata key, tensor name).
public struct GGUFError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let message: String

    public init(file: String, _ message: String) { self.file = file; self.message = message }

    public var description: String { "\(file): \(message)" }
}
