import Foundation

/// Grouped-query attention of a block of new tokens of one sequence over that sequence's
/// KV cache (which already holds the block's own keys and values), with a causal mask and an
/// optional sliding window.
public enum Attention {
    /// Floats of scratch `causal` needs for `tokens` queries over a context of `context` keys.
    public static func scratchCount(tokens: Int, context: Int) -> Int { tokens * context }

    /// - q: [tokens, heads · headDim], row stride ldq. Query i sits at position start + i.
    /// - keys, values: [context, kvHeads · headDim], row stride ldkv; context ≥ start + tokens.
    /// - out: [tokens, heads · headDim], row stride ldo.
    /// Query head h reads KV head h / (heads / kvHeads). Key j is visible to query i when
    /// j ≤ start + i and, with a window w, j > start + i − w.
    public static func causal(q: UnsafePointer<Float>, ldq: Int, tokens n: Int, start: Int,
                              keys: UnsafePointer<Float>, values: UnsafePointer<Float>, ldkv: Int,
                              heads: Int, kvHeads: Int, headDim d: Int, window: Int? = nil,
                              out: UnsafeMutablePointer<Float>, ldo: Int,
                              scratch: UnsafeMutablePointer<Float>) {
        guard n > 0, heads > 0, kvHeads > 0 else { return }
        let group = heads / kvHeads
        let context = start + n
        // Keys before the first query's window are never visible: skip them entirely.
        let first = window.map { max(0, start - $0 + 1) } ?? 0
        let span = context - first
        let scale = 1 / Float(d).squareRoot()
        for h in 0..<heads {
            let g = h / group
            let kg = keys + first * ldkv + g * d, vg = values + first * ldkv + g * d
            // scores[n, span] = scale · Q_h[n, d] · K_g[span, d]ᵀ
            BLAS.gemm(transB: true, m: n, n: span, k: d, alpha: scale, a: q + h * d, lda: ldq,
                      b: kg, ldb: ldkv, c: scratch, ldc: span)
            for i in 0..<n {
                let row = scratch + i * span
                let last = start + i - first          // last visible key, relative to `first`
                let lo = window.map { max(0, start + i - $0 + 1 - first) } ?? 0
                for j in 0..<lo { row[j] = 0 }
                Softmax.inPlace(row + lo, count: last - lo + 1)
                if last + 1 < span { for j in (last + 1)..<span { row[j] = 0 } }
            }
            // out_h[n, d] = P[n, span] · V_g[span, d]
            BLAS.gemm(m: n, n: d, k: span, a: scratch, lda: span, b: vg, ldb: ldkv,
                      c: out + h * d, ldc: ldo)
        }
    }
}
