import XCTest
import Foundation
import Text
import TestSupport
@testable import Decoding

final class RowReaderTests: XCTestCase {
    /// Quotes, doubled quotes, embedded CRLF and LF, a BOM, CRLF records, a missing final
    /// newline, empty fields and non-ASCII text, compared with Python's csv module.
    func testCSVMatchesPythonCSV() throws {
        guard try Fixtures.hasPython("csv") else { throw XCTSkip("python3 missing") }
        let text = "\u{FEFF}id,text,note\r\n1,\"He said \"\"hi\"\"\",plain\r\n2,\"line one\r\nline two\",\"a,b\"\r\n"
            + "3,,\"\"\n4,\"ünïcødé 字\",\"multi\nline\nfield\"\n5,last,\"no newline at end\""
        let data = Data(text.utf8)
        let table = try CSVReader.read(data, file: "t.csv")
        let script = """
        import csv, io, json, sys
        rows = list(csv.reader(io.StringIO(sys.stdin.buffer.read().decode('utf-8-sig'), newline='')))
        print(json.dumps(rows))
        """
        let reference = try JSONSerialization.jsonObject(with: Fixtures.python(script, stdin: data)) as? [[String]]
        let expected = try XCTUnwrap(reference)
        XCTAssertEqual(table.columns, expected[0])
        XCTAssertEqual(table.rows.map { $0.map { $0?.stringValue ?? "<nil>" } }, Array(expected.dropFirst()))
        XCTAssertEqual(table.lines, [2, 3, 5, 6, 9])
    }

    func testRaggedRowNamesRowAndLine() {
        let data = Data("id,a\n1,x\n2,y,z\n".utf8)
        XCTAssertThrowsError(try CSVReader.read(data, file: "bad.csv")) { error in
            XCTAssertEqual("\(error)", "bad.csv line 3 (row 1): expected 2 fields as in the header, found 3")
        }
    }

    func testQuoteErrors() {
        XCTAssertThrowsError(try CSVReader.read(Data("id,a\n1,\"open\n2,x\n".utf8), file: "q.csv")) { error in
            XCTAssertEqual("\(error)", "q.csv line 2: a quoted field opened here is never closed (missing closing double quote)")
        }
        XCTAssertThrowsError(try CSVReader.read(Data("id,a\n1,\"x\"y\n".utf8), file: "q.csv")) { error in
            XCTAssertTrue("\(error)".hasPrefix("q.csv line 2: unexpected character after a closing double quote"), "\(error)")
        }
        XCTAssertThrowsError(try CSVReader.read(Data("id,a\n1,x\"y\n".utf8), file: "q.csv")) { error in
            XCTAssertTrue("\(error)".hasPrefix("q.csv line 2: a double quote inside an unquoted field"), "\(error)")
        }
    }

    func testEmptyFilesAndHeaders() {
        for (text, message) in [("", "e.csv: the file is empty; expected a header line naming the columns"),
                                ("\u{FEFF}\r\n\n", "e.csv: the file is empty; expected a header line naming the columns"),
                                ("id,a\n", "e.csv: the file has a header but no rows"),
                                ("id,id\n1,2\n", "e.csv line 1: the header names column 'id' twice"),
                                ("id,\n1,2\n", "e.csv line 1: column 2 of the header has no name")] {
            XCTAssertThrowsError(try CSVReader.read(Data(text.utf8), file: "e.csv")) { XCTAssertEqual("\($0)", message) }
        }
    }

    func testFieldCapAndInvalidUTF8() {
        var limits = RowLimits()
        limits.fieldBytes = 8
        XCTAssertThrowsError(try CSVReader.read(Data("id,a\n1,\"0123456789\"\n".utf8), file: "c.csv", limits: limits)) {
            XCTAssertEqual("\($0)", "c.csv line 2: a field is longer than 8 bytes")
        }
        XCTAssertThrowsError(try CSVReader.read(Data([0x69, 0x64, 0x0A, 0xFF, 0x0A]), file: "u.csv")) {
            XCTAssertEqual("\($0)", "u.csv line 2: field 1 is not valid UTF-8")
        }
    }

    func testJSONLKeepsTypesAndOrder() throws {
        let text = "{\"id\": 7, \"q\": \"x\", \"choices\": [\"a\", \"b\"]}\n\n{\"q\": \"y\", \"id\": 8, \"extra\": 1.5}\n"
        let table = try JSONLReader.read(Data(text.utf8), file: "d.jsonl")
        XCTAssertEqual(table.columns, ["id", "q", "choices", "extra"])
        XCTAssertEqual(table.rows[0], [.int(7), .string("x"), .array([.string("a"), .string("b")]), nil])
        XCTAssertEqual(table.rows[1], [.int(8), .string("y"), nil, .double(1.5)])
        XCTAssertEqual(table.lines, [1, 3])
    }

    func testJSONLErrorsNameTheLine() {
        XCTAssertThrowsError(try JSONLReader.read(Data("{\"a\": 1}\n{\"a\": }\n".utf8), file: "d.jsonl")) {
            XCTAssertTrue("\($0)".hasPrefix("d.jsonl line 2 (row 1): "), "\($0)")
        }
        XCTAssertThrowsError(try JSONLReader.read(Data("[1, 2]\n".utf8), file: "d.jsonl")) {
            XCTAssertEqual("\($0)", "d.jsonl line 1 (row 0): expected a JSON object")
        }
        XCTAssertThrowsError(try JSONLReader.read(Data("\n \n".utf8), file: "d.jsonl")) {
            XCTAssertEqual("\($0)", "d.jsonl: the file is empty; expected one JSON object per line")
        }
    }
}
