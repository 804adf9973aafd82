import Foundation
import JSON
import XCTest
import TestSupport
import Tensors
@testable import Text

/// The SmolLM2 GGUF's tokenizer against the real tokenizer.json (through Python `tokenizers`),
/// against llama.cpp, and the tokenizer.json we write from it loaded back by `tokenizers`.
final class TokenizerGGUFTests: XCTestCase {
    static let llamaPython = "/root/.cache/cellar/llama-venv/bin/python"
    static let fixture = Fixtures.repositoryRoot.appendingPathComponent("scripts/reference/fixtures/smollm2-llamacpp-ids.txt")

    func testGGUFTokenizerEqualsTokenizerJSONAndWrittenFilesLoadInPython() throws {
        guard let gguf = try Fixtures.optional(Fixtures.smolGGUF),
              let realJSON = try Fixtures.optional(Fixtures.shared.appendingPathComponent("tokenizers/smollm2-135m-instruct/tokenizer.json")),
              try Fixtures.hasPython("tokenizers") else { throw XCTSkip("SmolLM2 GGUF, tokenizer.json or python tokenizers missing") }
        let metadata = try GGUFTokenizerMetadata(gguf: GGUFFile(gguf))
        XCTAssertEqual(metadata.model, "gpt2")
        XCTAssertEqual(metadata.pre, "smollm")
        let ours = try Tokenizer(gguf: metadata)
        let loaded = try Tokenizer.load(model: gguf)
        XCTAssertEqual(loaded.vocabularySize, ours.vocabularySize)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try metadata.writeHuggingFaceFiles(to: folder)
        let written = folder.appendingPathComponent("tokenizer.json").path

        let corpus = TokenizerCorpus.make()
        let reference = try TokenizerParityTests.reference([realJSON.path, written], corpus: corpus)
        let real = TokenizerParityTests.Expected(reference[realJSON.path], corpus: corpus)
        let fromWritten = TokenizerParityTests.Expected(reference[written], corpus: corpus)
        XCTAssertEqual(real.with.count, corpus.count)
        XCTAssertEqual(fromWritten.with.count, corpus.count)
        var mismatches = 0
        for (i, text) in corpus.enumerated() where i < real.with.count && i < fromWritten.with.count {
            let expect = real.with[i], expectWithout = real.without[i], python = fromWritten.with[i]
            let mine = ours.encode(text), mineWithout = ours.encode(text, addSpecialTokens: false)
            if mine != expect || python != expect || mineWithout != expectWithout {
                mismatches += 1
                if mismatches <= 5 { XCTFail("#\(i) \(JSONWriter.quoted(text)): real \(expect) written-by-python \(python) ours \(mine)") }
            }
        }
        XCTAssertEqual(mismatches, 0)

        // The written tokenizer_config.json says what the GGUF says.
        let config = try TokenizerConfig.load(model: folder)
        let ggufConfig = try TokenizerConfig.load(model: gguf)
        XCTAssertEqual(config.chatTemplate, ggufConfig.chatTemplate)
        XCTAssertNotNil(config.chatTemplate)
        XCTAssertEqual(config.bosToken, "<|im_start|>")
        XCTAssertEqual(config.eosToken, "<|im_end|>")
        XCTAssertEqual(config.addBOS, false)
        XCTAssertEqual(ggufConfig.addBOS, false)
        let realConfig = try TokenizerConfig.load(model: realJSON.deletingLastPathComponent())
        XCTAssertEqual(config.eosToken, realConfig.eosToken)
        XCTAssertEqual(config.bosToken, realConfig.bosToken)
        XCTAssertEqual(loaded.eosIDs, [2])
    }

    /// Parses the fixture (or live output) of scripts/reference/llama_tokenize.py.
    private func parseLlamaIDs(_ text: String, corpus: [String]) throws -> [[Int32]] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard let header = lines.first, header.hasPrefix("# fnv1a64 ") else { throw XCTSkip("fixture has no header") }
        var h: UInt64 = 0xCBF29CE484222325
        for s in corpus { for b in Array(s.utf8) + [0] { h = (h ^ UInt64(b)) &* 0x100000001B3 } }
        let expected = "# fnv1a64 \(String(repeating: "0", count: 16 - String(h, radix: 16).count) + String(h, radix: 16)) count \(corpus.count)"
        XCTAssertEqual(header, expected, "llama.cpp ids belong to another corpus; regenerate with CELLAR_WRITE_FIXTURES=1")
        return lines.dropFirst().map { $0.split(separator: " ").compactMap { Int32($0) } }
    }

    func testGGUFTokenizerAgreesWithLlamaCpp() throws {
        guard let gguf = try Fixtures.optional(Fixtures.smolGGUF) else { throw XCTSkip("SmolLM2 GGUF missing") }
        let corpus = TokenizerCorpus.make()
        let tokenizer = try Tokenizer.load(model: gguf)
        var sources: [(String, [[Int32]])] = []
        if FileManager.default.isExecutableFile(atPath: Self.llamaPython) {
            let script = Fixtures.repositoryRoot.appendingPathComponent("scripts/reference/llama_tokenize.py").path
            let request = Data(JSONWriter.serialize(.array(corpus.map { .string($0) })).utf8)
            let out = try Self.run(Self.llamaPython, [script, gguf.path], stdin: request)
            let text = String(decoding: out, as: UTF8.self)
            if ProcessInfo.processInfo.environment["CELLAR_WRITE_FIXTURES"] == "1" { try Data(out).write(to: Self.fixture) }
            sources.append(("llama.cpp (live)", try parseLlamaIDs(text, corpus: corpus)))
        }
        let fixture = try XCTUnwrap(try Fixtures.optional(Self.fixture), "committed llama.cpp fixture missing")
        sources.append(("llama.cpp (fixture)", try parseLlamaIDs(try String(contentsOf: fixture, encoding: .utf8), corpus: corpus)))
        for (name, ids) in sources {
            XCTAssertEqual(ids.count, corpus.count)
            var mismatches = 0, compared = 0
            // Two llama.cpp quirks that tokenizers (and we) do not share: its character tables
            // predate Unicode 16 (a Unicode 16 digit such as U+16131 is not split off), and its
            // scanner ends a `[^\s\p{L}\p{N}]+` run at every unassigned code point.
            for (i, text) in corpus.enumerated() where i < ids.count && !Self.outsideLlamaCppTables(text) {
                compared += 1
                let mine = tokenizer.encode(text, addSpecialTokens: false)
                if mine != ids[i] {
                    mismatches += 1
                    if mismatches <= 5 { XCTFail("\(name) #\(i) \(JSONWriter.quoted(text)):\n ours   \(mine)\n theirs \(ids[i])") }
                }
            }
            XCTAssertGreaterThan(compared, corpus.count * 3 / 4)
            print("\(name): \(compared) of \(corpus.count) strings compared (the rest hold unassigned or Unicode 16 scalars)")
            XCTAssertEqual(mismatches, 0, "\(name): \(mismatches) of \(compared) differ")
        }
    }

    static func outsideLlamaCppTables(_ text: String) -> Bool {
        text.unicodeScalars.contains { s in
            s.properties.generalCategory == .unassigned || (s.properties.age.map { $0.major >= 16 } ?? false)
        }
    }

    /// Runs a program with stdin from a temporary file, returning stdout (stderr is discarded).
    static func run(_ program: String, _ arguments: [String], stdin: Data) throws -> Data {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-stdin-\(UUID().uuidString)")
        try stdin.write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = arguments
        p.standardInput = try FileHandle(forReadingFrom: input)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw FixtureError.python("\(program) exited with \(p.terminationStatus)") }
        return data
    }
}
