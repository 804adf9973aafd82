import Foundation
import JSON
import TestSupport
import XCTest

/// Malformed documents are refused with the place Python's json reports, and the parser's
/// options (caps, duplicate keys, lone surrogates, byte order mark) do what they say.
final class JSONParserErrorTests: XCTestCase {
    func testErrorPositionsMatchPython() throws {
        guard try Fixtures.hasPython("json") else { throw XCTSkip("python missing") }
        let documents = ["{\"a\": 1,}", "[1, 2\n, 3", "{\"a\" 1}", "[01]", "[-01]", "[\"a\tb\"]", "{\"a\": tru}", "[1] x", "[1,]",
                         "[1 2]", "\"abc", "", "  \n  ", "{\"é日\": [1,\n  2,\n  -]}", "[\"😀\", 1.]", "[1e]", "[-]", "{\"a\":1 \"b\":2}",
                         "[\"\\x\"]", "{1: 2}", "[\"é\" \"b\"]", "[\n\n  \"x\"\n  , 1.5e+]"]
        let out = try Fixtures.python("""
            import json, sys
            for doc in sys.stdin.buffer.read().decode('utf-8').split('\\x00'):
                try:
                    json.loads(doc); print('accepted')
                except json.JSONDecodeError as e:
                    print(e.lineno, e.colno, len(doc[:e.pos].encode('utf-8')))
            """, stdin: Data(documents.joined(separator: "\u{0}").utf8))
        let expected = String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertEqual(expected.count, documents.count)
        for (doc, want) in zip(documents, expected) {
            do {
                _ = try JSONParser.parse(doc, file: "t.json")
                XCTFail("accepted \(doc)")
            } catch {
                XCTAssertEqual("\(error.line) \(error.column) \(error.offset)", want, "\(doc): \(error)")
                XCTAssertTrue(error.description.hasPrefix("t.json:\(error.line):\(error.column) (byte \(error.offset)): "), error.description)
            }
        }
    }

    func testNestingCapIsExact() throws {
        let deepest = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        XCTAssertNoThrow(try JSONParser.parse(deepest))
        XCTAssertThrowsError(try JSONParser.parse("[" + deepest + "]")) { e in
            XCTAssertTrue("\(e)".contains("nesting deeper than 512"), "\(e)")
        }
        XCTAssertThrowsError(try JSONParser.parse(String(repeating: "{\"a\":", count: 65) + "1" + String(repeating: "}", count: 65),
                                                  options: .header))
        // Far past the cap: refused, not a stack overflow.
        XCTAssertThrowsError(try JSONParser.parse(String(repeating: "[", count: 200_000)))
    }

    func testSizeCap() {
        var options = JSONParser.Options()
        options.maximumBytes = 8
        XCTAssertNoThrow(try JSONParser.parse("[1,2,3]", options: options))
        XCTAssertThrowsError(try JSONParser.parse("[1,2,3,4]", options: options)) { e in
            XCTAssertTrue("\(e)".contains("larger than the 8-byte limit"), "\(e)")
        }
    }

    func testDuplicateKeyPolicies() throws {
        let doc = #"{"a": 1, "b": 2, "a": 3}"#
        XCTAssertEqual(try JSONParser.parse(doc), .object([("a", .integer(1)), ("b", .integer(2)), ("a", .integer(3))]))
        XCTAssertEqual(try JSONParser.parse(doc)["a"], .integer(1))
        XCTAssertThrowsError(try JSONParser.parse(doc, file: "h.json", options: .header)) { e in
            XCTAssertEqual("\(e)", #"h.json:1:18 (byte 17): duplicate key "a""#)
        }
        guard try Fixtures.hasPython("json") else { throw XCTSkip("python missing") }
        // Python keeps the first place and the last value; so does .lastWins.
        let python = try Fixtures.python("import json,sys; sys.stdout.write(json.dumps(json.loads(sys.stdin.read()), separators=(',', ':')))",
                                         stdin: Data(doc.utf8))
        XCTAssertEqual(JSONWriter.serialize(try JSONParser.parse(doc, options: .python)), String(decoding: python, as: UTF8.self))
    }

    func testKeysAreComparedByBytes() throws {
        // "é" precomposed and decomposed: equal as Swift Strings, different JSON keys.
        let doc = "{\"\u{E9}\": 1, \"e\u{301}\": 2}"
        XCTAssertEqual(try JSONParser.parse(doc, options: .python).members?.count, 2)
        XCTAssertEqual(try JSONParser.parse(doc)["e\u{301}"], .integer(2))
    }

    func testLoneSurrogates() throws {
        for doc in [#"["\ud800"]"#, #"["\udc00"]"#, #"["\ud800\u0041"]"#, #"["\ud800x"]"#] {
            XCTAssertThrowsError(try JSONParser.parse(doc), doc) { e in XCTAssertTrue("\(e)".contains("surrogate"), "\(e)") }
        }
        XCTAssertEqual(try JSONParser.parse(#"["\ud800\u0041", "\udc00"]"#, options: .python), .array([.string("\u{FFFD}A"), .string("\u{FFFD}")]))
        XCTAssertEqual(try JSONParser.parse(#""\ud83d\ude00""#), .string("😀"))
    }

    func testByteOrderMark() {
        let doc = Data([0xEF, 0xBB, 0xBF] + Array("[1]".utf8))
        XCTAssertThrowsError(try JSONParser.parse(doc))
        XCTAssertEqual(try JSONParser.parse(doc, options: .python), .array([.integer(1)]))
    }

    func testInvalidUTF8IsRefused() {
        XCTAssertThrowsError(try JSONParser.parse(Data([0x22, 0xC3, 0x28, 0x22]), file: "u.json")) { e in
            XCTAssertTrue("\(e)".contains("invalid UTF-8"), "\(e)")
        }
    }
}
