import Foundation
import JSON
import XCTest
import TestSupport
@testable import Text

/// Configurations the shared tokenizer.json files do not use, built by editing them and checked
/// against the Python `tokenizers` library loading the same edited file: Llama-3 and Qwen2
/// split regexes, ignore_merges, added tokens with lstrip/rstrip/single_word/normalized,
/// ByteLevel add_prefix_space, NFKC/Lowercase/Strip normalizers, Metaspace split, WhitespaceSplit,
/// Punctuation and Digits.
final class TokenizerVariantTests: XCTestCase {
    static func object(_ members: [(String, JSONValue)]) -> JSONValue { .object(members.map { (key: $0.0, value: $0.1) }) }

    static func setting(_ json: JSONValue, _ path: [String], _ value: JSONValue) -> JSONValue {
        guard let key = path.first, case .object(var members) = json else { return value }
        if let i = members.firstIndex(where: { $0.key == key }) {
            members[i].value = setting(members[i].value, Array(path.dropFirst()), value)
        } else {
            members.append((key, setting(.object([]), Array(path.dropFirst()), value)))
        }
        return .object(members)
    }

    static func byteLevel(prefix: Bool, regex: Bool) -> JSONValue {
        object([("type", .string("ByteLevel")), ("add_prefix_space", .bool(prefix)), ("trim_offsets", .bool(true)), ("use_regex", .bool(regex))])
    }
    static func split(_ regex: String, _ behavior: String = "Isolated", invert: Bool = false) -> JSONValue {
        object([("type", .string("Split")), ("pattern", object([("Regex", .string(regex))])), ("behavior", .string(behavior)), ("invert", .bool(invert))])
    }
    static func sequence(_ key: String, _ items: [JSONValue]) -> JSONValue {
        object([("type", .string("Sequence")), (key, .array(items))])
    }
    static func added(_ id: Int, _ content: String, special: Bool, lstrip: Bool = false, rstrip: Bool = false,
                      normalized: Bool = false, singleWord: Bool = false) -> JSONValue {
        object([("id", .int(id)), ("content", .string(content)), ("single_word", .bool(singleWord)), ("lstrip", .bool(lstrip)),
                ("rstrip", .bool(rstrip)), ("normalized", .bool(normalized)), ("special", .bool(special))])
    }

    func testEditedTokenizersMatchTokenizersLibrary() throws {
        guard try Fixtures.hasPython("tokenizers") else { throw XCTSkip("python tokenizers not installed") }
        func load(_ name: String) throws -> JSONValue? {
            guard let u = try Fixtures.optional(Fixtures.shared.appendingPathComponent("tokenizers/\(name)/tokenizer.json")) else { return nil }
            return try JSONParser.parse(Data(contentsOf: u), file: u.path)
        }
        guard let smol = try load("smollm2-135m-instruct"), let gpt2 = try load("gpt2"), let mistral = try load("mistral-7b-v0.3") else {
            throw XCTSkip("../shared/tokenizers missing")
        }
        var variants: [(String, JSONValue)] = []
        var llama3 = Self.setting(smol, ["pre_tokenizer"], Self.sequence("pretokenizers", [Self.split(SplitPattern.llama3Regex), Self.byteLevel(prefix: false, regex: false)]))
        llama3 = Self.setting(llama3, ["model", "ignore_merges"], .bool(true))
        variants.append(("llama3-split", llama3))
        var qwen2 = Self.setting(gpt2, ["pre_tokenizer"], Self.sequence("pretokenizers", [Self.split(SplitPattern.qwen2Regex), Self.byteLevel(prefix: false, regex: false)]))
        qwen2 = Self.setting(qwen2, ["normalizer"], Self.object([("type", .string("NFC"))]))
        variants.append(("qwen2-split", qwen2))
        var flags = Self.setting(gpt2, ["pre_tokenizer"], Self.byteLevel(prefix: true, regex: true))
        flags = Self.setting(flags, ["added_tokens"], .array([
            Self.added(50256, "<|endoftext|>", special: true, lstrip: true, rstrip: true),
            Self.added(50257, "<mask>", special: true, lstrip: true),
            Self.added(50258, "fox", special: false, singleWord: true),
            Self.added(50259, "[INST]", special: true, rstrip: true),
            Self.added(50260, "café", special: false, normalized: true),
            Self.added(50261, "  ", special: false, normalized: true),
        ]))
        flags = Self.setting(flags, ["normalizer"], Self.sequence("normalizers", [Self.object([("type", .string("NFKC"))]), Self.object([("type", .string("Lowercase"))])]))
        variants.append(("added-flags", flags))
        var meta = Self.setting(mistral, ["pre_tokenizer", "prepend_scheme"], .string("always"))
        meta = Self.setting(meta, ["pre_tokenizer", "split"], .bool(true))
        meta = Self.setting(meta, ["normalizer"], Self.sequence("normalizers", [
            Self.object([("type", .string("Strip")), ("strip_left", .bool(true)), ("strip_right", .bool(true))]),
            Self.object([("type", .string("NFKD"))])]))
        variants.append(("metaspace-split", meta))
        let punct = Self.setting(gpt2, ["pre_tokenizer"], Self.sequence("pretokenizers", [
            Self.object([("type", .string("WhitespaceSplit"))]), Self.object([("type", .string("Punctuation")), ("behavior", .string("Isolated"))]),
            Self.object([("type", .string("Digits")), ("individual_digits", .bool(false))]),
            Self.split("[0-9][0-9][0-9]", "MergedWithPrevious"), Self.byteLevel(prefix: false, regex: false)]))
        variants.append(("punctuation-whitespace", punct))
        let mergedNext = Self.setting(gpt2, ["pre_tokenizer"], Self.sequence("pretokenizers", [
            Self.object([("type", .string("Punctuation")), ("behavior", .string("MergedWithNext"))]),
            Self.object([("type", .string("Punctuation")), ("behavior", .string("Removed"))]),
            Self.split(SplitPattern.gpt2Regex, "Removed", invert: true), Self.byteLevel(prefix: false, regex: true)]))
        variants.append(("merged-with-next", mergedNext))

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-variants-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        for (name, json) in variants {
            let url = folder.appendingPathComponent("\(name).json")
            try Data(JSONWriter.serialize(json).utf8).write(to: url)
            paths.append(url.path)
        }
        let corpus = Array(TokenizerCorpus.make(count: 1_500, seed: 7))
        let reference = try TokenizerParityTests.reference(paths, corpus: corpus)
        for (k, (name, json)) in variants.enumerated() {
            let tokenizer = try Tokenizer(json: json, file: name, bosToken: nil, eosToken: nil)
            let expected = TokenizerParityTests.Expected(reference[paths[k]], corpus: corpus)
            XCTAssertEqual(expected.with.count, corpus.count, name)
            var failures = 0
            for (i, text) in corpus.enumerated() where i < expected.with.count {
                let expect = expected.with[i]
                let got = tokenizer.encode(text)
                let gotDecoded = tokenizer.decode(tokenizer.encode(text, addSpecialTokens: false))
                if got != expect || !gotDecoded.utf8.elementsEqual(expected.decoded[i].utf8) {
                    failures += 1
                    if failures <= 3 {
                        XCTFail("\(name) #\(i) \(JSONWriter.quoted(text)):\n ours   \(got)\n theirs \(expect)\n decoded ours \(JSONWriter.quoted(gotDecoded)) theirs \(JSONWriter.quoted(expected.decoded[i]))")
                    }
                }
            }
            XCTAssertEqual(failures, 0, "\(name): \(failures) of \(corpus.count) differ")
        }
    }
}
