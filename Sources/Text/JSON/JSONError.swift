/// Malformed JSON: where (byte offset, line:column) and what was expected.
public struct JSONError: Error, CustomStringConvertible, Sendable {
    public let offset: Int
    public let line: Int
    public let column: Int
    public let message: String
    public var description: String { "JSON line \(line):\(column) (byte \(offset)): \(message)" }
}
