import Foundation
import XCTest
import Models
import TestSupport

/// SmolLM2-135M-Instruct loaded straight from its GGUF against llama.cpp's own results on the
/// same file (Fixtures/smollm2-llamacpp.json, made by scripts/reference/llamacpp_logits.py).
/// llama.cpp rounds activations to 8 bits, so argmaxes may differ where the top two are close;
/// Fixtures/smollm2-exact.json, an exact float64 computation of the same weights in numpy
/// (scripts/reference/float_forward.py --agreement), is the reference Cellar must match everywhere.
/// (Rounding ours the same way does not help: the roundings flip on float-summation noise and
/// the flips compound over 30 layers, so two such computations are as far apart as one and none.)
final class SmolLM2GGUFTests: XCTestCase {
    struct Reference: Decodable {
        struct Sequence: Decodable { var name: String; var ids: [Int32]; var argmax: [Int32]; var margin: [Float] }
        /// margin[i]: llama.cpp's lead of step i's token over its runner-up, in logits.
        struct Greedy: Decodable { var prompt: [Int32]; var continuation: [Int32]; var margin: [Float] }
        var sequences: [Sequence]
        var greedy: [Greedy]
    }

    /// The exact computation's argmax and lead over its runner-up at each position, per sequence.
    struct Exact: Decodable {
        struct Sequence: Decodable { var argmax: [Int32]; var margin: [Float]; var agree: Int }
        var sequences: [String: Sequence]
    }

    nonisolated(unsafe) static var engine: Engine?
    nonisolated(unsafe) static var allLogits: [Float]?

    func load() throws -> (Engine, Reference) {
        guard let gguf = try Fixtures.optional(Fixtures.smolGGUF) else { throw XCTSkip("SmolLM2 GGUF missing") }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/smollm2-llamacpp.json")
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        if Self.engine == nil { Self.engine = Engine(weights: try ModelLoader.loadGGUFInt4(gguf)) }
        return (Self.engine!, reference)
    }

    /// The highest-scoring token of row `row` of logits [rows, vocab].
    static func argmax(_ logits: [Float], row: Int, vocab: Int) -> Int32 {
        let r = logits[(row * vocab)..<((row + 1) * vocab)]
        return Int32(r.indices.max { r[$0] < r[$1] }! - r.startIndex)
    }

    /// Logits at every position of both reference sequences, computed in one batched prefill.
    func referenceLogits(_ engine: Engine, _ reference: Reference) throws -> [Float] {
        if let l = Self.allLogits { return l }
        let cache = engine.makeCache(slots: reference.sequences.count, maxContext: 2048)
        let inputs = reference.sequences.enumerated().map { SequenceInput(slot: $0.offset, tokens: $0.element.ids) }
        Self.allLogits = try engine.forward(inputs, cache: cache, logits: .all)
        return Self.allLogits!
    }

    /// Against the exact computation, only float32 summation noise may flip an argmax: every
    /// position it decides by at least 1e-3 logits must agree. And its agreement with llama.cpp
    /// is what Cellar's is: the 97% bar on the chat prompt is out of reach of exact arithmetic.
    func testArgmaxMatchesExactComputation() throws {
        let (engine, reference) = try load()
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/smollm2-exact.json")
        let exact = try JSONDecoder().decode(Exact.self, from: Data(contentsOf: url))
        let logits = try referenceLogits(engine, reference)
        let vocab = engine.config.vocabularySize
        var row = 0
        for s in reference.sequences {
            let e = try XCTUnwrap(exact.sequences[s.name])
            XCTAssertEqual(e.argmax.count, s.ids.count)
            var checked = 0, agree = 0, agreeWithLlama = 0
            for i in 0..<s.ids.count {
                let ours = Self.argmax(logits, row: row + i, vocab: vocab)
                if ours == s.argmax[i] { agreeWithLlama += 1 }
                guard e.margin[i] >= 1e-3 else { continue }
                checked += 1
                if ours == e.argmax[i] { agree += 1 }
            }
            row += s.ids.count
            print("\(s.name): argmax equal to the exact computation's at \(agree)/\(checked) positions; "
                  + "both agree with llama.cpp at \(agreeWithLlama) and \(e.agree) of \(s.ids.count)")
            XCTAssertEqual(agree, checked, "\(s.name): argmax differs from the exact computation at \(checked - agree) positions")
            XCTAssertLessThanOrEqual(abs(agreeWithLlama - e.agree), 2, "\(s.name): agreement with llama.cpp moved away from the exact computation's")
        }
    }

    func testArgmaxAgreesWithLlamaCpp() throws {
        let (engine, reference) = try load()
        let logits = try referenceLogits(engine, reference)
        let vocab = engine.config.vocabularySize
        var row = 0
        for s in reference.sequences {
            var agree = 0, decisive = 0, decisiveAgree = 0
            for i in 0..<s.ids.count {
                let same = Self.argmax(logits, row: row + i, vocab: vocab) == s.argmax[i]
                if same { agree += 1 }
                // Positions llama.cpp decides by more than its own rounding error (~0.8 logits).
                if s.margin[i] >= 0.8 { decisive += 1; if same { decisiveAgree += 1 } }
            }
            row += s.ids.count
            print("\(s.name): argmax agreement \(agree)/\(s.ids.count), where llama.cpp leads by ≥ 0.8: \(decisiveAgree)/\(decisive)")
            // The English text clears 97% outright. The chat prompt, full of near-ties between
            // answer letters and list markers, sits at 96.3%, exactly where the exact float64
            // computation sits (testArgmaxMatchesExactComputation): the bar there is 96% overall
            // and 99% where llama.cpp's own lead exceeds its rounding error.
            let bar = s.name == "english" ? 0.97 : 0.96
            XCTAssertGreaterThanOrEqual(Double(agree) / Double(s.ids.count), bar, "\(s.name): argmax agrees at \(agree) of \(s.ids.count) positions")
            XCTAssertGreaterThanOrEqual(Double(decisiveAgree) / Double(max(1, decisive)), 0.99,
                                        "\(s.name): argmax agrees at only \(decisiveAgree) of \(decisive) positions llama.cpp decides by ≥ 0.8")
        }
    }

    func testGreedyContinuationsMatchLlamaCpp() throws {
        let (engine, reference) = try load()
        let n = reference.greedy.count
        let cache = engine.makeCache(slots: n, maxContext: 256)
        // All prompts prefilled together, then decoded together one token per step.
        var next = try engine.forward(reference.greedy.enumerated().map { SequenceInput(slot: $0.offset, tokens: $0.element.prompt) },
                                      cache: cache, logits: .last)
        var produced = Array(repeating: [Int32](), count: n)
        let vocab = engine.config.vocabularySize
        for _ in 0..<20 {
            var inputs: [SequenceInput] = []
            for s in 0..<n {
                let token = Self.argmax(next, row: s, vocab: vocab)
                produced[s].append(token)
                inputs.append(SequenceInput(slot: s, tokens: [token]))
            }
            next = try engine.forward(inputs, cache: cache, logits: .last)
        }
        // llama.cpp moves logits by up to ~0.8 (8-bit activations), so an exact engine may part
        // from it only at a step llama.cpp itself decided by less than that; before such a step
        // the continuations must agree token for token. And a few must agree all the way.
        var whole = 0
        for (s, g) in reference.greedy.enumerated() {
            let firstClose = g.margin.firstIndex { $0 < 0.8 } ?? g.margin.count
            XCTAssertEqual(Array(produced[s].prefix(firstClose)), Array(g.continuation.prefix(firstClose)),
                           "prompt \(s): parts from llama.cpp before step \(firstClose), where llama.cpp's lead is still over 0.8")
            if produced[s] == g.continuation { whole += 1 }
        }
        print("greedy: \(whole) of \(n) continuations identical to llama.cpp's for all 20 tokens")
        XCTAssertGreaterThanOrEqual(whole, 3, "fewer than 3 of \(n) 20-token continuations match llama.cpp")
    }

    /// Two devices (3 KV heads split 1 + 2, and 15 + 15 layers) give one device's logits.
    func testTwoDevicesMatchOneDevice() throws {
        let (engine, reference) = try load()
        let ids = Array(reference.sequences[0].ids.prefix(96))
        func logits(_ e: Engine) throws -> [Float] {
            let cache = e.makeCache(slots: 2, maxContext: 128)
            return try e.forward([SequenceInput(slot: 0, tokens: ids), SequenceInput(slot: 1, tokens: Array(ids.prefix(40)))],
                                 cache: cache, logits: .all)
        }
        let one = try logits(engine)
        for split in [Split.tensor, .layers] {
            let two = Engine(weights: try ModelLoader.loadGGUFInt4(Fixtures.smolGGUF, devices: 2, split: split))
            let other = try logits(two)
            var worst: Float = 0
            for i in one.indices { worst = max(worst, abs(one[i] - other[i])) }
            XCTAssertLessThan(worst, 2e-3, "split \(split): max |Δlogit| \(worst) against one device")
        }
    }
}
