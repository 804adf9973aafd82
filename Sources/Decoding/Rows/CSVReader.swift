import Foundation
import Text

/// RFC 4180 CSV: a header record then data records, fields separated by commas, records by
/// CRLF or LF; a field in double quotes may hold commas, line breaks and doubled quotes. A
/// UTF-8 byte order mark is skipped and wholly empty lines are ignored (as Python's csv
/// module does). Every record must have as many fields as the header.
public enum CSVReader {
    public static func read(_ data: Data, file: String, limits: RowLimits = RowLimits()) throws(RowsError) -> RowTable {
        var parser = CSVParser(bytes: [UInt8](data), file: file, limits: limits)
        guard let header = try parser.nextRecord() else {
            throw RowsError(file: file, place: "", "the file is empty; expected a header line naming the columns")
        }
        var seen: Set<String> = []
        for (i, name) in header.fields.enumerated() {
            guard !name.isEmpty else { throw RowsError(file: file, place: "line 1", "column \(i + 1) of the header has no name") }
            guard seen.insert(name).inserted else { throw RowsError(file: file, place: "line 1", "the header names column '\(name)' twice") }
        }
        var rows: [[JinjaValue?]] = []
        var lines: [Int] = []
        while let record = try parser.nextRecord() {
            guard record.fields.count == header.fields.count else {
                throw RowsError(file: file, place: "line \(record.line) (row \(rows.count))",
                                "expected \(header.fields.count) fields as in the header, found \(record.fields.count)")
            }
            rows.append(record.fields.map { .string($0) })
            lines.append(record.line)
        }
        guard !rows.isEmpty else { throw RowsError(file: file, place: "", "the file has a header but no rows") }
        return RowTable(file: file, columns: header.fields, rows: rows, lines: lines)
    }
}

/// The byte-level state machine behind `CSVReader`.
struct CSVParser {
    let bytes: [UInt8]
    let file: String
    let limits: RowLimits
    var position = 0
    var line = 1

    init(bytes: [UInt8], file: String, limits: RowLimits) {
        self.bytes = bytes; self.file = file; self.limits = limits
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    struct Record { var fields: [String]; var line: Int }

    /// The next non-empty record, or nil at the end of the file.
    mutating func nextRecord() throws(RowsError) -> Record? {
        while position < bytes.count {
            let start = line
            // A wholly empty line is skipped.
            if bytes[position] == 0x0A { position += 1; line += 1; continue }
            if bytes[position] == 0x0D {
                position += 1
                if position < bytes.count && bytes[position] == 0x0A { position += 1 }
                line += 1; continue
            }
            var fields: [String] = []
            var rowBytes = 0
            while true {
                let field = try nextField(recordLine: start)
                rowBytes += field.count
                guard rowBytes <= limits.rowBytes else { throw error(start, "the row is longer than \(limits.rowBytes) bytes") }
                guard let text = String(validating: field, as: UTF8.self) else {
                    throw error(start, "field \(fields.count + 1) is not valid UTF-8")
                }
                fields.append(text)
                guard fields.count <= limits.columns else { throw error(start, "more than \(limits.columns) fields") }
                if position < bytes.count && bytes[position] == 0x2C { position += 1; continue }
                // End of record: a line break or the end of the file.
                if position < bytes.count {
                    if bytes[position] == 0x0D { position += 1 }
                    if position < bytes.count && bytes[position] == 0x0A { position += 1 }
                    line += 1
                }
                return Record(fields: fields, line: start)
            }
        }
        return nil
    }

    /// One field, leaving `position` on the comma, line break or end that follows it.
    private mutating func nextField(recordLine: Int) throws(RowsError) -> ArraySlice<UInt8> {
        guard position < bytes.count, bytes[position] == 0x22 else {
            let start = position
            while position < bytes.count {
                let b = bytes[position]
                if b == 0x2C || b == 0x0A || b == 0x0D { break }
                if b == 0x22 {
                    throw error(line, "a double quote inside an unquoted field; quote the whole field and double the quotes inside it")
                }
                position += 1
                guard position - start <= limits.fieldBytes else { throw error(recordLine, "a field is longer than \(limits.fieldBytes) bytes") }
            }
            return bytes[start..<position]
        }
        let openedAt = line
        position += 1
        var out: [UInt8] = []
        while true {
            guard position < bytes.count else {
                throw error(openedAt, "a quoted field opened here is never closed (missing closing double quote)")
            }
            let b = bytes[position]
            position += 1
            if b == 0x22 {
                if position < bytes.count && bytes[position] == 0x22 { out.append(0x22); position += 1; continue }
                guard position == bytes.count || bytes[position] == 0x2C || bytes[position] == 0x0A || bytes[position] == 0x0D else {
                    throw error(line, "unexpected character after a closing double quote; expected a comma or the end of the line")
                }
                return out[...]
            }
            if b == 0x0A { line += 1 }
            out.append(b)
            guard out.count <= limits.fieldBytes else { throw error(recordLine, "a field is longer than \(limits.fieldBytes) bytes") }
        }
    }

    private func error(_ line: Int, _ message: String) -> RowsError {
        RowsError(file: file, place: "line \(line)", message)
    }
}
