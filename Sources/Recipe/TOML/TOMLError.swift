/// Invalid TOML: where and why. `description` is `file:line:column: message`.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var position: SourcePosition
    public var message: String
    public init(file: String, position: SourcePosition, message: String) {
        self.file = file; self.position = position; self.message = message
    }
    public var description: String { "\(file):\(position): \(message)" }
}
