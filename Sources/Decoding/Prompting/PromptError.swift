/// A prompt that cannot be built: names the data file and row, or the parameter, at fault.
public struct PromptError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
