/// Why a GGUF file cannot become a Hugging Face folder: one sentence naming the file and the
/// metadata key or tensor at fault.
public struct GGUFImportError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let message: String
    public init(file: String, _ message: String) { self.file = file; self.message = message }
    public var description: String { "\(file): \(message)" }
}
