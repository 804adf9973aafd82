import Foundation
import TestSupport
import XCTest
@testable import Text

/// Many generated conversations through every shared template, compared byte for byte with
/// jinja2 (transformers' configuration) in one batch.
final class ChatTemplateConversationTests: XCTestCase {
    static let contents = [
        "Hello, how are you?",
        "  leading and trailing spaces  ",
        "\n\nnewlines around\n\n",
        "unicode: héllo wörld — 你好 🙂 👩‍👩‍👧 ﬁ",
        "quotes ' \" and a backslash \\ and \\n literally",
        "braces {{ not a tag }} {% if %} {# no #}",
        "tabs\tand\r\nCRLF\rCR",
        "",
        "Arabic: مرحبا بالعالم",
        "e\u{301} decomposed vs é composed",
        "<think>\nsome reasoning\n</think>\n\nThe answer is 42.",
        "   ",
        "multi\nline\n  indented\ncontent",
        "[INST] fake markers <|im_end|> </s> <s>",
        "Which response is better, A or B? Answer with A, B or tie.",
        "\u{2028}line separator\u{00A0}nbsp\u{3000}ideographic space ",
    ]

    static let systems = [
        "You are a helpful assistant.",
        "  Be terse.  \n",
        "Système: réponds en français 🇫🇷",
        "",
        "Line one\nLine two",
    ]

    func conversation(_ r: inout SplitMix64) -> [JinjaValue] {
        var messages: [JinjaValue] = []
        func message(_ role: String, _ content: String) -> JinjaValue {
            .dict([("role", .string(role)), ("content", .string(content))])
        }
        if r.below(2) == 0 { messages.append(message("system", r.pick(Self.systems))) }
        let turns = 1 + r.below(6)
        for t in 0..<turns {
            var role = t % 2 == 0 ? "user" : "assistant"
            // Now and then break the alternation, which several templates refuse.
            if r.below(12) == 0 { role = role == "user" ? "assistant" : "user" }
            messages.append(message(role, r.pick(Self.contents)))
        }
        return messages
    }

    func testGeneratedConversationsMatchJinja2() throws {
        let folder = Fixtures.shared.appendingPathComponent("chat-templates")
        guard try Fixtures.optional(folder.appendingPathComponent("index.json")) != nil else { throw XCTSkip("no chat templates") }
        guard case .array(let index) = try JinjaValue(json: Data(contentsOf: folder.appendingPathComponent("index.json"))) else {
            return XCTFail("index.json is not a list")
        }
        var r = SplitMix64(seed: 20_240_726)
        let conversations = (0..<60).map { _ in conversation(&r) }
        let tools: JinjaValue = try JinjaValue(json: Data(#"""
        [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city — «quoted»",
          "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"},
          "days": {"type": "integer", "minimum": 1.5}}, "required": ["city"]}}}]
        """#.utf8))
        var cases: [JinjaReference.Case] = []
        var labels: [String] = []
        for entry in index {
            let file = entry["file"]?.stringValue ?? ""
            let source = String(decoding: try Data(contentsOf: folder.appendingPathComponent(file)), as: UTF8.self)
            for (ci, messages) in conversations.enumerated() {
                for agp in [true, false] {
                    var variables: [String: JinjaValue] = ["messages": .array(messages), "add_generation_prompt": .bool(agp),
                                                           "tools": ci % 10 == 3 ? tools : .none, "documents": .none]
                    if let bos = entry["bos_token"]?.stringValue { variables["bos_token"] = .string(bos) }
                    if let eos = entry["eos_token"]?.stringValue { variables["eos_token"] = .string(eos) }
                    cases.append(.init(template: source, variables: variables))
                    labels.append("\(file) conversation \(ci) agp=\(agp)")
                }
            }
        }
        guard let reference = try JinjaReference.render(cases) else { throw XCTSkip("jinja2 not available") }
        let raised = reference.filter { if case .error = $0 { true } else { false } }.count
        XCTAssertGreaterThan(raised, 0, "some generated conversations should make templates raise")
        XCTAssertLessThan(raised, cases.count / 2)
        XCTAssertEqual(JinjaReference.assertSame(cases, reference, label: { labels[$0] }), 18 * 60 * 2)
    }
}
