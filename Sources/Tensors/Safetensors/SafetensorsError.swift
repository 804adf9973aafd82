/// A safetensors file, shard index or tensor request that cannot be honoured. The description
/// is one sentence naming the file and the place (byte offset, tensor name).
public struct SafetensorsError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let message: String

    public init(file: String, _ message: String) { self.file = file; self.message = message }

    public var description: String { "\(file): \(message)" }
}
