/// llama.cpp's converter permutes the rows of Llama Q and K projections so that its
/// interleaved ("NORM") RoPE, which rotates adjacent pairs (x[2i], x[2i+1]), gives the same
/// result as Hugging Face's half-split RoPE, which rotates (x[i], x[i + d/2]).
public enum GGUFRotaryLayout {
    /// GGUF rows → Hugging Face rows. Within each head of `rowsPerHead` rows, stored row
    /// 2i + j (i < rowsPerHead/2, j ∈ {0, 1}) is Hugging Face row j·rowsPerHead/2 + i.
    /// `weights` is [heads · rowsPerHead, columns] row-major (a bias is columns = 1).
    public static func unpermuteRows(_ weights: [Float], heads: Int, columns: Int) -> [Float] {
        guard heads > 0, columns > 0, weights.count % (heads * columns) == 0 else { return weights }
        let rowsPerHead = weights.count / columns / heads, half = rowsPerHead / 2
        guard rowsPerHead % 2 == 0 else { return weights }
        var out = [Float](repeating: 0, count: weights.count)
        weights.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let o = dst.baseAddress else { return }
                for head in 0..<heads {
                    let base = head * rowsPerHead
                    for i in 0..<half {
                        for j in 0..<2 {
                            (o + (base + j * half + i) * columns).update(from: s + (base + 2 * i + j) * columns, count: columns)
                        }
                    }
                }
            }
        }
        return out
    }
}
