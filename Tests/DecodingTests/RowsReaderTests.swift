import Foundation
import TestSupport
import XCTest
@testable import Decoding
import Text

/// Generated CSV files against Python's csv module (error cases: RowReaderTests).
final class RowsReaderTests: XCTestCase {
    static let values = ["plain", "", "with, comma", "with \"quotes\"", "multi\nline", "crlf\r\ninside", "  spaces  ",
                         "é 你好 🙂 👩‍👩‍👧", "'single'", "trailing\n", "\"", ",", "A", "tie"]

    /// CSV text built by the RFC 4180 rules (quote when needed, double the quotes).
    func csv(_ rows: [[String]], lineEnd: String) -> String {
        rows.map { row in
            row.map { f in
                f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) || f.hasPrefix(" ")
                    ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
            }.joined(separator: ",")
        }.joined(separator: lineEnd) + lineEnd
    }

    func testGeneratedCSVMatchesPythonCSVModule() throws {
        guard try Fixtures.hasPython("csv") else { throw XCTSkip("python missing") }
        var seed: UInt64 = 42
        func next(_ n: Int) -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int((seed >> 33) % UInt64(n)) }
        var texts: [String] = []
        for t in 0..<60 {
            let columns = 1 + next(5)
            var rows = [(0..<columns).map { "col\($0) ✓" }]
            for _ in 0..<next(8) { rows.append((0..<columns).map { _ in Self.values[next(Self.values.count)] }) }
            var text = csv(rows, lineEnd: t % 2 == 0 ? "\r\n" : "\n")
            if t % 3 == 0 { text = "\u{FEFF}" + text }
            if t % 4 == 1 { text.removeLast() }
            if text.hasSuffix("\r") { text.removeLast() }
            texts.append(text)
        }
        let script = #"""
import csv, io, json, sys
out = []
for t in json.load(sys.stdin):
    if t.startswith("\ufeff"): t = t[1:]
    out.append([r for r in csv.reader(io.StringIO(t, newline="")) if r])
sys.stdout.write(json.dumps(out, ensure_ascii=False))
"""#
        let input = try JSONSerialization.data(withJSONObject: texts)
        let expected = try JSONSerialization.jsonObject(with: Fixtures.python(script, stdin: input)) as? [[[String]]] ?? []
        XCTAssertEqual(expected.count, texts.count)
        for (i, text) in texts.enumerated() where i < expected.count {
            // A header without rows is an error here (nothing to prompt); Python gives the header alone.
            guard expected[i].count > 1 else {
                XCTAssertThrowsError(try CSVReader.read(Data(text.utf8), file: "gen\(i).csv"))
                continue
            }
            let table = try CSVReader.read(Data(text.utf8), file: "gen\(i).csv")
            let all = [table.columns] + table.rows.map { $0.map { $0?.stringValue ?? "<nil>" } }
            XCTAssertEqual(all.count, expected[i].count, text.debugDescription)
            for (a, b) in zip(all, expected[i]) {
                XCTAssertTrue(a.count == b.count && zip(a, b).allSatisfy { $0.utf8.elementsEqual($1.utf8) }, "\(a) vs \(b) in \(text.debugDescription)")
            }
        }
    }
}
