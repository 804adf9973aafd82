import Foundation
import Models
import TestSupport
import XCTest
@testable import Quantize

/// Properties of the AWQ searches on random data with a few outlier channels (the case AWQ is
/// for): they may only lower the calibration error that plain round-to-nearest leaves.
final class AWQSearchTests: XCTestCase {
    func uniform(_ rng: inout SplitMix64) -> Float { Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1 }

    /// A one-layer Llama (hidden 64, 4 heads of 16, 2 KV heads, MLP 128) with random weights
    /// and embeddings whose channels 5 and 40 are 30× larger.
    func tinyModel() throws -> (ModelConfig, embeddings: [Float], weights: LayerWeights, sequences: [[Int32]]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-awqsearch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = """
        {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
         "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 100,
         "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "max_position_embeddings": 256, "tie_word_embeddings": true}
        """
        try Data(config.utf8).write(to: dir.appendingPathComponent("config.json"))
        let c = try ModelConfig.load(directory: dir)
        var rng = SplitMix64(seed: 11)
        let embeddings = (0..<(100 * 64)).map { k in uniform(&rng) * ([5, 40].contains(k % 64) ? 30 : 1) }
        var w = LayerWeights()
        for (name, out, inF) in [("self_attn.q_proj", 64, 64), ("self_attn.k_proj", 32, 64), ("self_attn.v_proj", 32, 64),
                                 ("self_attn.o_proj", 64, 64), ("mlp.gate_proj", 128, 64), ("mlp.up_proj", 128, 64),
                                 ("mlp.down_proj", 64, 128)] {
            w.tensors[name + ".weight"] = (0..<(out * inF)).map { _ in uniform(&rng) * 0.2 }
            w.shapes[name + ".weight"] = [out, inF]
        }
        for n in ["input_layernorm.weight", "post_attention_layernorm.weight"] {
            w.tensors[n] = (0..<64).map { _ in 1 + 0.2 * uniform(&rng) }
            w.shapes[n] = [64]
        }
        let sequences = (0..<4).map { _ in (0..<64).map { _ in Int32(rng.next() % 100) } }
        return (c, embeddings, w, sequences)
    }

    /// The layer's output (the residual stream after it) with the given weights.
    func layerOutput(_ c: ModelConfig, _ embeddings: [Float], _ w: LayerWeights, _ sequences: [[Int32]]) throws -> [Float] {
        var forward = try CalibrationForward(config: c, embeddings: embeddings, sequences: sequences)
        _ = try forward.inputs(layer: 0, weights: w)
        return forward.residual.flatMap { $0 }
    }

    func meanSquaredDifference(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).map { Double(($0 - $1) * ($0 - $1)) }.reduce(0, +) / Double(a.count)
    }

    /// The whole decoder layer, quantized with AWQ (scales folded, clipping) and with plain
    /// round-to-nearest: AWQ's layer output is closer to the full-precision one.
    func testAWQLayerOutputErrorIsAtMostRoundToNearests() throws {
        let (c, embeddings, w, sequences) = try tinyModel()
        var source = try CalibrationForward(config: c, embeddings: embeddings, sequences: sequences)
        let inputs = try source.inputs(layer: 0, weights: w)
        let reference = try layerOutput(c, embeddings, w, sequences)
        func quantizedLayer(_ method: QuantizationMethod) throws -> LayerWeights {
            var q = w
            let (linears, _) = try AWQLayer.quantize(&q, inputs: inputs, method: method, groupSize: 32)
            for (name, linear) in linears { q.tensors[name + ".weight"] = linear.dequantized() }
            return q
        }
        let awq = meanSquaredDifference(try layerOutput(c, embeddings, try quantizedLayer(.awq), sequences), reference)
        let rtn = meanSquaredDifference(try layerOutput(c, embeddings, try quantizedLayer(.rtn), sequences), reference)
        XCTAssertGreaterThan(rtn, 0)
        XCTAssertLessThan(awq, rtn)
    }

    /// The MLP block loss scores exactly the full-precision MLP at s = 1 with unquantized weights
    /// (zero error), and the gate/up search never ends above round-to-nearest.
    func testMLPBlockLossIsZeroForTheOriginalWeightsAndSearchNeverLoses() throws {
        let (c, embeddings, w, sequences) = try tinyModel()
        var source = try CalibrationForward(config: c, embeddings: embeddings, sequences: sequences)
        let inputs = try source.inputs(layer: 0, weights: w)
        let gateUp = try w.tensor("mlp.gate_proj.weight") + w.tensor("mlp.up_proj.weight")
        var loss = MLPOutputLoss(gateUp: gateUp, down: try w.tensor("mlp.down_proj.weight"), intermediate: 128, x: inputs.mlp)
        XCTAssertEqual(gateUp.withUnsafeBufferPointer { loss.error(candidate: $0.baseAddress!) }, 0)
        let result = try AWQScaleSearch.search(stackedWeights: gateUp, rows: 256, inFeatures: 64, groupSize: 32,
                                               activations: inputs.mlp, grid: 20, loss: &loss)
        XCTAssertGreaterThan(result.roundToNearestError, 0)
        XCTAssertLessThanOrEqual(result.error, result.roundToNearestError)
    }

    /// numpy quantizes each group over the given ranges with AutoAWQ's arithmetic and prints the
    /// linear's output error, mean over tokens of Σ_r (Σ_j x_j (w_rj − Q(w)_rj))², for the given
    /// ranges and for plain min/max, and how many groups' ranges differ from min/max.
    static let numpyRangeErrors = """
    import sys, numpy as np
    t, n, o, g = map(int, sys.argv[1:5])
    raw = np.frombuffer(sys.stdin.buffer.read(), dtype=np.float32)
    x = raw[:t * n].reshape(t, n); w = raw[t * n:t * n + o * n].reshape(o, n)
    r = raw[t * n + o * n:].reshape(o, n // g, 2)
    def roundtrip(lo, hi):
        s = np.maximum(hi - lo, np.float32(1e-5)) / np.float32(15)
        z = np.clip(-np.round(lo / s), 0, 15)
        wg = w.reshape(o, n // g, g)
        q = np.clip(np.round(wg / s[..., None]) + z[..., None], 0, 15)
        return ((q - z[..., None]) * s[..., None]).reshape(o, n).astype(np.float32)
    def error(wq):
        return ((x.astype(np.float64) @ (w - wq).astype(np.float64).T) ** 2).sum(axis=1).mean()
    wg = w.reshape(o, n // g, g)
    lo, hi = wg.min(axis=2), wg.max(axis=2)
    moved = int(((r[..., 0] != lo) | (r[..., 1] != hi)).sum())
    print(error(roundtrip(r[..., 0], r[..., 1])), error(roundtrip(lo, hi)), moved)
    """

    /// The range search (both ends of each group's range) lowers the linear's output error well
    /// below round-to-nearest's by numpy's count, and reports the errors numpy computes; the
    /// quantized linear uses exactly those ranges.
    func testRangeSearchLowersTheOutputErrorByNumpysCount() throws {
        guard try Fixtures.hasPython("numpy") else { throw XCTSkip("numpy missing") }
        let (tokens, inF, outF, g) = (96, 128, 16, 32)
        var rng = SplitMix64(seed: 5)
        // Inputs with a nonzero mean (as real activations): an offset in a group's grid costs.
        let x = (0..<(tokens * inF)).map { k in uniform(&rng) + (k % inF < 8 ? 2 : 0.3) }
        // Weights on a Q4_1-like grid (float minimum per block of 32) with a few outliers.
        var w = [Float](repeating: 0, count: outF * inF)
        for b in 0..<(w.count / 32) {
            let d = 0.01 + 0.01 * abs(uniform(&rng)), m = -8 * d + 0.37 * d * uniform(&rng)
            for j in 0..<32 { w[b * 32 + j] = m + d * Float(rng.next() % 16) }
        }
        for k in stride(from: 3, to: w.count, by: 211) { w[k] *= 4 }
        let result = try AWQRangeSearch.search(w, outFeatures: outF, inFeatures: inF, groupSize: g,
                                               activations: Activations(values: x, tokens: tokens, features: inF))
        let stdin = (x + w + result.ranges).withUnsafeBytes { Data($0) }
        let out = try Fixtures.python(Self.numpyRangeErrors, ["\(tokens)", "\(inF)", "\(outF)", "\(g)"], stdin: stdin)
        let fields = String(decoding: out, as: UTF8.self).split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(fields.count, 3)
        guard fields.count == 3 else { return }
        XCTAssertEqual(result.error, fields[0], accuracy: 1e-3 * fields[0])
        XCTAssertEqual(result.roundToNearestError, fields[1], accuracy: 1e-3 * fields[1])
        XCTAssertGreaterThan(fields[2], 0, "no group's range moved")
        XCTAssertLessThan(fields[0], 0.8 * fields[1])
        // The quantized linear dequantizes to the searched round trip (up to Float16 scales).
        let q = try RTN.quantize(w, outFeatures: outF, inFeatures: inF, groupSize: g, ranges: result.ranges)
        var d = [Float](repeating: 0, count: w.count)
        w.withUnsafeBufferPointer { RTN.roundTripError($0.baseAddress!, rows: outF, inFeatures: inF, groupSize: g,
                                                       ranges: result.ranges, into: &d) }
        let deq = q.dequantized()
        let worst = (0..<w.count).map { abs(w[$0] - d[$0] - deq[$0]) }.max() ?? 1
        XCTAssertLessThan(worst, 2e-3)
    }
}
