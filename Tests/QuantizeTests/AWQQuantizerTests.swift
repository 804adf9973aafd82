import Foundation
import Kernels
import Models
import TestSupport
import Tensors
import XCTest
@testable import Quantize

final class AWQQuantizerTests: XCTestCase {
    /// Activations with a few large channels: the case AWQ exists for. Scaling must cut the
    /// output error well below round-to-nearest's.
    func testScaleSearchBeatsRoundToNearestOnOutlierChannels() throws {
        let (tokens, inF, outF, group) = (256, 128, 64, 64)
        var rng = SystemRandomNumberGenerator()
        let big = Set([3, 17, 70, 101])
        let x = (0..<(tokens * inF)).map { k in Float.random(in: -1...1, using: &rng) * (big.contains(k % inF) ? 40 : 1) }
        let w = (0..<(outF * inF)).map { _ in Float.random(in: -1...1, using: &rng) * 0.05 }
        let result = try AWQScaleSearch.search(stackedWeights: w, rows: outF, inFeatures: inF, groupSize: group,
                                               activations: Activations(values: x, tokens: tokens, features: inF))
        XCTAssertNotNil(result.ratio)
        XCTAssertLessThan(result.error, 0.7 * result.roundToNearestError)
        // Scaled channels are the large ones.
        let order = result.scales.indices.sorted { result.scales[$0] > result.scales[$1] }
        XCTAssertEqual(Set(order.prefix(4)), big)
    }

    /// Folding keeps the layer's function: the scaled weights with the divided norm give the
    /// same q/k/v projections as the originals (before rounding).
    func testFoldingPreservesTheLayerFunction() throws {
        var rng = SystemRandomNumberGenerator()
        let h = 64
        var w = LayerWeights()
        for (name, out, inF) in [("self_attn.q_proj", 64, h), ("self_attn.k_proj", 32, h), ("self_attn.v_proj", 32, h),
                                 ("self_attn.o_proj", h, 64), ("mlp.gate_proj", 128, h), ("mlp.up_proj", 128, h),
                                 ("mlp.down_proj", h, 128)] {
            w.tensors[name + ".weight"] = (0..<(out * inF)).map { _ in Float.random(in: -0.1...0.1, using: &rng) }
            w.shapes[name + ".weight"] = [out, inF]
        }
        for n in ["input_layernorm.weight", "post_attention_layernorm.weight"] {
            w.tensors[n] = (0..<h).map { _ in Float.random(in: 0.5...1.5, using: &rng) }
            w.shapes[n] = [h]
        }
        let s = (0..<h).map { _ in Float.random(in: 0.25...4, using: &rng) }
        let groups = try AWQLayer.scaleGroups(w)
        XCTAssertEqual(groups.count, 3)  // v → o skipped: v is 32 wide, o takes 64
        var scaled = w
        try AWQLayer.apply(s, to: groups[0], in: &scaled)
        let x = (0..<h).map { _ in Float.random(in: -1...1, using: &rng) }
        for name in ["self_attn.q_proj", "self_attn.k_proj"] {
            let a = try w.tensor(name + ".weight"), b = try scaled.tensor(name + ".weight")
            let n1 = try w.tensor("input_layernorm.weight"), n2 = try scaled.tensor("input_layernorm.weight")
            let out = a.count / h
            for o in 0..<out {
                var y1: Float = 0, y2: Float = 0
                for i in 0..<h { y1 += a[o * h + i] * n1[i] * x[i]; y2 += b[o * h + i] * n2[i] * x[i] }
                XCTAssertEqual(y1, y2, accuracy: 1e-4)
            }
        }
    }

    /// Our calibration forward reproduces transformers' logits on the dequantized tiny model.
    func testCalibrationForwardMatchesTransformers() throws {
        guard let fp = try QuantizeFixtures.fullPrecisionTinyLlama() else { throw XCTSkip("tiny-llama-awq or python missing") }
        defer { try? FileManager.default.removeItem(at: fp) }
        let (ids, expected) = try QuantizeFixtures.reference()
        let config = try ModelConfig.load(directory: fp)
        let checkpoint = try Checkpoint(directory: fp)
        var forward = try CalibrationForward(config: config, embeddings: try checkpoint.floats("model.embed_tokens.weight"),
                                             sequences: ids)
        for l in 0..<config.layers {
            var w = LayerWeights()
            for n in checkpoint.names where n.hasPrefix("model.layers.\(l).") {
                let short = String(n.dropFirst("model.layers.\(l).".count))
                w.tensors[short] = try checkpoint.floats(n); w.shapes[short] = checkpoint.info(n)?.shape
            }
            _ = try forward.inputs(layer: l, weights: w)
        }
        let norm = try checkpoint.floats("model.norm.weight"), head = try checkpoint.floats("lm_head.weight")
        let h = config.hiddenSize, v = config.vocabularySize
        var logits: [Float] = []
        for x in forward.residual {
            let n = x.count / h
            var normed = [Float](repeating: 0, count: x.count), out = [Float](repeating: 0, count: n * v)
            RMSNorm.apply(x, weight: norm, rows: n, n: h, eps: config.rmsNormEpsilon, into: &normed)
            BLAS.linear(normed, rows: n, inFeatures: h, weight: head, outFeatures: v, into: &out)
            logits += out
        }
        XCTAssertEqual(logits.count, expected.count)
        XCTAssertLessThan(zip(logits, expected).map { abs($0 - $1) }.max() ?? .infinity, 1e-4)
    }

    /// The whole path: a float folder → AutoAWQ folder (AWQ and RTN), which our engine loads and
    /// whose logits stay close to the full-precision model's; the format is checked with numpy.
    func testQuantizedFolderIsAutoAWQFormatAndCloseToFullPrecision() throws {
        guard let fp = try QuantizeFixtures.fullPrecisionTinyLlama() else { throw XCTSkip("tiny-llama-awq or python missing") }
        let tmp = fp.deletingLastPathComponent()
        let awqDir = tmp.appendingPathComponent("cellar-awq-q-\(UUID().uuidString)")
        let rtnDir = tmp.appendingPathComponent("cellar-rtn-q-\(UUID().uuidString)")
        defer { for d in [fp, awqDir, rtnDir] { try? FileManager.default.removeItem(at: d) } }
        let config = try ModelConfig.load(directory: fp)
        let checkpoint = try Checkpoint(directory: fp)
        var rng = SplitMix64(seed: 3)
        let calibration = (0..<4).map { _ in (0..<64).map { _ in Int32(rng.next() % 512) } }
        let source = try CalibrationForward(config: config, embeddings: try checkpoint.floats("model.embed_tokens.weight"),
                                            sequences: calibration)
        var lines: [String] = []
        let reports = try AWQModelQuantizer.quantize(model: fp, output: awqDir, options: QuantizeOptions(method: .awq, groupSize: 64),
                                                     calibration: source, progress: { lines.append($0) })
        XCTAssertEqual(reports.count, 2)
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix("layer 1/2"), lines[0])
        for g in reports.flatMap(\.groups) { XCTAssertLessThanOrEqual(g.error, g.roundToNearestError) }
        _ = try AWQModelQuantizer.quantize(model: fp, output: rtnDir, options: QuantizeOptions(method: .rtn, groupSize: 64),
                                           calibration: nil)

        let check = """
        import sys, json, numpy as np
        from safetensors import safe_open
        d = sys.argv[1]
        c = json.load(open(d + '/config.json'))
        assert c['quantization_config'] == {'quant_method': 'awq', 'bits': 4, 'group_size': 64, 'zero_point': True, 'version': 'gemm', 'modules_to_not_convert': None}, c['quantization_config']
        f = safe_open(d + '/model.safetensors', 'np')
        for l in range(2):
            for p in ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj']:
                b = 'model.layers.%d.%s.' % (l, p)
                qw, qz, s = f.get_tensor(b + 'qweight'), f.get_tensor(b + 'qzeros'), f.get_tensor(b + 'scales')
                assert qw.dtype == np.int32 and qz.dtype == np.int32 and s.dtype == np.float16, b
                assert qw.shape[1] * 8 == s.shape[1] and qz.shape == (s.shape[0], qw.shape[1]), b
                assert b + 'weight' not in f.keys()
        assert f.get_tensor('model.norm.weight').dtype == np.float16
        assert open(d + '/tokenizer_config.json').read() == '{"note": "copied through"}'
        print('ok')
        """
        for dir in [awqDir, rtnDir] {
            XCTAssertEqual(String(decoding: try Fixtures.python(check, [dir.path]), as: UTF8.self), "ok\n")
        }
        let prompts = [Array(calibration[0].prefix(32)), (0..<32).map { _ in Int32(rng.next() % 512) }]
        let full = try QuantizeFixtures.engineLogits(fp, prompts)
        let awq = try QuantizeFixtures.engineLogits(awqDir, prompts)
        let rtn = try QuantizeFixtures.engineLogits(rtnDir, prompts)
        func rms(_ a: [Float]) -> Double { (zip(a, full).map { Double(($0 - $1) * ($0 - $1)) }.reduce(0, +) / Double(a.count)).squareRoot() }
        let fullRMS = (full.map { Double($0 * $0) }.reduce(0, +) / Double(full.count)).squareRoot()
        print("tiny-llama logits RMS \(fullRMS); error RMS: awq \(rms(awq)), rtn \(rms(rtn))")
        XCTAssertLessThan(rms(awq), 0.1 * fullRMS)
        XCTAssertLessThan(rms(rtn), 0.1 * fullRMS)
        XCTAssertGreaterThan(rms(awq), 0)
    }
}

