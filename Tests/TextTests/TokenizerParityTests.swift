import Foundation
import XCTest
import TestSupport
@testable import Text

/// Exact id parity with the Python `tokenizers` library for every tokenizer.json in
/// ../shared/tokenizers, over the generated corpus, with and without special tokens, and the
/// same decoded text.
final class TokenizerParityTests: XCTestCase {
    static let names = ["gpt2", "gpt-neox-20b", "falcon-7b", "llama-2-7b", "mistral-7b-v0.3", "phi-3-mini-4k-instruct", "smollm2-135m-instruct"]

    /// Python's answer for every tokenizer at once (one process, batch encode).
    static func reference(_ paths: [String], corpus: [String]) throws -> JSONValue {
        let script = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("scripts/reference/hf_tokenize.py"), encoding: .utf8)
        let request = JSONValue.object([("corpus", .array(corpus.map { .string($0) })), ("tokenizers", .array(paths.map { .string($0) }))])
        let out = try Fixtures.python(script, [], stdin: Data(JSONWriter.serialize(request).utf8))
        return try JSONParser.parse(out, file: "python reference output")
    }

    func testParityWithTokenizersLibrary() throws {
        guard try Fixtures.hasPython("tokenizers") else { throw XCTSkip("python tokenizers not installed") }
        var paths: [String] = []
        for name in Self.names {
            let url = Fixtures.shared.appendingPathComponent("tokenizers/\(name)/tokenizer.json")
            if let u = try Fixtures.optional(url) { paths.append(u.path) }
        }
        guard !paths.isEmpty else { throw XCTSkip("../shared/tokenizers missing") }
        let corpus = TokenizerCorpus.make()
        XCTAssertGreaterThanOrEqual(corpus.count, 5_000)
        let reference = try Self.reference(paths, corpus: corpus)
        for path in paths {
            let name = URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent
            let tokenizer = try Tokenizer(tokenizerJSON: Data(contentsOf: URL(fileURLWithPath: path)), file: path)
            guard let ref = reference[path], let with = ref["with"]?.array, let without = ref["without"]?.array,
                  let decoded = ref["decoded"]?.array, let skipped = ref["skipped"]?.array else { return XCTFail("no reference for \(name)") }
            var failures = 0, roundTrips = 0
            for (i, text) in corpus.enumerated() {
                let expectWith = with[i].array?.compactMap { $0.int.map(Int32.init) } ?? []
                let expectWithout = without[i].array?.compactMap { $0.int.map(Int32.init) } ?? []
                let gotWith = tokenizer.encode(text, addSpecialTokens: true)
                let gotWithout = tokenizer.encode(text, addSpecialTokens: false)
                let gotDecoded = tokenizer.decode(gotWithout)
                let expectDecoded = decoded[i].string ?? ""
                let gotSkipped = tokenizer.decode(gotWith, skipSpecialTokens: true)
                if gotWith != expectWith || gotWithout != expectWithout || !gotDecoded.utf8.elementsEqual(expectDecoded.utf8)
                    || !gotSkipped.utf8.elementsEqual((skipped[i].string ?? "").utf8) {
                    failures += 1
                    if failures <= 5 {
                        XCTFail("\(name) #\(i) \(JSONWriter.quoted(text)):\n ours   \(gotWith)\n theirs \(expectWith)\n decoded ours \(JSONWriter.quoted(gotDecoded)) theirs \(JSONWriter.quoted(expectDecoded))\n skipped ours \(JSONWriter.quoted(gotSkipped)) theirs \(JSONWriter.quoted(skipped[i].string ?? ""))")
                    }
                }
                if expectDecoded.utf8.elementsEqual(text.utf8) {
                    roundTrips += 1
                    XCTAssertTrue(gotDecoded.utf8.elementsEqual(text.utf8), "\(name) #\(i): decode(encode(x)) != x")
                }
            }
            XCTAssertEqual(failures, 0, "\(name): \(failures) of \(corpus.count) strings differ")
            print("\(name): \(corpus.count) strings identical; \(roundTrips) round-trip exactly")
        }
    }
}
