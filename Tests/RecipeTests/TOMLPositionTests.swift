import Recipe
import XCTest

/// Positions and messages: what the recipe validator builds its `file:line:column` on.
final class TOMLPositionTests: XCTestCase {
    func testValuesKeysAndTablesKnowWhereTheyWereWritten() throws {
        let doc = try TOML.parse("""
        # comment
        title = "x"
        [[cell]]
          id = "é1"
        """, file: "r.toml")
        XCTAssertEqual(doc.entry("title")?.keyPosition, SourcePosition(line: 2, column: 1))
        XCTAssertEqual(doc["title"]?.position, SourcePosition(line: 2, column: 9))
        guard case .array(let cells)? = doc["cell"]?.value, case .table(let cell)? = cells.first?.value else {
            return XCTFail("cell is not an array of tables")
        }
        XCTAssertEqual(cell.position, SourcePosition(line: 3, column: 1))
        XCTAssertEqual(cell.entry("id")?.keyPosition, SourcePosition(line: 4, column: 3))
        XCTAssertEqual(cell["id"]?.position, SourcePosition(line: 4, column: 8))
    }

    func testColumnsCountUnicodeScalarsNotBytes() {
        // "ü" is two bytes, "😀" four; the stray x is the tenth scalar of line 2 (its 14th byte).
        XCTAssertThrowsError(try TOML.parse("\"ü😀\" = 1\nk = \"ü😀\" x", file: "f")) { e in
            XCTAssertEqual((e as? TOMLError)?.position, SourcePosition(line: 2, column: 10))
        }
    }

    func testErrorDescriptionIsFileLineColumnMessage() {
        XCTAssertThrowsError(try TOML.parse("a = 1\na = 2\n", file: "dup.toml")) { e in
            XCTAssertEqual("\(e)", "dup.toml:2:1: duplicate key 'a' (first defined at 1:1)")
        }
    }

    func testCRLFLinesCountOnce() {
        XCTAssertThrowsError(try TOML.parse("a = 1\r\nb = 2\r\nc = ?\r\n", file: "f")) { e in
            XCTAssertEqual((e as? TOMLError)?.position, SourcePosition(line: 3, column: 5))
        }
    }

    func testInvalidUTF8IsReportedWhereItIs() {
        XCTAssertThrowsError(try TOML.parse(bytes: Array("a = 1\nb = \"".utf8) + [0xC3, 0x28, 0x22], file: "f")) { e in
            XCTAssertEqual((e as? TOMLError)?.position, SourcePosition(line: 2, column: 6))
        }
    }

    func testDeepNestingIsAnErrorNotACrash() {
        let dotted = Array(repeating: "k", count: 100_000).joined(separator: ".")
        for deep in ["a = " + String(repeating: "[", count: 100_000),
                     "a = " + String(repeating: "{b=", count: 100_000),
                     "[\(dotted)]\n", "\(dotted) = 1\n",
                     "[\(Array(repeating: "k", count: 60).joined(separator: "."))]\n\(Array(repeating: "k", count: 60).joined(separator: ".")) = 1\n"] {
            XCTAssertThrowsError(try TOML.parse(deep, file: "f")) { e in
                XCTAssertTrue((e as? TOMLError)?.message.contains("nested more than 100 deep") ?? false, "\(e)")
            }
        }
        XCTAssertNoThrow(try TOML.parse("a = " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100), file: "f"))
    }

    func testTablesKeepWrittenOrder() throws {
        let doc = try TOML.parse("z = 1\na = 2\n[m]\nk = 3\n[b]\n", file: "f")
        XCTAssertEqual(doc.keys, ["z", "a", "m", "b"])
    }

    func testLeadingByteOrderMarkIsIgnored() throws {
        let doc = try TOML.parse(bytes: [0xEF, 0xBB, 0xBF] + Array("k = 1".utf8), file: "f")
        XCTAssertEqual(doc["k"]?.value, .integer(1))
        XCTAssertEqual(doc.entry("k")?.keyPosition, SourcePosition(line: 1, column: 1))
    }
}
