import Foundation
import XCTest
import Models
import Kernels
import TestSupport

/// Speed figures for bench/engine/run.sh; skipped unless CELLAR_BENCH=1. It asserts nothing about
/// time (timed assertions do not belong in tests); it prints tokens/s.
final class EngineBenchmark: XCTestCase {
    func testPrefillAndDecodeSpeed() throws {
        guard ProcessInfo.processInfo.environment["CELLAR_BENCH"] == "1" else { throw XCTSkip("set CELLAR_BENCH=1") }
        guard let gguf = try Fixtures.optional(Fixtures.smolGGUF) else { throw XCTSkip("SmolLM2 GGUF missing") }
        let devices = Int(ProcessInfo.processInfo.environment["CELLAR_BENCH_DEVICES"] ?? "1") ?? 1
        let engine = Engine(weights: try ModelLoader.loadGGUF(gguf, devices: devices, split: .tensor))
        var rng = SystemRandomNumberGenerator()
        func tokens(_ n: Int) -> [Int32] { (0..<n).map { _ in Int32.random(in: 100..<40000, using: &rng) } }
        var results: [String] = []
        for n in [128, 512, 1024] {
            var best = Double.infinity
            for _ in 0..<3 {
                let cache = engine.makeCache(slots: 1, maxContext: n)
                let t0 = Date()
                _ = try engine.forward([SequenceInput(slot: 0, tokens: tokens(n))], cache: cache, logits: .last)
                best = min(best, Date().timeIntervalSince(t0))
            }
            results.append("prefill \(n): \(String(format: "%.0f", Double(n) / best)) tokens/s")
        }
        let cache = engine.makeCache(slots: 1, maxContext: 256)
        _ = try engine.forward([SequenceInput(slot: 0, tokens: tokens(64))], cache: cache, logits: .last)
        let steps = 100
        let t0 = Date()
        for _ in 0..<steps { _ = try engine.forward([SequenceInput(slot: 0, tokens: tokens(1))], cache: cache, logits: .last) }
        results.append("decode: \(String(format: "%.1f", Double(steps) / Date().timeIntervalSince(t0))) tokens/s")
        // Batched prefill: 8 sequences of 256 tokens in one forward.
        let batch = engine.makeCache(slots: 8, maxContext: 256)
        let t1 = Date()
        _ = try engine.forward((0..<8).map { SequenceInput(slot: $0, tokens: tokens(256)) }, cache: batch, logits: .last)
        results.append("batched prefill 8×256: \(String(format: "%.0f", 2048 / Date().timeIntervalSince(t1))) tokens/s")
        print("ENGINE BENCH (devices \(devices), BLAS threads \(BLAS.threads)):\n" + results.joined(separator: "\n"))
    }
}
