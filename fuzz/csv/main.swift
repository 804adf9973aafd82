import Foundation
import Decoding
import Text

/// libFuzzer entry for the row readers (built by scripts/fuzz with Sources/Decoding/Rows over
/// the Tensors and Text sources): any bytes read as CSV, and as JSONL, give a table whose every
/// row has one value per column, or a RowsError; never a crash or a hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRows(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    var limits = RowLimits()
    limits.fieldBytes = 1024; limits.rowBytes = 2048; limits.columns = 64
    for table in [try? CSVReader.read(bytes, file: "/fuzz/rows.csv", limits: limits),
                  try? JSONLReader.read(bytes, file: "/fuzz/rows.jsonl", limits: limits)] {
        guard let table else { continue }
        if table.rows.isEmpty || table.rows.count != table.lines.count { fatalError("rows and lines disagree") }
        if Set(table.columns).count != table.columns.count { fatalError("duplicate column accepted: \(table.columns)") }
        for row in table.rows where row.count != table.columns.count { fatalError("row of \(row.count) values for \(table.columns.count) columns") }
        for (a, b) in zip(table.lines, table.lines.dropFirst()) where b <= a { fatalError("row lines out of order") }
    }
    return 0
}
