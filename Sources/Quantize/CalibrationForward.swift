import Kernels
import Models

/// Supplies each decoder layer's linear inputs on calibration data. Called for layers 0, 1, 2…
/// in order with that layer's full-precision weights, before the layer is scaled or quantized
/// (AutoAWQ, too, feeds each layer the full-precision output of the one before).
public protocol CalibrationSource {
    mutating func inputs(layer: Int, weights: LayerWeights) throws -> LayerInputs
}

/// The full-precision forward pass of a Llama-family model, one layer at a time, keeping only
/// the residual stream of the calibration sequences between calls.
public struct CalibrationForward: CalibrationSource {
    let config: ModelConfig
    let rope: RoPE
    /// Per sequence: hidden state [tokens, hidden].
    var residual: [[Float]]
    let lengths: [Int]

    /// embeddings: [vocab, hidden]; every token id must be below vocab.
    public init(config: ModelConfig, embeddings: [Float], sequences: [[Int32]]) throws(QuantizeError) {
        let h = config.hiddenSize
        guard embeddings.count == config.vocabularySize * h else {
            throw .badShape("embeddings hold \(embeddings.count) values, expected vocab \(config.vocabularySize) × hidden \(h)")
        }
        guard !sequences.isEmpty, sequences.allSatisfy({ !$0.isEmpty }) else {
            throw .unsupported("the calibration data has no tokens")
        }
        for (s, seq) in sequences.enumerated() {
            if let bad = seq.first(where: { $0 < 0 || Int($0) >= config.vocabularySize }) {
                throw .badShape("calibration sequence \(s) has token id \(bad), outside the vocabulary of \(config.vocabularySize)")
            }
        }
        self.config = config
        rope = RoPE(headDim: config.headDim, inverseFrequencies: config.ropeInverseFrequencies)
        lengths = sequences.map(\.count)
        residual = sequences.map { seq in
            var x = [Float](repeating: 0, count: seq.count * h)
            for (t, id) in seq.enumerated() {
                x.replaceSubrange((t * h)..<((t + 1) * h), with: embeddings[(Int(id) * h)..<((Int(id) + 1) * h)])
            }
            return x
        }
    }

    public var tokenCount: Int { lengths.reduce(0, +) }

    public mutating func inputs(layer: Int, weights w: LayerWeights) throws -> LayerInputs {
        let c = config, h = c.hiddenSize, qd = c.qDim, kvd = c.kvDim, f = c.intermediateSize
        let total = tokenCount
        var attention = [Float](repeating: 0, count: total * h), attended = [Float](repeating: 0, count: total * qd)
        var mlpIn = [Float](repeating: 0, count: total * h), hidden = [Float](repeating: 0, count: total * f)
        let q = try w.tensor("self_attn.q_proj.weight"), k = try w.tensor("self_attn.k_proj.weight")
        let v = try w.tensor("self_attn.v_proj.weight"), o = try w.tensor("self_attn.o_proj.weight")
        let gate = try w.tensor("mlp.gate_proj.weight"), up = try w.tensor("mlp.up_proj.weight")
        let down = try w.tensor("mlp.down_proj.weight")
        let norm1 = try w.tensor("input_layernorm.weight"), norm2 = try w.tensor("post_attention_layernorm.weight")
        guard q.count == qd * h, k.count == kvd * h, v.count == kvd * h, o.count == h * qd,
              gate.count == f * h, up.count == f * h, down.count == h * f, norm1.count == h, norm2.count == h else {
            throw QuantizeError.badShape("layer \(layer)'s weights do not match config.json's dimensions")
        }
        let biases = ["q_proj", "k_proj", "v_proj", "o_proj"].map { w.tensors["self_attn.\($0).bias"] }

        var row0 = 0
        for s in 0..<residual.count {
            let n = lengths[s]
            var qs = [Float](repeating: 0, count: n * qd), ks = [Float](repeating: 0, count: n * kvd)
            var vs = ks, scratch = [Float](repeating: 0, count: Attention.scratchCount(tokens: n, context: n))
            var tmp = [Float](repeating: 0, count: n * max(h, f)), gates = [Float](repeating: 0, count: n * f)
            let positions = (0..<n).map { Int32($0) }
            residual[s].withUnsafeMutableBufferPointer { xb in
                let x = xb.baseAddress!
                attention.withUnsafeMutableBufferPointer { a in
                    let normed = a.baseAddress! + row0 * h
                    RMSNorm.apply(x, weight: norm1, rows: n, n: h, eps: c.rmsNormEpsilon, into: normed)
                    BLAS.linear(normed, rows: n, inFeatures: h, weight: q, outFeatures: qd, into: &qs)
                    BLAS.linear(normed, rows: n, inFeatures: h, weight: k, outFeatures: kvd, into: &ks)
                    BLAS.linear(normed, rows: n, inFeatures: h, weight: v, outFeatures: kvd, into: &vs)
                }
                Self.addBias(biases[0], to: &qs, rows: n); Self.addBias(biases[1], to: &ks, rows: n)
                Self.addBias(biases[2], to: &vs, rows: n)
                rope.apply(&qs, tokens: n, heads: c.heads, stride: qd, positions: positions)
                rope.apply(&ks, tokens: n, heads: c.kvHeads, stride: kvd, positions: positions)
                attended.withUnsafeMutableBufferPointer { att in
                    let out = att.baseAddress! + row0 * qd
                    Attention.causal(q: qs, ldq: qd, tokens: n, start: 0, keys: ks, values: vs, ldkv: kvd,
                                     heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim, window: c.slidingWindow,
                                     out: out, ldo: qd, scratch: &scratch)
                    BLAS.linear(out, rows: n, inFeatures: qd, weight: o, outFeatures: h, into: &tmp)
                }
                Self.addBias(biases[3], to: &tmp, rows: n)
                for i in 0..<(n * h) { x[i] += tmp[i] }
                mlpIn.withUnsafeMutableBufferPointer { m in
                    let normed = m.baseAddress! + row0 * h
                    RMSNorm.apply(x, weight: norm2, rows: n, n: h, eps: c.rmsNormEpsilon, into: normed)
                    BLAS.linear(normed, rows: n, inFeatures: h, weight: gate, outFeatures: f, into: &gates)
                    hidden.withUnsafeMutableBufferPointer { hb in
                        let hp = hb.baseAddress! + row0 * f
                        BLAS.linear(normed, rows: n, inFeatures: h, weight: up, outFeatures: f, into: hp)
                        SwiGLU.apply(gate: gates, up: hp, count: n * f, into: hp)
                        BLAS.linear(hp, rows: n, inFeatures: f, weight: down, outFeatures: h, into: &tmp)
                    }
                }
                for i in 0..<(n * h) { x[i] += tmp[i] }
            }
            row0 += n
        }
        return LayerInputs(attention: Activations(values: attention, tokens: total, features: h),
                           attentionOutput: Activations(values: attended, tokens: total, features: qd),
                           mlp: Activations(values: mlpIn, tokens: total, features: h),
                           mlpHidden: Activations(values: hidden, tokens: total, features: f),
                           attentionBlock: AttentionBlockShape(config: c, rope: rope, sequenceLengths: lengths))
    }

    static func addBias(_ bias: [Float]?, to x: inout [Float], rows: Int) {
        guard let bias, !bias.isEmpty else { return }
        let n = bias.count
        for r in 0..<rows where (r + 1) * n <= x.count { for j in 0..<n { x[r * n + j] += bias[j] } }
    }
}
