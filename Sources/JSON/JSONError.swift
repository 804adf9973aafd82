/// A JSON document that is not well formed: where (line:column and byte offset) and what was expected.
public struct JSONError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int
    public var column: Int
    /// Byte offset from the start of the parsed text.
    public var offset: Int
    public var message: String

    public init(file: String, line: Int, column: Int, offset: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.offset = offset
        self.message = message
    }

    public var description: String {
        "\(file):\(line):\(column) (byte \(offset)): \(message)"
    }
}
