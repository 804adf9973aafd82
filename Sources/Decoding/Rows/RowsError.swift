/// A CSV or JSONL file that cannot be read as rows: the file, the record (1-based, the header
/// is record 0 in CSV), the line it starts on, and what was wrong.
public struct RowsError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let record: Int
    public let line: Int
    public let message: String

    public var description: String { "\(file):\(line): row \(record): \(message)" }
}
