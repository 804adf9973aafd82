import Foundation
import JSON
import XCTest
@testable import Text

/// Errors say where (line:column of the construct) and why; caps stop runaway templates.
final class JinjaErrorTests: XCTestCase {
    func error(_ template: String, variables: [String: JinjaValue] = [:], limits: JinjaLimits = JinjaLimits(),
               file: StaticString = #filePath, line: UInt = #line) -> JinjaError? {
        do {
            let out = try ChatTemplate(template, limits: limits).render(variables: variables)
            XCTFail("rendered \(out.debugDescription) instead of failing", file: file, line: line)
            return nil
        } catch { return error }
    }

    func assertError(_ template: String, _ kind: JinjaError.Kind, _ line: Int, _ column: Int, _ fragment: String,
                     variables: [String: JinjaValue] = [:], limits: JinjaLimits = JinjaLimits(),
                     file: StaticString = #filePath, testLine: UInt = #line) {
        guard let e = error(template, variables: variables, limits: limits, file: file, line: testLine) else { return }
        XCTAssertEqual(e.kind, kind, "\(e)", file: file, line: testLine)
        XCTAssertEqual(e.line, line, "\(e)", file: file, line: testLine)
        XCTAssertEqual(e.column, column, "\(e)", file: file, line: testLine)
        XCTAssertTrue(e.message.contains(fragment), "\(e.message) lacks \(fragment)", file: file, line: testLine)
        if kind != .raised {
            XCTAssertTrue(e.description.hasPrefix("chat template line \(line):\(column): "), e.description, file: file, line: testLine)
        }
    }

    func testSyntaxErrorsPointAtTheProblem() {
        assertError("{% for %}", .syntax, 1, 8, "expected a name")
        assertError("ab\n  {% if x %}\nno end", .syntax, 2, 6, "'if'")
        assertError("{{ 1 + }}", .syntax, 1, 8, "unexpected")
        assertError("x\n{% endfor %}", .syntax, 2, 4, "unknown tag 'endfor'")
        assertError("{{ x | nope }}", .syntax, 1, 8, "no filter named 'nope'")
        assertError("{{ x is nosuch }}", .syntax, 1, 9, "no test named 'nosuch'")
        assertError("{{ 'open }}", .syntax, 1, 4, "unterminated string")
        assertError("line\n{{ x ", .syntax, 2, 1, "not closed")
        assertError("{# never closed", .syntax, 1, 1, "comment")
        assertError("{% include 'other.jinja' %}", .syntax, 1, 4, "not supported")
        assertError("{{ (1 ] }}", .syntax, 1, 7, "unexpected ']'")
        assertError("{{ x @ y }}", .syntax, 1, 6, "unexpected character '@'")
        assertError("é🙂{{ 1 +* 2 }}", .syntax, 1, 9, "unexpected '*'")
    }

    func testRuntimeErrorsPointAtTheOperation() {
        assertError("{{ 'a' + 1 }}", .runtime, 1, 8, "can only concatenate str (not \"int\") to str")
        assertError("\n  {{ x.y.z }}", .runtime, 2, 7, "'x' is undefined")
        assertError("{{ d.a.b }}", .runtime, 1, 7, "'dict object' has no attribute 'a'", variables: ["d": .dict([])])
        assertError("{{ 1 < 'a' }}", .runtime, 1, 4, "'<' not supported between instances of 'int' and 'str'")
        assertError("{{ 1 // 0 }}", .runtime, 1, 6, "division or modulo by zero")
        assertError("{{ foo(1) }}", .runtime, 1, 7, "'foo' is undefined")
        assertError("{{ [1].append(2) }}", .runtime, 1, 14, "unsafe")
        assertError("{% set x = 1 %}{% set x.y = 2 %}", .runtime, 1, 23, "non-namespace")
        assertError("{% for a, b in [[1, 2, 3]] %}{% endfor %}", .runtime, 1, 4, "too many values to unpack")
        assertError("{{ none|length }}", .runtime, 1, 9, "has no len()")
    }

    func testRaiseExceptionCarriesTheTemplateMessage() {
        let e = error("{% if true %}\n{{ raise_exception('System role not supported') }}{% endif %}")
        XCTAssertEqual(e?.kind, .raised)
        XCTAssertEqual(e?.message, "System role not supported")
        XCTAssertEqual(e?.description, "System role not supported")
        XCTAssertEqual(e?.line, 2)
    }

    func testCapsStopRunawayTemplates() {
        var small = JinjaLimits()
        small.iterations = 1000
        assertError("{% for i in range(100) %}{% for j in range(100) %}{% endfor %}{% endfor %}", .limit, 1, 29, "1000 loop iterations", limits: small)
        small.outputBytes = 10_000
        assertError("{% for i in range(50) %}{{ 'x' * 1000 }}{% endfor %}", .limit, 1, 32, "output exceeds", limits: small)
        assertError("{{ 'x' * 100000 }}", .limit, 1, 8, "repetition", limits: small)
        assertError("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", .limit, 1, 21, "nested deeper")
        assertError("{{ range(1000000)|length }}", .limit, 1, 9, "range too big")
        assertError("{{ " + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + " }}", .limit, 1, 104, "nested deeper")
        assertError(String(repeating: "{% if true %}", count: 5000), .limit, 1, 2604, "nested deeper")
        assertError("{{ " + String(repeating: "not ", count: 5000) + "1 }}", .limit, 1, 804, "nested deeper")
    }

    func testStrftimeNowUsesThePinnedDate() throws {
        let t = try ChatTemplate("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%A %-d %B %y %j %m') }}")
        XCTAssertEqual(try t.render(variables: [:]), "26 Jul 2024|Friday 26 July 24 208 07")
        XCTAssertEqual(try t.render(variables: [:], date: PinnedDate(year: 2000, month: 2, day: 29)), "29 Feb 2000|Tuesday 29 February 00 060 02")
    }

    func testJSONReaderKeepsOrderAndReportsPositions() throws {
        let v = try JinjaValue(json: Data(#"{"z": 1, "a": [1.0, -2, 3e2, "\u00e9\ud83d\ude42"], "m": {"k": null, "t": true}, "z": 2}"#.utf8))
        guard case .dict(let pairs) = v else { return XCTFail("not a dict") }
        XCTAssertEqual(pairs.map(\.key), ["z", "a", "m"])
        XCTAssertEqual(pairs[0].value, .int(2))
        XCTAssertEqual(pairs[1].value, .array([.double(1), .int(-2), .double(300), .string("é🙂")]))
        for (text, line, column) in [("{\"a\": }", 1, 7), ("[1,\n 2,\n x]", 3, 2), ("[01]", 1, 3), ("\"abc", 1, 1), ("{} x", 1, 4), ("", 1, 1)] {
            XCTAssertThrowsError(try JinjaValue(json: Data(text.utf8)), text) { e in
                let e = e as? JSONError
                XCTAssertEqual(e?.line, line, text)
                XCTAssertEqual(e?.column, column, text)
            }
        }
        XCTAssertThrowsError(try JinjaValue(json: Data((String(repeating: "[", count: 10000) + String(repeating: "]", count: 10000)).utf8)))
    }
}
