import Foundation
import TestSupport
import XCTest
@testable import Text

/// Differential fuzzing: the shared templates with random edits (deleted, duplicated or inserted
/// pieces of Jinja syntax), rendered by us and by jinja2. Whatever jinja2 renders we must render
/// identically; whatever it rejects we must reject; and nothing may crash or hang.
final class JinjaFuzzTests: XCTestCase {
    static let fragments = ["{%", "%}", "{{", "}}", "-", "+", " ", "\n", "'", "\"", "(", ")", "not ", " if ", " else ",
                            "|trim", "|length", "[", "]", "{#", "#}", "loop.", ".", ",", "[-1]", "[1:]", " and ", " or ",
                            "{% endif %}", "{% endfor %}", "{% else %}", "~", "*", "//", "0", "1.5", "none", "is defined",
                            "{%- ", " -%}", "{{- ", " -}}", "  ", "\t", "{% raw %}", "{% endraw %}"]

    func mutate(_ source: String, _ r: inout SplitMix64) -> String {
        var scalars = Array(source.unicodeScalars)
        for _ in 0..<(1 + r.below(3)) {
            let at = scalars.isEmpty ? 0 : r.below(scalars.count)
            switch r.below(3) {
            case 0:
                let n = min(1 + r.below(12), scalars.count - at)
                scalars.removeSubrange(at..<at + n)
            case 1:
                let n = min(1 + r.below(30), scalars.count - at)
                scalars.insert(contentsOf: scalars[at..<at + n], at: at)
            default:
                scalars.insert(contentsOf: Array(r.pick(Self.fragments).unicodeScalars), at: at)
            }
        }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars)
        return String(s)
    }

    func testMutatedTemplatesAgreeWithJinja2() throws {
        let folder = Fixtures.shared.appendingPathComponent("chat-templates")
        guard try Fixtures.optional(folder.appendingPathComponent("index.json")) != nil else { throw XCTSkip("no chat templates") }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jinja") }.sorted()
        var seeds = try files.map { String(decoding: try Data(contentsOf: folder.appendingPathComponent($0)), as: UTF8.self) }
        seeds += JinjaLanguageTests.snippets
        var r = SplitMix64(seed: UInt64(ProcessInfo.processInfo.environment["JINJA_FUZZ_SEED"] ?? "") ?? 7)
        var variables = JinjaLanguageTests.variables
        variables["add_generation_prompt"] = .bool(true)
        variables["bos_token"] = .string("<s>")
        variables["eos_token"] = .string("</s>")
        variables["tools"] = JinjaValue.none
        let count = Int(ProcessInfo.processInfo.environment["JINJA_FUZZ_COUNT"] ?? "") ?? 1500
        let cases = (0..<count).map { _ in JinjaReference.Case(template: mutate(r.pick(seeds), &r), variables: variables) }
        guard let reference = try JinjaReference.render(cases) else { throw XCTSkip("jinja2 not available") }
        var mismatches = 0
        for (i, c) in cases.enumerated() {
            // Not comparable: strftime_now is a constant in the reference but formats the pinned
            // date here, and Python prints functions with their memory address.
            if c.template.contains("strftime_now") { continue }
            if case .output(let o) = reference[i], o.contains(" at 0x") { continue }
            let mine = JinjaReference.ours(c)
            switch (mine, reference[i]) {
            case let (.output(a), .output(b)) where a.utf8.elementsEqual(b.utf8): continue
            case (.error, .error): continue
            default:
                mismatches += 1
                if mismatches <= 15 {
                    print("MISMATCH \(i): ours \(String(describing: mine).prefix(300))\n  jinja2 \(String(describing: reference[i]).prefix(300))\n  template \(c.template.debugDescription.prefix(1500))")
                }
            }
        }
        XCTAssertEqual(mismatches, 0)
    }
}
