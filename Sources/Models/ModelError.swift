/// Why a model could not be read, planned or run: one sentence naming the file and the place.
public struct ModelError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
