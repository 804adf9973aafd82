import Foundation
import TestSupport
import XCTest

/// `cellar template` against Python: the GGUF's template read by the `gguf` library and a
/// Hugging Face folder's, both rendered by jinja2 set up as transformers sets it up.
final class TemplateCommandTests: XCTestCase {
    static let messages = #"[{"role": "system", "content": "Be brief. ✓"}, {"role": "user", "content": "  Hi! 🙂\nTwo lines "}, {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "A or B?"}]"#

    /// Renders `template` with jinja2 as transformers does; bos/eos passed when not nil.
    func jinja2(_ template: String, messages: String, generationPrompt: Bool, bos: String?, eos: String?) throws -> String {
        let script = #"""
import json, sys
sys.path.insert(0, sys.argv[1])
import render_expected
args = json.load(sys.stdin)
v = {"messages": json.loads(args["messages"]), "tools": None, "documents": None, "add_generation_prompt": args["agp"]}
if args["bos"] is not None: v["bos_token"] = args["bos"]
if args["eos"] is not None: v["eos_token"] = args["eos"]
sys.stdout.write(render_expected.make_env().from_string(args["template"]).render(**v))
"""#
        let payload: [String: Any] = ["template": template, "messages": messages, "agp": generationPrompt,
                                      "bos": bos as Any? ?? NSNull(), "eos": eos as Any? ?? NSNull()]
        let input = try JSONSerialization.data(withJSONObject: payload)
        let folder = Fixtures.shared.appendingPathComponent("chat-templates").path
        return String(decoding: try Fixtures.python(script, [folder], stdin: input), as: UTF8.self)
    }

    func writeMessages(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-template-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        return url
    }

    func testGGUFTemplateMatchesJinja2() throws {
        guard let gguf = try Fixtures.optional(Fixtures.smolGGUF), try Fixtures.hasPython("gguf"), try Fixtures.hasPython("jinja2"),
              try Fixtures.optional(Fixtures.shared.appendingPathComponent("chat-templates/render_expected.py")) != nil else {
            throw XCTSkip("SmolLM2 GGUF, gguf or jinja2 missing")
        }
        let read = #"""
import json, sys
from gguf import GGUFReader
r = GGUFReader(sys.argv[1])
def field(k):
    f = r.fields[k]
    return f.parts[f.data[0]]
tmpl = bytes(field("tokenizer.chat_template")).decode("utf-8")
tokens = r.fields["tokenizer.ggml.tokens"]
def tok(key):
    if key not in r.fields: return None
    i = int(field(key)[0])
    return bytes(tokens.parts[tokens.data[i]]).decode("utf-8")
print(json.dumps({"template": tmpl, "bos": tok("tokenizer.ggml.bos_token_id"), "eos": tok("tokenizer.ggml.eos_token_id")}))
"""#
        let info = try JSONSerialization.jsonObject(with: Fixtures.python(read, [gguf.path])) as? [String: Any] ?? [:]
        let template = try XCTUnwrap(info["template"] as? String)
        let messages = try writeMessages(Self.messages)
        defer { try? FileManager.default.removeItem(at: messages) }
        for agp in [true, false] {
            let r = try CLI.run(["template", gguf.path, "--messages", messages.path] + (agp ? ["--generation-prompt"] : []))
            XCTAssertEqual(r.status, 0, r.stderr)
            let expected = try jinja2(template, messages: Self.messages, generationPrompt: agp, bos: info["bos"] as? String, eos: info["eos"] as? String)
            XCTAssertFalse(expected.isEmpty)
            XCTAssertTrue(r.stdout.utf8.elementsEqual(expected.utf8), "got \(r.stdout.debugDescription), jinja2 \(expected.debugDescription)")
        }
    }

    func testHuggingFaceFolderTemplateAndRaisedError() throws {
        let shared = Fixtures.shared.appendingPathComponent("chat-templates")
        guard let gemma = try Fixtures.optional(shared.appendingPathComponent("gemma-2-2b-it.jinja")), try Fixtures.hasPython("jinja2") else {
            throw XCTSkip("shared chat templates or jinja2 missing")
        }
        let template = String(decoding: try Data(contentsOf: gemma), as: UTF8.self)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-hf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config: [String: Any] = ["chat_template": template, "bos_token": "<bos>",
                                     "eos_token": ["content": "<eos>", "lstrip": false, "special": true]]
        try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("tokenizer_config.json"))

        // Gemma refuses a system message with the template's own words.
        let withSystem = try writeMessages(Self.messages)
        defer { try? FileManager.default.removeItem(at: withSystem) }
        let refused = try CLI.run(["template", folder.path, "--messages", withSystem.path])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("System role not supported"), refused.stderr)
        XCTAssertTrue(refused.stdout.isEmpty)

        let noSystem = #"{"messages": [{"role": "user", "content": "Which is better?"}, {"role": "assistant", "content": "A"}, {"role": "user", "content": "Why?"}]}"#
        let file = try writeMessages(noSystem)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try CLI.run(["template", folder.path, "--messages", file.path, "--generation-prompt"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let list = #"[{"role": "user", "content": "Which is better?"}, {"role": "assistant", "content": "A"}, {"role": "user", "content": "Why?"}]"#
        XCTAssertEqual(r.stdout, try jinja2(template, messages: list, generationPrompt: true, bos: "<bos>", eos: "<eos>"))
    }

    func testBadMessagesFileIsOneClearError() throws {
        guard let gguf = try Fixtures.optional(Fixtures.smolGGUF) else { throw XCTSkip("SmolLM2 GGUF missing") }
        let file = try writeMessages("[{\"role\": \"user\", \"content\": \"x\"},\n {\"role\": }]")
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try CLI.run(["template", gguf.path, "--messages", file.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("\(file.path):2:11"), r.stderr)
        let missing = try CLI.run(["template", gguf.path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("--messages"), missing.stderr)
    }
}
