import Foundation
import XCTest
@testable import Text

/// Templates that would build a huge string or list in one step stop with a limit error before
/// allocating it (found by review for the hardening issue: these grew without bound before).
final class JinjaSizeLimitTests: XCTestCase {
    func limitError(_ template: String, outputBytes: Int = 1 << 20, file: StaticString = #filePath, line: UInt = #line) {
        var limits = JinjaLimits()
        limits.outputBytes = outputBytes
        do {
            let out = try ChatTemplate(template, limits: limits).render(variables: [:])
            XCTFail("rendered \(out.utf8.count) bytes instead of failing", file: file, line: line)
        } catch {
            XCTAssertEqual(error.kind, .limit, "\(error)", file: file, line: line)
        }
    }

    func testDoublingAStringInALoopStopsAtTheOutputCap() {
        // 1 KiB doubled 40 times would be a terabyte.
        limitError("{% set ns = namespace(s='x' * 1024) %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}")
        limitError("{% set ns = namespace(s='x' * 1024) %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}")
        limitError("{% set ns = namespace(l=[1] * 1000) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}")
    }

    func testRepetitionCountsThatOverflowAreLimitErrorsNotTraps() {
        limitError("{{ [1, 2] * 9223372036854775807 }}")
        limitError("{{ 'ab' * 9223372036854775807 }}")
    }

    func testFiltersAndMethodsCheckTheirResultSizeFirst() {
        limitError("{{ (['x' * 1000] * 2000) | join(',') }}")
        limitError("{{ 'x' | center(1000000000000) }}")
        limitError("{{ 'a\nb' | indent(1000000000000) }}")
        limitError("{{ ('ab' * 2000) | replace('a', 'x' * 1000) }}")
        limitError("{{ ('ab' * 2000).replace('a', 'x' * 1000) }}")
        limitError("{{ ('ab' * 1000).replace('', 'x' * 1000) }}")
        limitError("{{ [1] | batch(1000000000000, 0) | list }}")
    }

    func testOrdinarySizesStillRender() throws {
        // Python: 'ab'.replace('a', 'xy') == 'xyb'; ', '.join(['a', 'b']) == 'a, b'.
        let out = try ChatTemplate("{{ 'ab'.replace('a', 'xy') }}|{{ ['a', 'b'] | join(', ') }}|{{ 'q' ~ 'r' + 's' }}|{{ [1] + [2] }}")
            .render(variables: [:])
        XCTAssertEqual(out, "xyb|a, b|qrs|[1, 2]")
    }
}

/// A render must free what it built: a macro and the scope it is defined in referred to each
/// other, so every render of a template with a macro leaked its scopes (found by the jinja
/// fuzz target's growing memory).
final class JinjaMemoryTests: XCTestCase {
    func testAMacroDoesNotKeepTheRenderScopesAlive() throws {
        weak var weakGlobals: Scope?
        do {
            let source = Lexer.normalize("{% macro m(x) %}[{{ x }}]{% endmacro %}{{ m(messages) }}")
            let nodes = try Parser.parse(try Lexer.tokenize(source), sourceLength: source.count)
            let globals = Scope(parent: nil)
            globals.assign("messages", Value(JinjaValue.string("hi")))
            let interpreter = Interpreter(globals: globals, limits: JinjaLimits())
            XCTAssertEqual(try interpreter.render(nodes), "[hi]")
            weakGlobals = globals
        }
        XCTAssertNil(weakGlobals, "the render's scopes outlived it")
    }
}
