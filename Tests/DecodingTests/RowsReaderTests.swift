import Foundation
import TestSupport
import XCTest
@testable import Decoding
import Text

/// CSV and JSONL rows against Python's csv and json modules, plus the errors they must give.
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
            let table = try CSVReader.read(Data(text.utf8), file: "gen\(i).csv")
            let all = [table.header] + table.rows
            XCTAssertEqual(all.count, expected[i].count, text.debugDescription)
            for (a, b) in zip(all, expected[i]) {
                XCTAssertTrue(a.count == b.count && zip(a, b).allSatisfy { $0.utf8.elementsEqual($1.utf8) }, "\(a) vs \(b) in \(text.debugDescription)")
            }
        }
    }

    func testCSVErrorsNameTheRow() {
        func error(_ text: String) -> RowsError? {
            do { _ = try CSVReader.read(Data(text.utf8), file: "t.csv"); XCTFail("accepted \(text.debugDescription)"); return nil }
            catch { return error }
        }
        XCTAssertEqual(error("a,b\n1,2\n3\n")?.description, "t.csv:3: row 2: 1 field(s), but the header has 2")
        XCTAssertEqual(error("a,b\n1,\"open\n2,3\n")?.description, "t.csv:2: row 1: unterminated quoted field 2 (opened on line 2)")
        XCTAssertEqual(error("a,b\n1,\"x\"y\n")?.record, 1)
        XCTAssertEqual(error("a,b\n\"multi\nline\",2\n1,2\"\n")?.line, 4)
        XCTAssertEqual(error("")?.description, "t.csv:1: row 0: empty file: expected a header row")
        XCTAssertEqual(error("a\rb\n")?.record, 0)
        XCTAssertThrowsError(try CSVReader.read(Data([0x61, 0x0A, 0xFF, 0x0A]), file: "t.csv")) { e in
            XCTAssertEqual((e as? RowsError)?.record, 1)
        }
    }

    func testCSVBlankLinesAndColumns() throws {
        let t = try CSVReader.read(Data("\u{FEFF}id,prompt\r\n\r\n1,\"a, \"\"b\"\"\"\r\n2,\r\n".utf8), file: "t.csv")
        XCTAssertEqual(t.header, ["id", "prompt"])
        XCTAssertEqual(t.rows, [["1", "a, \"b\""], ["2", ""]])
        XCTAssertEqual(t.column("prompt"), 1)
    }

    func testJSONLRowsKeepOrderAndNameTheLine() throws {
        let rows = try JSONLReader.read(Data("{\"b\": 1, \"a\": 2.0}\r\n\n{\"x\": \"é\"}".utf8), file: "t.jsonl")
        XCTAssertEqual(rows, [.dict([("b", .int(1)), ("a", .double(2))]), .dict([("x", .string("é"))])])
        XCTAssertThrowsError(try JSONLReader.read(Data("{\"a\": 1}\n{\"a\": }\n".utf8), file: "t.jsonl")) { e in
            XCTAssertEqual((e as? RowsError)?.description, "t.jsonl:2: row 2: column 7: expected a value, found '}'")
        }
        XCTAssertThrowsError(try JSONLReader.read(Data("[1]\n".utf8), file: "t.jsonl")) { e in
            XCTAssertEqual((e as? RowsError)?.message, "expected a JSON object")
        }
    }
}
