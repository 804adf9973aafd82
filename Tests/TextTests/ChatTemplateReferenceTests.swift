import Foundation
import TestSupport
import XCTest
@testable import Text

/// Renders every template in ../shared/chat-templates and compares with what Python's jinja2,
/// configured as transformers configures it, produced (expected.json) or produces now.
final class ChatTemplateReferenceTests: XCTestCase {
    struct TemplateEntry {
        let name: String
        let source: String
        let bos: String?
        let eos: String?
    }

    func templatesFolder() throws -> URL {
        let folder = Fixtures.shared.appendingPathComponent("chat-templates")
        guard try Fixtures.optional(folder.appendingPathComponent("expected.json")) != nil else {
            throw XCTSkip("../shared/chat-templates is missing")
        }
        return folder
    }

    func loadJSON(_ url: URL) throws -> JinjaValue {
        try JinjaValue(json: Data(contentsOf: url))
    }

    func templates(_ folder: URL) throws -> [TemplateEntry] {
        guard case .array(let index) = try loadJSON(folder.appendingPathComponent("index.json")) else {
            XCTFail("index.json is not a list"); return []
        }
        return try index.map { entry in
            let file = entry["file"]?.stringValue ?? ""
            let source = String(decoding: try Data(contentsOf: folder.appendingPathComponent(file)), as: UTF8.self)
            return TemplateEntry(name: entry["name"]?.stringValue ?? "", source: source,
                                 bos: entry["bos_token"]?.stringValue, eos: entry["eos_token"]?.stringValue)
        }
    }

    func testEveryExpectedCaseRendersByteIdentically() throws {
        let folder = try templatesFolder()
        let entries = Dictionary(uniqueKeysWithValues: try templates(folder).map { ($0.name, $0) })
        guard case .array(let conversations) = try loadJSON(folder.appendingPathComponent("conversations.json")),
              case .array(let cases) = try loadJSON(folder.appendingPathComponent("expected.json")) else {
            return XCTFail("conversations.json or expected.json is not a list")
        }
        XCTAssertEqual(cases.count, 166)
        var compiled: [String: ChatTemplate] = [:]
        var raised = 0
        for c in cases {
            let name = c["template"]?.stringValue ?? ""
            guard let entry = entries[name], case .int(let ci)? = c["conversation_index"], case .bool(let agp)? = c["add_generation_prompt"] else {
                XCTFail("malformed case \(c)"); continue
            }
            let template = try compiled[name] ?? ChatTemplate(entry.source)
            compiled[name] = template
            let conversation = conversations[ci]
            var extra: [String: JinjaValue] = [:]
            if let tools = conversation["tools"] { extra["tools"] = tools }
            let label = "\(name) conversation \(ci) agp=\(agp)"
            do {
                let out = try template.render(messages: conversation["messages"]?.arrayValue ?? [], addGenerationPrompt: agp,
                                              bosToken: entry.bos, eosToken: entry.eos, extra: extra)
                if let expected = c["output"]?.stringValue {
                    XCTAssertTrue(out.utf8.elementsEqual(expected.utf8), "\(label): got\n\(out.debugDescription)\nexpected\n\(expected.debugDescription)")
                } else {
                    XCTFail("\(label): rendered but jinja2 raised \(c["error"]?.stringValue ?? "")")
                }
            } catch {
                guard let expected = c["error"]?.stringValue else { XCTFail("\(label): \(error)"); continue }
                XCTAssertEqual(error.kind, .raised, label)
                XCTAssertEqual(error.message, expected, label)
                XCTAssertEqual(error.description, expected, label)
                raised += 1
            }
        }
        XCTAssertEqual(raised, 12)
    }
}
