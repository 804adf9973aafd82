import Foundation

/// A CSV file as a header and rows of strings.
public struct CSVTable: Sendable, Equatable {
    public let header: [String]
    public let rows: [[String]]

    /// The column named `name`, if the header has it.
    public func column(_ name: String) -> Int? { header.firstIndex { $0.utf8.elementsEqual(name.utf8) } }
}

/// RFC 4180 CSV: comma-separated fields, records ended by CRLF or LF, fields in double quotes
/// may hold commas, newlines and `""` for a quote. A UTF-8 BOM is skipped; the last record may
/// lack its line end. Strict: a stray quote, text after a closing quote, an unterminated quote
/// or a row whose field count differs from the header's is an error naming the row.
public enum CSVReader {
    public static func read(_ data: Data, file: String) throws(RowsError) -> CSVTable {
        let bytes = [UInt8](data)
        var records = try parse(bytes, file: file)
        guard !records.isEmpty else { throw RowsError(file: file, record: 0, line: 1, message: "empty file: expected a header row") }
        let header = records.removeFirst()
        var rows: [[String]] = []
        rows.reserveCapacity(records.count)
        for (i, r) in records.enumerated() {
            guard r.fields.count == header.fields.count else {
                throw RowsError(file: file, record: i + 1, line: r.line,
                                message: "\(r.fields.count) field(s), but the header has \(header.fields.count)")
            }
            rows.append(r.fields)
        }
        return CSVTable(header: header.fields, rows: rows)
    }

    public static func read(contentsOf url: URL) throws -> CSVTable {
        try read(try Data(contentsOf: url), file: url.path)
    }

    private struct Record { var fields: [String]; var line: Int }

    private static func parse(_ bytes: [UInt8], file: String) throws(RowsError) -> [Record] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var recordLine = 1
        var quoted = false

        func fail(_ message: String, at l: Int? = nil) -> RowsError {
            RowsError(file: file, record: records.count, line: l ?? line, message: message)
        }
        func text(_ f: [UInt8]) throws(RowsError) -> String {
            guard let s = String(validating: f, as: UTF8.self) else { throw fail("field \(fields.count + 1) is not valid UTF-8") }
            return s
        }
        while i < bytes.count {
            // One field.
            field.removeAll(keepingCapacity: true)
            quoted = bytes[i] == quote
            if quoted {
                let openedOn = line
                i += 1
                while true {
                    guard i < bytes.count else { throw fail("unterminated quoted field \(fields.count + 1) (opened on line \(openedOn))", at: openedOn) }
                    let b = bytes[i]
                    if b == quote {
                        if i + 1 < bytes.count && bytes[i + 1] == quote { field.append(quote); i += 2; continue }
                        i += 1
                        break
                    }
                    if b == lf { line += 1 }
                    field.append(b)
                    i += 1
                }
                if i < bytes.count, bytes[i] != comma, bytes[i] != lf, bytes[i] != cr {
                    throw fail("text after the closing quote of field \(fields.count + 1)")
                }
            } else {
                while i < bytes.count, bytes[i] != comma, bytes[i] != lf, bytes[i] != cr {
                    if bytes[i] == quote { throw fail("a quote inside unquoted field \(fields.count + 1) (quote the whole field and double the quote)") }
                    field.append(bytes[i])
                    i += 1
                }
            }
            fields.append(try text(field))
            // What ends the field.
            if i < bytes.count && bytes[i] == comma {
                i += 1
                if i == bytes.count { fields.append("") }
                continue
            }
            if i < bytes.count && bytes[i] == cr {
                i += 1
                guard i < bytes.count && bytes[i] == lf || i == bytes.count else { throw fail("a carriage return not followed by a line feed") }
            }
            if i < bytes.count && bytes[i] == lf { i += 1 }
            // A blank line is no record (as pandas' skip_blank_lines).
            if !(fields.count == 1 && fields[0].isEmpty && !quoted) {
                records.append(Record(fields: fields, line: recordLine))
            }
            fields = []
            line += 1
            recordLine = line
        }
        if !fields.isEmpty { records.append(Record(fields: fields, line: recordLine)) }
        return records
    }
}
