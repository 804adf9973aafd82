import Foundation
import Models
import XCTest
@testable import Quantize

/// Properties of the AWQ searches on random data with a few outlier channels (the case AWQ is
/// for): they may only lower the calibration error that plain round-to-nearest leaves.
final class AWQSearchTests: XCTestCase {
    func uniform(_ rng: inout SplitMix) -> Float { Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1 }

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
        var rng = SplitMix(seed: 11)
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

    /// Clipping lowers the per-group output error, computed here directly (not by the search):
    /// Σ over tokens, rows and groups of (Σ_j x_j (w_j − Q(w)_j))².
    func testClippingLowersGroupOutputError() throws {
        let (tokens, inF, outF, g) = (128, 64, 16, 32)
        var rng = SplitMix(seed: 5)
        let x = (0..<(tokens * inF)).map { _ in uniform(&rng) }
        // Heavy-tailed weights: a few large entries stretch each group's range.
        let w0 = (0..<(outF * inF)).map { _ -> Float in let u = uniform(&rng); return u * u * u * u * u }
        var w = w0
        let (error, unclipped) = try AWQClipSearch.clip(&w, outFeatures: outF, inFeatures: inF, groupSize: g,
                                                        activations: Activations(values: x, tokens: tokens, features: inF))
        XCTAssertLessThan(error, unclipped)
        XCTAssertLessThanOrEqual(w.map(abs).max() ?? 0, w0.map(abs).max() ?? 0)
        func groupError(_ weights: [Float]) -> Double {
            var q = weights
            q.withUnsafeMutableBufferPointer { RTN.fakeQuantize($0.baseAddress!, rows: outF, inFeatures: inF, groupSize: g) }
            var total = 0.0
            for t in 0..<tokens { for r in 0..<outF { for k in 0..<(inF / g) {
                var s = 0.0
                for j in (k * g)..<((k + 1) * g) { s += Double(x[t * inF + j]) * Double(w0[r * inF + j] - q[r * inF + j]) }
                total += s * s
            } } }
            return total / Double(tokens)
        }
        XCTAssertLessThan(groupError(w), groupError(w0))
        XCTAssertEqual(groupError(w), error, accuracy: 1e-3 * error)
        XCTAssertEqual(groupError(w0), unclipped, accuracy: 1e-3 * unclipped)
    }
}
