import XCTest
import Foundation
import Models
import Text
import TestSupport
@testable import Decoding

final class GenerationTests: XCTestCase {
    /// SplitMix64's outputs for seed 12345, computed with Python integers (the published
    /// algorithm), so the sequence is pinned on every platform.
    func testSeededGeneratorIsSplitMix64() {
        var g = SeededGenerator(seed: 12345)
        XCTAssertEqual([g.next(), g.next(), g.next()], [0x22118258a9d111a0, 0x346edce5f713f8ed, 0x1e9a57bc80e6721d])
    }

    func testStopStringCutsAtTheEarliest() {
        let text = "Answer: yes.\nQuestion: and then?"
        let cut = Generator.firstStop(in: text, stops: ["Question", "\n"])
        XCTAssertEqual(cut.map { String(text[..<$0]) }, "Answer: yes.")
        XCTAssertNil(Generator.firstStop(in: text, stops: ["zzz", ""]))
    }

    func testTopKOneAndTinyTopPAreGreedy() {
        let logits: [Float] = [0.1, 2.5, -1, 2.4, 0]
        var rng = SeededGenerator(seed: 7)
        logits.withUnsafeBufferPointer { p in
            for settings in [SamplingSettings(temperature: 1.5, topK: 1, seed: 7), SamplingSettings(temperature: 1.5, topP: 1e-9, seed: 7)] {
                var s = TokenSampler(settings)
                for _ in 0..<20 { XCTAssertEqual(s.pick(p, using: &rng), 1) }
            }
        }
    }

    /// Sampled frequencies follow softmax(logits / T) (5,000 draws, 4σ bounds).
    func testSamplingFollowsTheTemperatureSoftmax() {
        let logits: [Float] = [1, 0, 2, -1]
        let t = 0.7
        let e = logits.map { Foundation.exp(Double($0) / t) }
        let p = e.map { $0 / e.reduce(0, +) }
        var counts = [0, 0, 0, 0]
        var rng = SeededGenerator(seed: 99)
        var s = TokenSampler(SamplingSettings(temperature: t, seed: 99))
        let n = 5000
        logits.withUnsafeBufferPointer { b in for _ in 0..<n { counts[Int(s.pick(b, using: &rng))] += 1 } }
        for i in p.indices {
            let sigma = (p[i] * (1 - p[i]) / Double(n)).squareRoot()
            XCTAssertEqual(Double(counts[i]) / Double(n), p[i], accuracy: 4 * sigma + 1e-9, "token \(i)")
        }
    }

    func testGreedyMatchesAHandLoopAndSamplingIsReproducibleAcrossBatchSizes() throws {
        guard let gguf = try Fixtures.optional(Fixtures.smolGGUF) else { throw XCTSkip("SmolLM2 GGUF missing") }
        let engine = try ChoiceScoringTests.loaded?.0 ?? Engine(weights: ModelLoader.loadGGUF(gguf))
        let tokenizer = try Tokenizer.load(model: gguf)
        let prompts = ["The capital of France is", "1, 2, 3, 4,", "Once upon a time"].map { tokenizer.encode($0) }
        var settings = GenerationSettings()
        settings.maxNewTokens = 6
        settings.batchSize = 3
        let greedy = try Generator(engine: engine, tokenizer: tokenizer, settings: settings).generate(prompts)
        // By hand: one sequence, argmax, one token at a time.
        for (i, prompt) in prompts.enumerated() {
            let cache = engine.makeCache(slots: 1, maxContext: prompt.count + 6)
            var logits = try engine.forward([SequenceInput(slot: 0, tokens: prompt)], cache: cache, logits: .last)
            var ids: [Int32] = []
            for _ in 0..<6 {
                let t = Int32(logits.indices.max { logits[$0] < logits[$1] }!)
                ids.append(t)
                logits = try engine.forward([SequenceInput(slot: 0, tokens: [t])], cache: cache, logits: .last)
            }
            XCTAssertEqual(greedy[i].ids, ids, "prompt \(i)")
            XCTAssertEqual(greedy[i].finishReason, "length")
            XCTAssertEqual(greedy[i].text, tokenizer.decode(ids))
        }
        settings.sampling = SamplingSettings(temperature: 1.0, topP: 0.95, topK: 50, seed: 42)
        let together = try Generator(engine: engine, tokenizer: tokenizer, settings: settings).generate(prompts)
        settings.batchSize = 1
        let alone = try Generator(engine: engine, tokenizer: tokenizer, settings: settings).generate(prompts)
        XCTAssertEqual(together.map(\.ids), alone.map(\.ids))
        settings.sampling.seed = 43
        let other = try Generator(engine: engine, tokenizer: tokenizer, settings: settings).generate(prompts)
        XCTAssertNotEqual(other.map(\.ids), alone.map(\.ids), "a different seed gave the same samples")
    }
}
