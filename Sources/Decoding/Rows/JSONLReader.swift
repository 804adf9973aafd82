import Foundation
import Text

/// JSON Lines: one JSON object per line (LF or CRLF); blank lines are skipped. Each object keeps
/// its key order and Python's int/float distinction (it may feed a chat template).
public enum JSONLReader {
    public static func read(_ data: Data, file: String) throws(RowsError) -> [JinjaValue] {
        var rows: [JinjaValue] = []
        var start = data.startIndex
        var line = 0
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { start += 3 }
        while start < data.endIndex {
            line += 1
            let end = data[start...].firstIndex(of: 0x0A) ?? data.endIndex
            var slice = data[start..<end]
            if slice.last == 0x0D { slice = slice.dropLast() }
            start = end < data.endIndex ? end + 1 : end
            if slice.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let value: JinjaValue
            do { value = try JinjaValue(json: Data(slice), file: file) } catch {
                throw RowsError(file: file, record: rows.count + 1, line: line, message: "column \(error.column): \(error.message)")
            }
            guard case .dict = value else {
                throw RowsError(file: file, record: rows.count + 1, line: line, message: "expected a JSON object")
            }
            rows.append(value)
        }
        return rows
    }

    public static func read(contentsOf url: URL) throws -> [JinjaValue] {
        try read(try Data(contentsOf: url), file: url.path)
    }
}
