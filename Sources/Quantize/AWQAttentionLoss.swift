import CBLAS
import Kernels
import Models

/// What the attention block needs besides its weights to run on calibration sequences.
public struct AttentionBlockShape: Sendable {
    public let config: ModelConfig
    public let rope: RoPE
    /// Lengths of the calibration sequences, in the order their tokens appear in the activations.
    public let sequenceLengths: [Int]
}

/// The whole attention block, as AutoAWQ inspects `self_attn` when it scales q/k/v: the
/// candidate is [q; k; v] stacked [qd + 2·kvd, hidden]; output = o_proj(attention(RoPE(q), RoPE(k), v))
/// with full-precision o_proj, on whole calibration sequences (attention mixes tokens, so they
/// cannot be sampled one by one).
struct AttentionOutputLoss: AWQBlockLoss {
    let shape: AttentionBlockShape
    let x: [Float], lengths: [Int]
    /// biases of q, k, v (o_proj's would cancel in the difference).
    let o: [Float], biases: [[Float]?]
    var reference: [Float], fused: [Float], attended: [Float], scratch: [Float], current: [Float]

    /// x: the normed inputs of all sequences [tokens, hidden]; whole sequences are kept from the
    /// start until about maxTokens. o: [hidden, qd]; biases: q, k, v (nil when absent).
    init(shape: AttentionBlockShape, x all: Activations, qkv: [Float], o: [Float], biases: [[Float]?], maxTokens: Int) {
        self.shape = shape
        var lengths: [Int] = [], total = 0
        for n in shape.sequenceLengths where total == 0 || total + n <= maxTokens { lengths.append(n); total += n }
        self.lengths = lengths
        x = Array(all.values[0..<(min(total, all.tokens) * all.features)])
        self.o = o; self.biases = biases
        let c = shape.config, width = c.qDim + 2 * c.kvDim, longest = lengths.max() ?? 0
        reference = [Float](repeating: 0, count: total * c.hiddenSize)
        fused = [Float](repeating: 0, count: longest * width)
        attended = [Float](repeating: 0, count: longest * c.qDim)
        scratch = [Float](repeating: 0, count: Attention.scratchCount(tokens: longest, context: longest))
        current = reference
        var out = reference
        qkv.withUnsafeBufferPointer { run($0.baseAddress!, into: &out) }
        reference = out
    }

    private mutating func run(_ w: UnsafePointer<Float>, into out: inout [Float]) {
        let c = shape.config, h = c.hiddenSize, qd = c.qDim, kvd = c.kvDim, width = qd + 2 * kvd
        var row0 = 0
        for n in lengths {
            let positions = (0..<n).map { Int32($0) }
            x.withUnsafeBufferPointer { xv in
                fused.withUnsafeMutableBufferPointer { f in
                    // [n, width] = X [n, h] · Wᵀ [h, width]
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(width), Int32(h),
                                1, xv.baseAddress! + row0 * h, Int32(h), w, Int32(h), 0, f.baseAddress, Int32(width))
                    let fp = f.baseAddress!
                    for (k, (offset, count)) in [(0, qd), (qd, kvd), (qd + kvd, kvd)].enumerated() {
                        guard let b = biases[k], b.count == count else { continue }
                        for t in 0..<n { for j in 0..<count { fp[t * width + offset + j] += b[j] } }
                    }
                    positions.withUnsafeBufferPointer { p in
                        shape.rope.apply(fp, tokens: n, heads: c.heads, stride: width, positions: p.baseAddress!)
                        shape.rope.apply(fp + qd, tokens: n, heads: c.kvHeads, stride: width, positions: p.baseAddress!)
                    }
                    attended.withUnsafeMutableBufferPointer { a in
                        scratch.withUnsafeMutableBufferPointer { s in
                            Attention.causal(q: fp, ldq: width, tokens: n, start: 0, keys: fp + qd, values: fp + qd + kvd,
                                             ldkv: width, heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim,
                                             window: c.slidingWindow, out: a.baseAddress!, ldo: qd, scratch: s.baseAddress!)
                        }
                    }
                }
            }
            attended.withUnsafeBufferPointer { a in
                o.withUnsafeBufferPointer { op in
                    out.withUnsafeMutableBufferPointer { y in
                        // [n, h] = A [n, qd] · Oᵀ [qd, h]
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(h), Int32(qd),
                                    1, a.baseAddress, Int32(qd), op.baseAddress, Int32(qd), 0, y.baseAddress! + row0 * h, Int32(h))
                    }
                }
            }
            row0 += n
        }
    }

    mutating func error(candidate: UnsafePointer<Float>) -> Double {
        var out = current
        run(candidate, into: &out)
        current = out
        var sum = 0.0
        for k in 0..<out.count { let d = Double(out[k] - reference[k]); sum += d * d }
        return sum / Double(max(out.count, 1))
    }
}
