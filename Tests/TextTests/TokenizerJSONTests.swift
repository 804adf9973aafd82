import Foundation
import JSON
import XCTest
import TestSupport
@testable import Text

/// The strict JSON parser used for tokenizer.json: agrees with Python's json on documents, and
/// rejects malformed ones with the line and column of the problem.
final class TokenizerJSONTests: XCTestCase {
    func testParsesLikePythonJSON() throws {
        guard try Fixtures.hasPython("json") else { throw XCTSkip("python missing") }
        let documents = [
            #"{"a": [1, -2.5e3, 0, true, false, null], "b": {"c": "d\u00e9\ud83d\ude00\n\t\"\\\/"}, "": []}"#,
            #"[1e-7, 123456789012, -0.0, "▁x", "日本", {"k": {"k": {"k": [[[]]]}}}]"#,
            #"  "just a string"  "#,
        ]
        for doc in documents {
            let ours = try JSONParser.parse(doc)
            // Python re-serialises its reading; parsing that back must give the same value.
            let python = try Fixtures.python("import json,sys; sys.stdout.write(json.dumps(json.loads(sys.stdin.read()), ensure_ascii=False))",
                                             stdin: Data(doc.utf8))
            XCTAssertEqual(ours, try JSONParser.parse(python), doc)
            // And our writer's output reads back the same in Python.
            let roundTrip = try Fixtures.python("import json,sys; a=sys.stdin.read().split('\\x00'); print(json.loads(a[0]) == json.loads(a[1]))",
                                                stdin: Data((JSONWriter.serialize(ours) + "\u{0}" + doc).utf8))
            XCTAssertEqual(String(decoding: roundTrip, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), "True", doc)
        }
    }

    func testRejectsMalformedDocumentsWithPosition() {
        let cases: [(String, String, Int, Int)] = [
            ("{\"a\": 1,}", "expected a string key", 1, 9),
            ("[1, 2\n, 3", "unterminated array", 2, 4),
            ("{\"a\" 1}", "expected ':'", 1, 6),
            ("[01]", "leading zeros", 1, 3),
            ("[\"\\ud800\"]", "unpaired high surrogate", 1, 9),
            ("[\"a\tb\"]", "control character", 1, 4),
            ("{\"a\": tru}", "expected 'true'", 1, 7),
            ("[1] x", "unexpected content", 1, 5),
            ("[NaN]", "expected a value", 1, 2),
            (String(repeating: "[", count: 600), "nesting deeper", 1, 513),
        ]
        for (text, message, line, column) in cases {
            do {
                _ = try JSONParser.parse(text, file: "t.json")
                XCTFail("accepted \(text)")
            } catch {
                XCTAssertTrue(error.message.contains(message), "\(text): \(error)")
                XCTAssertEqual(error.line, line, "\(text): \(error)")
                XCTAssertEqual(error.column, column, "\(text): \(error)")
                XCTAssertTrue(error.description.hasPrefix("t.json:\(line):\(column)"), error.description)
            }
        }
    }

    func testTokenizerErrorsNameFileAndPlace() {
        func message(_ json: String) -> String {
            do { _ = try Tokenizer(tokenizerJSON: Data(json.utf8), file: "tok.json"); return "accepted" } catch { return "\(error)" }
        }
        let model = #""model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}"#
        XCTAssertTrue(message("{\(model)}") == "accepted")
        XCTAssertEqual(message(#"{"model": {"type": "Unigram", "vocab": []}}"#), #"tok.json: model.type: unsupported model type "Unigram" (only BPE)"#)
        XCTAssertEqual(message(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a c"]}}"#), "tok.json: model.merges[0]: merge part not in the vocabulary")
        XCTAssertEqual(message(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["ab"]}}"#), #"tok.json: model.merges[0]: expected "left right""#)
        XCTAssertEqual(message(#"{"model": {"type": "BPE", "vocab": {"a": -1}}}"#), #"tok.json: model.vocab["a"]: expected a non-negative integer id"#)
        XCTAssertEqual(message("{\(model), \"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"\\\\w+\"}}}"),
                       #"tok.json: pre_tokenizer: Split pre-tokenizer: no scanner for the regex "\\w+""#)
        XCTAssertEqual(message("{\(model), \"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"BertNormalizer\"}]}}"),
                       #"tok.json: normalizer.normalizers[0]: unsupported normalizer type "BertNormalizer""#)
        XCTAssertEqual(message("{\(model), \"decoder\": {\"type\": \"WordPiece\"}}"), #"tok.json: decoder: unsupported decoder type "WordPiece""#)
        XCTAssertEqual(message("{\(model), \"added_tokens\": [{\"id\": 3}]}"), "tok.json: added_tokens[0]: expected an id and a non-empty content")
        XCTAssertTrue(message(#"{"model": {"#).hasPrefix("tok.json:1:12 (byte 11): expected a string key"), message(#"{"model": {"#))
    }

    func testGGUFMetadataFromPlainArraysAndItsErrors() throws {
        // A toy byte-level vocabulary: every byte's character, plus merges building "hello".
        var tokens = (0..<256).map { b -> String in String(Character(Unicode.Scalar(ByteLevel.byteToScalar[b])!)) }
        tokens += ["he", "ll", "hell", "hello", "<|end|>"]
        var types = [Int](repeating: 1, count: tokens.count)
        types[tokens.count - 1] = 3
        let metadata = GGUFTokenizerMetadata(model: "gpt2", pre: "gpt-2", tokens: tokens, merges: ["h e", "l l", "he ll", "hell o"],
                                             tokenTypes: types, bosID: 260, eosID: 260, addBOS: true, chatTemplate: "{{ x }}")
        let tokenizer = try Tokenizer(gguf: metadata)
        let hello = Int32(tokens.firstIndex(of: "hello")!)
        XCTAssertEqual(tokenizer.encode("hello<|end|>", addSpecialTokens: true), [260, hello, 260])
        XCTAssertEqual(tokenizer.encode("hello", addSpecialTokens: false), [hello])
        XCTAssertEqual(tokenizer.decode([hello, 260], skipSpecialTokens: true), "hello")
        XCTAssertEqual(tokenizer.eosIDs, [260])
        XCTAssertEqual(metadata.tokenizerConfigJSON()["chat_template"]?.string, "{{ x }}")

        var bad = metadata
        bad.tokenTypes = [1]
        XCTAssertThrowsError(try bad.tokenizerJSON()) { XCTAssertEqual("\($0)", "<gguf>: tokenizer.ggml.token_type: has 1 entries for 261 tokens") }
        bad = metadata
        bad.pre = "mystery"
        XCTAssertThrowsError(try bad.tokenizerJSON()) { XCTAssertTrue("\($0)".contains("no Hugging Face equivalent known for pre-tokenizer \"mystery\"")) }
        bad = metadata
        bad.bosID = 9999
        XCTAssertThrowsError(try bad.tokenizerJSON()) { XCTAssertTrue("\($0)".contains("tokenizer.ggml.bos_token_id: token id 9999 is outside")) }
        bad = metadata
        bad.merges = ["hello"]
        XCTAssertThrowsError(try bad.tokenizerJSON()) { XCTAssertTrue("\($0)".contains("tokenizer.ggml.merges[0]: expected \"left right\"")) }
        bad = metadata
        bad.model = "bert"
        XCTAssertThrowsError(try bad.tokenizerJSON()) { XCTAssertTrue("\($0)".contains("unsupported tokenizer model \"bert\"")) }
    }

    func testConfigReadsListTemplatesAndTokenObjects() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = #"{"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "add_bos_token": true, "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}"#
        try Data(config.utf8).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        let c = try TokenizerConfig.load(model: folder)
        XCTAssertEqual(c.chatTemplate, "D")
        XCTAssertEqual(c.bosToken, "<s>")
        XCTAssertEqual(c.eosToken, "</s>")
        XCTAssertTrue(c.addBOS)
        try Data(#"{"bos_token": 3}"#.utf8).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        XCTAssertThrowsError(try TokenizerConfig.load(model: folder)) { XCTAssertTrue("\($0)".contains("bos_token: expected a string or an object")) }
        XCTAssertThrowsError(try Tokenizer.load(model: folder.appendingPathComponent("missing"))) { XCTAssertTrue("\($0)".contains("no such file")) }
    }

    func testSharedConfigsGiveAddBOSLikeTransformers() throws {
        guard let llama = try Fixtures.optional(Fixtures.shared.appendingPathComponent("tokenizers/llama-2-7b")),
              let mistral = try Fixtures.optional(Fixtures.shared.appendingPathComponent("tokenizers/mistral-7b-v0.3")),
              let phi = try Fixtures.optional(Fixtures.shared.appendingPathComponent("tokenizers/phi-3-mini-4k-instruct")) else {
            throw XCTSkip("../shared/tokenizers missing")
        }
        XCTAssertTrue(try TokenizerConfig.load(model: llama).addBOS)
        XCTAssertTrue(try TokenizerConfig.load(model: mistral).addBOS) // no config: from the post-processor
        XCTAssertFalse(try TokenizerConfig.load(model: phi).addBOS)
        XCTAssertNotNil(try TokenizerConfig.load(model: phi).chatTemplate)
        let t = try Tokenizer.load(model: llama)
        XCTAssertEqual(t.bosToken, "<s>")
        XCTAssertEqual(t.eosIDs, [2])
        XCTAssertEqual(t.bosID, 1)
    }
}
