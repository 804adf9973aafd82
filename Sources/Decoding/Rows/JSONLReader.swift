import Foundation
import Text

/// JSON Lines: one JSON object per line; blank lines are skipped. Columns are the keys in the
/// order first seen; a row lacking a key has nil there.
public enum JSONLReader {
    public static func read(_ data: Data, file: String, limits: RowLimits = RowLimits()) throws(RowsError) -> RowTable {
        var columns: [String] = []
        var index: [String: Int] = [:]
        var rows: [[JinjaValue?]] = []
        var lines: [Int] = []
        var lineNumber = 0
        var start = data.startIndex
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { start += 3 }
        while start < data.endIndex {
            lineNumber += 1
            let end = data[start...].firstIndex(of: 0x0A) ?? data.endIndex
            let line = data[start..<end]
            start = end < data.endIndex ? end + 1 : end
            let place = "line \(lineNumber) (row \(rows.count))"
            guard line.count <= limits.rowBytes else { throw RowsError(file: file, place: place, "the line is longer than \(limits.rowBytes) bytes") }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let value: JinjaValue
            do { value = try JinjaValue(json: Data(line), file: file) } catch {
                throw RowsError(file: file, place: place, "\(error.message) at column \(error.column)")
            }
            guard case .dict(let pairs) = value else { throw RowsError(file: file, place: place, "expected a JSON object") }
            var row = [JinjaValue?](repeating: nil, count: columns.count)
            for (key, v) in pairs {
                if let i = index[key] { row[i] = v; continue }
                guard columns.count < limits.columns else { throw RowsError(file: file, place: place, "more than \(limits.columns) distinct keys") }
                index[key] = columns.count
                columns.append(key)
                row.append(v)
            }
            rows.append(row)
            lines.append(lineNumber)
        }
        guard !rows.isEmpty else { throw RowsError(file: file, place: "", "the file is empty; expected one JSON object per line") }
        // Rows read before a key first appeared lack it.
        for r in rows.indices where rows[r].count < columns.count {
            rows[r].append(contentsOf: repeatElement(nil, count: columns.count - rows[r].count))
        }
        return RowTable(file: file, columns: columns, rows: rows, lines: lines)
    }
}
