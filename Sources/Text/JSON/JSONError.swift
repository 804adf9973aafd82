/// A JSON document that is not well formed: where (line:column and byte offset) and what was expected.
public struct JSONError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int
    public var column: Int
    public var offset: Int
    public var message: String

    public var description: String {
        "\(file):\(line):\(column) (byte \(offset)): \(message)"
    }
}
