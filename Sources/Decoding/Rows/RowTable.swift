import Foundation
import Text

/// Rows read from a CSV or JSONL file: the column names in file order and, per row, one value
/// per column (nil where a JSONL object lacks that key). CSV values are strings; JSONL values
/// keep their JSON types.
public struct RowTable: Sendable {
    public var file: String
    public var columns: [String]
    public var rows: [[JinjaValue?]]
    /// The 1-based line where each row starts, for messages.
    public var lines: [Int]

    public init(file: String, columns: [String], rows: [[JinjaValue?]], lines: [Int]) {
        self.file = file; self.columns = columns; self.rows = rows; self.lines = lines
    }

    public func columnIndex(_ name: String) -> Int? { columns.firstIndex(of: name) }

    /// "sample.csv line 7 (row 5)": rows are numbered from 0 as in the prompt cell's output.
    public func place(row: Int) -> String {
        row < lines.count ? "\(file) line \(lines[row]) (row \(row))" : "\(file) row \(row)"
    }
}

/// Caps that keep a broken or hostile data file from exhausting memory.
public struct RowLimits: Sendable {
    public var fieldBytes = 16 << 20
    public var rowBytes = 64 << 20
    public var columns = 10_000
    public init() {}
}

/// A data file that cannot be read as rows: the file, where, and what was expected.
public struct RowsError: Error, Sendable, CustomStringConvertible {
    public var file: String
    /// "line 7 (row 5)", "line 3", or "" for the whole file.
    public var place: String
    public var message: String
    public init(file: String, place: String, _ message: String) {
        self.file = file; self.place = place; self.message = message
    }
    public var description: String { place.isEmpty ? "\(file): \(message)" : "\(file) \(place): \(message)" }
}

public enum RowReader {
    /// Reads `.jsonl`/`.ndjson` as JSON lines and anything else as CSV.
    public static func read(_ url: URL, limits: RowLimits = RowLimits()) throws(RowsError) -> RowTable {
        let name = url.lastPathComponent
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw RowsError(file: name, place: "", "cannot read the file: \(error.localizedDescription)")
        }
        switch url.pathExtension.lowercased() {
        case "jsonl", "ndjson": return try JSONLReader.read(data, file: name, limits: limits)
        default: return try CSVReader.read(data, file: name, limits: limits)
        }
    }
}
