/// Softmax and SwiGLU on 8 lanes with `VectorExp`: a scalar `expf` per element was ~5% of a
/// prefill (softmax over every score of every head, SiLU over every MLP column).
extension Softmax {
    /// As `inPlace`, vectorised. x: [n]; afterwards sums to 1.
    public static func inPlaceVector(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        guard n > 0 else { return }
        let raw = UnsafeMutableRawPointer(x)
        var m8 = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            m8 = m8.replacing(with: v, where: v .> m8)    // not pointwiseMax: a lane-by-lane call
            i += 8
        }
        var m = m8.max()
        while i < n { m = max(m, x[i]); i += 1 }
        let inv = 1 / VectorExp.expInPlace(x, count: n, shift: m)
        i = 0
        while i + 8 <= n {
            raw.storeBytes(of: raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * inv, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { x[i] *= inv; i += 1 }
    }
}

extension SwiGLU {
    /// As `apply(fused:rows:n:into:)`, vectorised: out[r, j] = silu(gate[r, j]) · up[r, j].
    public static func applyVector(fused gateUp: UnsafePointer<Float>, rows: Int, n: Int, into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let gate = UnsafeRawPointer(gateUp + r * 2 * n), up = UnsafeRawPointer(gateUp + r * 2 * n + n)
            let o = UnsafeMutableRawPointer(out + r * n)
            var j = 0
            while j + 8 <= n {
                let g = gate.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                let u = up.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                let silu = g / (1 + VectorExp.exp(-g))
                o.storeBytes(of: silu * u, toByteOffset: j * 4, as: SIMD8<Float>.self)
                j += 8
            }
            if j < n {
                apply(gate: gateUp + r * 2 * n + j, up: gateUp + r * 2 * n + n + j, count: n - j, into: out + r * n + j)
            }
        }
    }
}

extension Attention {
    /// As `causal`, but queries go in blocks of 64 and each block's scores stop at its last
    /// visible key: about half the products and exponentials of a long prefill. Same arguments.
    public static func causalBlocked(q: UnsafePointer<Float>, ldq: Int, tokens n: Int, start: Int,
                                     keys: UnsafePointer<Float>, values: UnsafePointer<Float>, ldkv: Int,
                                     heads: Int, kvHeads: Int, headDim d: Int, window: Int? = nil,
                                     out: UnsafeMutablePointer<Float>, ldo: Int,
                                     scratch: UnsafeMutablePointer<Float>) {
        guard n > 0, heads > 0, kvHeads > 0 else { return }
        let group = heads / kvHeads
        var b0 = 0
        while b0 < n {
            let b1 = min(n, b0 + 64)
            for h in 0..<heads {
                causalHead(q: q, ldq: ldq, queries: b0..<b1, start: start, keys: keys, values: values, ldkv: ldkv,
                           head: h, kvHead: h / group, headDim: d, window: window, out: out, ldo: ldo, scratch: scratch)
            }
            b0 = b1
        }
    }
}

extension Attention {
    /// One head of `causalBlocked` for queries [b0, b1) of a block: the unit of work the
    /// engine's workers share out (heads × query blocks, so two cores split even one sequence).
    /// scratch: (b1 − b0) × (start + b1) floats.
    public static func causalHead(q: UnsafePointer<Float>, ldq: Int, queries: Range<Int>, start: Int,
                                  keys: UnsafePointer<Float>, values: UnsafePointer<Float>, ldkv: Int,
                                  head h: Int, kvHead g: Int, headDim d: Int, window: Int? = nil,
                                  out: UnsafeMutablePointer<Float>, ldo: Int, scratch: UnsafeMutablePointer<Float>) {
        let b0 = queries.lowerBound, b1 = queries.upperBound, rows = b1 - b0
        guard rows > 0 else { return }
        let scale = 1 / Float(d).squareRoot()
        // Keys visible to some query of this block: [first, start + b1).
        let first = window.map { max(0, start + b0 - $0 + 1) } ?? 0
        let span = start + b1 - first
        let kg = keys + first * ldkv + g * d, vg = values + first * ldkv + g * d
        // scores[rows, span] = scale · Q_h[rows, d] · K_g[span, d]ᵀ
        BLAS.gemm(transB: true, m: rows, n: span, k: d, alpha: scale, a: q + b0 * ldq + h * d, lda: ldq,
                  b: kg, ldb: ldkv, c: scratch, ldc: span)
        for i in 0..<rows {
            let row = scratch + i * span
            let position = start + b0 + i
            let last = position - first
            let lo = window.map { max(0, position - $0 + 1 - first) } ?? 0
            for j in 0..<lo { row[j] = 0 }
            Softmax.inPlaceVector(row + lo, count: last - lo + 1)
            if last + 1 < span { for j in (last + 1)..<span { row[j] = 0 } }
        }
        // out_h[rows, d] = P[rows, span] · V_g[span, d]
        BLAS.gemm(m: rows, n: d, k: span, a: scratch, lda: span, b: vg, ldb: ldkv,
                  c: out + b0 * ldo + h * d, ldc: ldo)
    }
}
