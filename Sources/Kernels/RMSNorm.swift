/// Root-mean-square normalisation: y = x / sqrt(mean(x²) + eps) · weight, row by row.
public enum RMSNorm {
    /// x, y: [rows, n]; weight: [n]. y may equal x.
    public static func apply(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int, n: Int,
                             eps: Float, into y: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let xr = x + r * n, yr = y + r * n
            var acc = SIMD8<Float>(repeating: 0)
            var i = 0
            while i + 8 <= n {
                let v = UnsafeRawPointer(xr + i).loadUnaligned(as: SIMD8<Float>.self)
                acc.addProduct(v, v); i += 8
            }
            var sum = acc.sum()
            while i < n { sum += xr[i] * xr[i]; i += 1 }
            let scale = 1 / (sum / Float(n) + eps).squareRoot()
            i = 0
            while i + 8 <= n {
                let v = UnsafeRawPointer(xr + i).loadUnaligned(as: SIMD8<Float>.self)
                let w = UnsafeRawPointer(weight + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(yr + i).storeBytes(of: v * scale * w, as: SIMD8<Float>.self)
                i += 8
            }
            while i < n { yr[i] = xr[i] * scale * weight[i]; i += 1 }
        }
    }
}
