import Foundation
import Models
import Tensors
import Text
import TestSupport
import XCTest
@testable import Quantize

/// The imported SmolLM2 folder against the GGUF it came from, both run by our engine: fp32
/// gives the same logits within 1e-4, fp16 the same argmax at ≥ 99.9% of positions; and its
/// tokenizer.json, loaded by `tokenizers`, encodes a large corpus exactly as Cellar (from the
/// folder and from the GGUF) and llama.cpp do.
final class ImportParityTests: XCTestCase {
    nonisolated(unsafe) static var folders: [ImportDType: URL] = [:]
    /// The GGUF's own logits, computed once for both comparisons.
    nonisolated(unsafe) static var ggufLogits: [Float]?
    static let root = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-import-parity-\(UUID().uuidString)")

    override class func tearDown() { try? FileManager.default.removeItem(at: root) }

    func imported(_ dtype: ImportDType) throws -> (gguf: URL, folder: URL) {
        guard let gguf = try Fixtures.optional(Fixtures.smolGGUF) else { throw XCTSkip("SmolLM2 GGUF missing") }
        if let folder = Self.folders[dtype] { return (gguf, folder) }
        let folder = Self.root.appendingPathComponent(dtype.rawValue)
        _ = try GGUFImport.run(gguf: gguf, to: folder, dtype: dtype)
        Self.folders[dtype] = folder
        return (gguf, folder)
    }

    /// 384 tokens of English prose as llama.cpp tokenized them (the engine's reference fixture).
    func tokens() throws -> [Int32] {
        struct Reference: Decodable {
            struct Sequence: Decodable { var name: String; var ids: [Int32] }
            var sequences: [Sequence]
        }
        let url = Fixtures.repositoryRoot.appendingPathComponent("Tests/ModelsTests/Fixtures/smollm2-llamacpp.json")
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        let english = try XCTUnwrap(reference.sequences.first { $0.name == "english" })
        return Array(english.ids.prefix(384))
    }

    func referenceLogits(_ gguf: URL, _ ids: [Int32]) throws -> [Float] {
        if let cached = Self.ggufLogits { return cached }
        let values = try logits(gguf, ids)
        Self.ggufLogits = values
        return values
    }

    func logits(_ model: URL, _ ids: [Int32]) throws -> [Float] {
        let engine = Engine(weights: try ModelLoader.load(model: model))
        let cache = engine.makeCache(slots: 1, maxContext: ids.count)
        return try engine.forward([SequenceInput(slot: 0, tokens: ids)], cache: cache, logits: .all)
    }

    static func argmax(_ row: ArraySlice<Float>) -> Int {
        var best = row.startIndex
        for i in row.indices where row[i] > row[best] { best = i }
        return best - row.startIndex
    }

    func testFP32ImportGivesTheGGUFLogits() throws {
        let (gguf, folder) = try imported(.f32)
        let ids = try tokens()
        let reference = try referenceLogits(gguf, ids), ours = try logits(folder, ids)
        XCTAssertEqual(ours.count, reference.count)
        XCTAssertEqual(ours.count, ids.count * 49152)
        var worst: Float = 0
        for (x, y) in zip(ours, reference) { worst = max(worst, abs(x - y)) }
        print("fp32 import: largest logit difference from the GGUF \(worst) over \(ids.count) positions")
        XCTAssertLessThanOrEqual(worst, 1e-4)
    }

    func testFP16ImportKeepsTheGGUFArgmax() throws {
        let (gguf, folder) = try imported(.f16)
        let ids = try tokens()
        let reference = try referenceLogits(gguf, ids), ours = try logits(folder, ids)
        let vocab = 49152
        XCTAssertEqual(ours.count, ids.count * vocab)
        var same = 0, worst: Float = 0
        for p in 0..<ids.count {
            let a = ours[(p * vocab)..<((p + 1) * vocab)], b = reference[(p * vocab)..<((p + 1) * vocab)]
            if Self.argmax(a) == Self.argmax(b) { same += 1 }
            for (x, y) in zip(a, b) { worst = max(worst, abs(x - y)) }
        }
        print("fp16 import: argmax agrees at \(same) of \(ids.count) positions; largest logit difference \(worst)")
        XCTAssertGreaterThanOrEqual(Double(same) / Double(ids.count), 0.999)
    }

    /// Python's standard-library docstrings (one string per paragraph, ~1,500 of them, ~50,000 tokens), plus
    /// digits, whitespace runs, special tokens and non-ASCII text.
    static let corpusScript = """
    import json, sys, inspect, importlib
    names = ["collections", "functools", "itertools", "json", "argparse", "textwrap", "string", "random", "statistics",
             "datetime", "calendar", "logging", "pathlib", "subprocess", "shutil", "csv", "decimal", "fractions", "heapq",
             "bisect", "re", "difflib", "unittest", "typing", "dataclasses", "enum", "contextlib", "zipfile", "tarfile"]
    out = []
    for n in names:
        m = importlib.import_module(n)
        docs = [inspect.getdoc(m) or ""] + [inspect.getdoc(v) or "" for k, v in sorted(vars(m).items()) if not k.startswith("_")]
        for d in docs:
            out += [p for p in d.split("\\n\\n") if p.strip()]
    seen, corpus = set(), []
    for p in out:
        if p not in seen: seen.add(p); corpus.append(p)
    corpus += ["Hello 123 world\\n\\n  x", "<|im_start|>user\\nWhat is 12345 + 678?<|im_end|>\\n", "naïve café — “quotes” 日本語 😀",
               "   leading spaces\\ttabs\\r\\nCRLF", "x" * 300, "3.14159e-10 0x1F 1,000,000"]
    json.dump(corpus, sys.stdout)
    """

    func testImportedTokenizerEncodesLikeCellarAndLlamaCpp() throws {
        guard try Fixtures.hasPython("tokenizers") else { throw XCTSkip("python tokenizers missing") }
        let (gguf, folder) = try imported(.f16)
        let corpusJSON = try Fixtures.python(Self.corpusScript)
        let corpus = try XCTUnwrap(JSONSerialization.jsonObject(with: corpusJSON) as? [String])
        XCTAssertGreaterThan(corpus.count, 1_000)
        let corpusURL = Self.root.appendingPathComponent("corpus.json")
        try corpusJSON.write(to: corpusURL)

        let encode = """
        import sys, json
        from tokenizers import Tokenizer
        t = Tokenizer.from_file(sys.argv[1])
        corpus = json.load(open(sys.argv[2], encoding="utf-8"))
        print("\\n".join(" ".join(map(str, t.encode(s, add_special_tokens=False).ids)) for s in corpus))
        """
        let python = Self.parse(try Fixtures.python(encode, [folder.appendingPathComponent("tokenizer.json").path, corpusURL.path]))
        XCTAssertEqual(python.count, corpus.count)
        var sources: [(String, [[Int32]])] = [("tokenizers (imported tokenizer.json)", python)]
        let llamaPython = "/root/.cache/cellar/llama-venv/bin/python"
        if FileManager.default.isExecutableFile(atPath: llamaPython) {
            let script = Fixtures.repositoryRoot.appendingPathComponent("scripts/reference/llama_tokenize.py").path
            let p = Process()
            p.executableURL = URL(fileURLWithPath: llamaPython)
            p.arguments = [script, gguf.path]
            p.standardInput = try FileHandle(forReadingFrom: corpusURL)
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            try p.run()
            let out = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0)
            sources.append(("llama.cpp", Array(Self.parse(out).dropFirst())))   // first line: the corpus hash
        } else {
            print("llama-cpp-python not installed: llama.cpp's side is covered by TextTests' committed fixture only")
        }
        let fromFolder = try Tokenizer.load(model: folder), fromGGUF = try Tokenizer.load(model: gguf)
        for (name, ids) in sources {
            XCTAssertEqual(ids.count, corpus.count, name)
            var mismatches = 0, compared = 0
            for (i, text) in corpus.enumerated() where i < ids.count {
                // llama.cpp's character tables predate Unicode 16 and split at unassigned code
                // points (see TokenizerGGUFTests); such strings are left to tokenizers.
                if name == "llama.cpp" && text.unicodeScalars.contains(where: {
                    $0.properties.generalCategory == .unassigned || ($0.properties.age.map { $0.major >= 16 } ?? false)
                }) { continue }
                compared += 1
                let a = fromFolder.encode(text, addSpecialTokens: false), b = fromGGUF.encode(text, addSpecialTokens: false)
                if a != ids[i] || b != ids[i] {
                    mismatches += 1
                    if mismatches <= 3 { XCTFail("\(name) #\(i) \(text.prefix(80)):\n theirs \(ids[i])\n folder \(a)\n gguf   \(b)") }
                }
            }
            let tokens = ids.reduce(0) { $0 + $1.count }
            print("\(name): \(compared) strings (\(tokens) tokens) encoded identically by Cellar from the folder and from the GGUF: \(compared - mismatches)")
            XCTAssertEqual(mismatches, 0, name)
            XCTAssertGreaterThan(compared, corpus.count * 9 / 10)
        }
    }

    static func parse(_ data: Data) -> [[Int32]] {
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return lines.map { $0.split(separator: " ").compactMap { Int32($0) } }
    }
}
