import Foundation
import TestSupport
import XCTest

/// `cellar tokenize` on the SmolLM2 GGUF and on its Hugging Face tokenizer folder, against the
/// `tokenizers` library encoding with the folder's tokenizer.json.
final class TokenizeCLITests: XCTestCase {
    static let texts = [
        "Hello world! Prices rose 12345 points in 2024.",
        "  Ünïcödé   spaces\tand\nnewlines — 東京 🙂👩‍👩‍👧",
        "<|im_start|>user\nA or B?<|im_end|>\n<|im_start|>assistant\n",
    ]

    private func models() throws -> (gguf: URL, folder: URL) {
        guard let gguf = try Fixtures.optional(Fixtures.smolGGUF),
              let folder = try Fixtures.optional(Fixtures.shared.appendingPathComponent("tokenizers/smollm2-135m-instruct")),
              try Fixtures.hasPython("tokenizers") else { throw XCTSkip("SmolLM2 GGUF, tokenizer folder or tokenizers missing") }
        return (gguf, folder)
    }

    /// [special ? 1 : 0][text] → (ids, tokens) from the `tokenizers` library.
    private func reference(_ folder: URL) throws -> [[(ids: [Int], tokens: [String])]] {
        let script = #"""
import json, sys
from tokenizers import Tokenizer
t = Tokenizer.from_file(sys.argv[1])
texts = json.load(sys.stdin)
print(json.dumps([[(lambda e: {"ids": e.ids, "tokens": e.tokens})(t.encode(x, add_special_tokens=s)) for x in texts] for s in (False, True)]))
"""#
        let data = try Fixtures.python(script, [folder.appendingPathComponent("tokenizer.json").path],
                                       stdin: try JSONSerialization.data(withJSONObject: Self.texts))
        let raw = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [[[String: Any]]])
        return raw.map { $0.map { (($0["ids"] as? [Int]) ?? [], ($0["tokens"] as? [String]) ?? []) } }
    }

    func testIdsMatchTheTokenizersLibrary() throws {
        let (gguf, folder) = try models()
        let expected = try reference(folder)
        for model in [gguf, folder] {
            for special in [false, true] {
                for (i, text) in Self.texts.enumerated() {
                    let r = try CLI.run(["tokenize", model.path, "--text", text] + (special ? ["--special"] : []))
                    XCTAssertEqual(r.status, 0, r.stderr)
                    let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
                    let ids = lines.first.map { $0.dropFirst("ids: ".count).split(separator: " ").compactMap { Int($0) } }
                    XCTAssertEqual(ids, expected[special ? 1 : 0][i].ids, "\(model.lastPathComponent) special \(special): \(text.debugDescription)")
                    XCTAssertEqual(lines.dropFirst().first, "count: \(expected[special ? 1 : 0][i].ids.count)"[...])
                }
            }
        }
    }

    func testJSONOutputParsesAndItsBytesSpellTheText() throws {
        let (gguf, folder) = try models()
        let expected = try reference(folder)
        for model in [gguf, folder] {
            for (i, text) in Self.texts.enumerated() {
                let r = try CLI.run(["tokenize", model.path, "--text", text, "--json"])
                XCTAssertEqual(r.status, 0, r.stderr)
                let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
                let ids = try XCTUnwrap(object["ids"] as? [Int])
                XCTAssertEqual(ids, expected[0][i].ids)
                XCTAssertEqual(object["count"] as? Int, ids.count)
                let tokens = try XCTUnwrap(object["tokens"] as? [[String: Any]])
                XCTAssertEqual(tokens.map { $0["id"] as? Int ?? -1 }, ids)
                XCTAssertEqual(tokens.map { $0["token"] as? String ?? "" }, expected[0][i].tokens)
                // Byte-level BPE is lossless: the tokens' bytes, in order, are the text's UTF-8.
                let bytes = tokens.flatMap { ($0["bytes"] as? [Int] ?? []).map(UInt8.init) }
                XCTAssertEqual(bytes, Array(text.utf8), "\(model.lastPathComponent): \(text.debugDescription)")
                let specials = tokens.filter { $0["special"] as? Bool == true }.compactMap { $0["token"] as? String }
                XCTAssertEqual(specials, i == 2 ? ["<|im_start|>", "<|im_end|>", "<|im_start|>"] : [])
            }
        }
    }

    func testFileInputAndErrors() throws {
        let (gguf, folder) = try models()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-tokenize-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("text.txt")
        try Data(Self.texts[1].utf8).write(to: good)
        var r = try CLI.run(["tokenize", folder.path, "--file", good.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\n").first.map(String.init),
                       "ids: " + (try reference(folder))[0][1].ids.map(String.init).joined(separator: " "))
        r = try CLI.run(["tokenize", gguf.path, "--file", "-"], stdin: Self.texts[0])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("ids: "), r.stdout)

        let bad = dir.appendingPathComponent("bad.txt")
        try Data([0x61, 0x62, 0x63, 0xC3, 0x28]).write(to: bad)
        r = try CLI.run(["tokenize", gguf.path, "--file", bad.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "cellar: tokenize: \(bad.path): not valid UTF-8 at byte 3\n")
        r = try CLI.run(["tokenize", gguf.path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("exactly one of --text and --file"), r.stderr)
        r = try CLI.run(["tokenize", dir.appendingPathComponent("absent.gguf").path, "--text", "x"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("cellar: ") && r.stderr.contains("absent.gguf"), r.stderr)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
    }
}
