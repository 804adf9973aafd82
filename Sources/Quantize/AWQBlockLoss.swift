import CBLAS
import Kernels

/// How the scale search scores a candidate: the candidate is the group's stacked weights after
/// scaling, quantizing and unscaling, Q(W·diag(s))/s [rows, in]; the loss compares the output
/// they produce on the sampled calibration tokens with the full-precision output.
protocol AWQBlockLoss {
    mutating func error(candidate: UnsafePointer<Float>) -> Double
}

/// The linears' own outputs: ‖X (W − Wq)ᵀ‖² / (tokens · rows), one sgemm per candidate.
struct LinearOutputLoss: AWQBlockLoss {
    let weights: [Float], rows: Int, inFeatures: Int, x: Activations
    var difference: [Float], product: [Float]

    init(weights: [Float], rows: Int, inFeatures: Int, x: Activations) {
        self.weights = weights; self.rows = rows; self.inFeatures = inFeatures; self.x = x
        difference = [Float](repeating: 0, count: rows * inFeatures)
        product = [Float](repeating: 0, count: x.tokens * rows)
    }

    mutating func error(candidate: UnsafePointer<Float>) -> Double {
        let (rows, n, tokens) = (self.rows, inFeatures, x.tokens)
        weights.withUnsafeBufferPointer { w in
            difference.withUnsafeMutableBufferPointer { d in
                for k in 0..<(rows * n) { d[k] = w[k] - candidate[k] }
            }
        }
        x.values.withUnsafeBufferPointer { xv in
            difference.withUnsafeBufferPointer { d in
                product.withUnsafeMutableBufferPointer { e in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(tokens), Int32(rows), Int32(n),
                                1, xv.baseAddress, Int32(n), d.baseAddress, Int32(n), 0, e.baseAddress, Int32(rows))
                }
            }
        }
        return product.withUnsafeBufferPointer { sumOfSquares($0) } / Double(tokens * rows)
    }
}

/// The whole MLP block, as AutoAWQ inspects `mlp` when it scales gate/up: the candidate is
/// [gate; up] stacked [2f, hidden]; output = down(silu(X Gᵀ) · X Uᵀ) with full-precision down.
struct MLPOutputLoss: AWQBlockLoss {
    let x: Activations, intermediate: Int, down: [Float], hidden: Int
    var reference: [Float], gateUp: [Float], activated: [Float], output: [Float]

    /// gateUp: [gate; up] full precision [2f, hidden]; down [hidden, f].
    init(gateUp w: [Float], down: [Float], intermediate f: Int, x: Activations) {
        self.x = x; intermediate = f; self.down = down; hidden = x.features
        reference = [Float](repeating: 0, count: x.tokens * x.features)
        gateUp = [Float](repeating: 0, count: x.tokens * 2 * f)
        activated = [Float](repeating: 0, count: x.tokens * f)
        output = reference
        var out = reference
        w.withUnsafeBufferPointer { run($0.baseAddress!, into: &out) }
        reference = out
    }

    private mutating func run(_ w: UnsafePointer<Float>, into out: inout [Float]) {
        let (t, f, h) = (x.tokens, intermediate, hidden)
        x.values.withUnsafeBufferPointer { xv in
            gateUp.withUnsafeMutableBufferPointer { g in
                // [t, 2f] = X [t, h] · Wᵀ [h, 2f]
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(t), Int32(2 * f), Int32(h),
                            1, xv.baseAddress, Int32(h), w, Int32(h), 0, g.baseAddress, Int32(2 * f))
            }
        }
        gateUp.withUnsafeBufferPointer { g in
            activated.withUnsafeMutableBufferPointer { a in
                SwiGLU.apply(fused: g.baseAddress!, rows: t, n: f, into: a.baseAddress!)
            }
        }
        activated.withUnsafeBufferPointer { a in
            down.withUnsafeBufferPointer { d in
                out.withUnsafeMutableBufferPointer { o in
                    // [t, h] = A [t, f] · Downᵀ [f, h]
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(t), Int32(h), Int32(f),
                                1, a.baseAddress, Int32(f), d.baseAddress, Int32(f), 0, o.baseAddress, Int32(h))
                }
            }
        }
    }

    mutating func error(candidate: UnsafePointer<Float>) -> Double {
        var out = output
        run(candidate, into: &out)
        output = out
        var sum = 0.0
        for k in 0..<out.count { let d = Double(out[k] - reference[k]); sum += d * d }
        return sum / Double(out.count)
    }
}

func sumOfSquares(_ v: UnsafeBufferPointer<Float>) -> Double {
    var acc = SIMD8<Float>(repeating: 0), total = 0.0
    var k = 0
    let p = v.baseAddress!
    while k + 8 <= v.count {
        var chunk = SIMD8<Float>(repeating: 0)
        for j in 0..<8 { chunk[j] = p[k + j] }
        acc += chunk * chunk
        k += 8
        if k % 4096 == 0 { total += Double(acc.sum()); acc = .zero }
    }
    total += Double(acc.sum())
    while k < v.count { total += Double(p[k] * p[k]); k += 1 }
    return total
}
