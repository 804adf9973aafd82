import Foundation
import JSON
import XCTest
import TestSupport
@testable import Text

/// Exact id parity with the Python `tokenizers` library for every tokenizer.json in
/// ../shared/tokenizers, over the generated corpus, with and without special tokens, and the
/// same decoded text.
final class TokenizerParityTests: XCTestCase {
    static let names = ["gpt2", "gpt-neox-20b", "falcon-7b", "llama-2-7b", "mistral-7b-v0.3", "phi-3-mini-4k-instruct", "smollm2-135m-instruct"]

    /// One tokenizer's reference answers, expanded from the compact form hf_tokenize.py writes.
    struct Expected {
        var with: [[Int32]] = []
        var without: [[Int32]] = []
        var decoded: [String] = []
        var skipped: [String] = []

        init(_ json: JSONValue?, corpus: [String]) {
            let w = json?["with"]?.array ?? [], wo = json?["without"]?.array ?? []
            let d = json?["decoded"]?.array ?? [], s = json?["skipped"]?.array ?? []
            guard w.count == corpus.count, wo.count == corpus.count, d.count == corpus.count, s.count == corpus.count else { return }
            for i in corpus.indices {
                let ids = w[i].array?.compactMap { $0.int.map(Int32.init) } ?? []
                with.append(ids)
                if wo[i].isNull { without.append(ids) }
                else if let trim = wo[i]["trim"]?.array, trim.count == 2, let k = trim[0].int, let m = trim[1].int, k + m <= ids.count {
                    without.append(Array(ids[k..<(ids.count - m)]))
                } else { without.append(wo[i].array?.compactMap { $0.int.map(Int32.init) } ?? []) }
                decoded.append(d[i].string ?? corpus[i])
                skipped.append(s[i].string ?? corpus[i])
            }
        }
    }

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
            let expected = Expected(reference[path], corpus: corpus)
            guard expected.with.count == corpus.count else { return XCTFail("no reference for \(name)") }
            var failures = 0, roundTrips = 0
            for (i, text) in corpus.enumerated() {
                let expectWith = expected.with[i], expectWithout = expected.without[i]
                let gotWith = tokenizer.encode(text, addSpecialTokens: true)
                let gotWithout = tokenizer.encode(text, addSpecialTokens: false)
                let gotDecoded = tokenizer.decode(gotWithout)
                let expectDecoded = expected.decoded[i], expectSkipped = expected.skipped[i]
                let gotSkipped = tokenizer.decode(gotWith, skipSpecialTokens: true)
                if gotWith != expectWith || gotWithout != expectWithout || !gotDecoded.utf8.elementsEqual(expectDecoded.utf8)
                    || !gotSkipped.utf8.elementsEqual(expectSkipped.utf8) {
                    failures += 1
                    if failures <= 5 {
                        XCTFail("\(name) #\(i) \(JSONWriter.quoted(text)):\n ours   \(gotWith)\n theirs \(expectWith)\n decoded ours \(JSONWriter.quoted(gotDecoded)) theirs \(JSONWriter.quoted(expectDecoded))\n skipped ours \(JSONWriter.quoted(gotSkipped)) theirs \(JSONWriter.quoted(expectSkipped))")
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
