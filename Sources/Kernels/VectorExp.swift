/// exp on 8 lanes at once, for softmax and SiLU, where a scalar `expf` per element was a large
/// share of a prefill. exp(x) = 2^k · p(r) with k = round(x / ln 2), r = x − k·ln 2 split in two
/// parts (Cody–Waite), p a degree-6 polynomial: relative error below 2e-7 over [−87, 88];
/// inputs below −87 give 0 and above 88 give +inf (as far as float allows).
public enum VectorExp {
    @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // Only concrete SIMD8 operations here: the generic `rounded`, `clamped` and Int32(Float)
        // conversions run lane by lane through library calls (a sixth of a prefill once).
        let low = SIMD8<Float>(repeating: -87.3), high = SIMD8<Float>(repeating: 88.7)
        var c = x.replacing(with: low, where: x .< low)
        c = c.replacing(with: high, where: c .> high)
        // Adding 1.5·2²³ rounds to the nearest integer k, which then sits in the low mantissa bits.
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let t = c * 1.442_695_04 + magic
        let k = t - magic
        var r = c - k * 0.693_145_75                  // ln 2, high part
        r = r - k * 1.428_606_8e-6                    // ln 2, low part
        // Taylor coefficients 1/n! through n = 6 (Horner).
        var p = SIMD8<Float>(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // 2^k through the exponent bits: k = bits(t) − bits(1.5·2²³).
        let bits = (unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        let result = p * unsafeBitCast(bits, to: SIMD8<Float>.self)
        return result.replacing(with: 0, where: x .< low)
    }

    /// x[i] = exp(x[i] − shift) in place; returns the sum.
    @inline(__always)
    public static func expInPlace(_ x: UnsafeMutablePointer<Float>, count n: Int, shift: Float) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        let raw = UnsafeMutableRawPointer(x)
        while i + 8 <= n {
            let v = exp(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - shift)
            raw.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
            acc += v; i += 8
        }
        var s = acc.sum()
        while i < n {
            var tail = SIMD8<Float>(repeating: -100)
            tail[0] = x[i] - shift
            let e = exp(tail)[0]
            x[i] = e; s += e; i += 1
        }
        return s
    }
}
