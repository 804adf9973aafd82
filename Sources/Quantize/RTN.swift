/// A linear layer quantized per group with zero points, in AutoAWQ's terms:
/// W[o, i] ≈ (q[i, o] − z[g, o]) · s[g, o], g = i / groupSize.
public struct QuantizedLinear: Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    public let groupSize: Int
    /// q [in, out], 0...15.
    public var intWeights: [UInt8]
    /// z [in/g, out], 0...15.
    public var zeros: [UInt8]
    /// s [in/g, out], stored as AutoAWQ stores them.
    public var scales: [Float16]

    /// AutoAWQ's qweight [in, out/8] and qzeros [in/g, out/8].
    public func packed() throws(QuantizeError) -> (qweight: [Int32], qzeros: [Int32]) {
        try AWQPacker.pack(intWeights: intWeights, zeros: zeros, inFeatures: inFeatures,
                           outFeatures: outFeatures, groupSize: groupSize)
    }

    /// W [out, in] as a loader dequantizes it, with the stored (Float16) scales.
    public func dequantized() -> [Float] {
        var w = [Float](repeating: 0, count: outFeatures * inFeatures)
        for i in 0..<inFeatures {
            let g = i / groupSize
            for o in 0..<outFeatures {
                let gz = g * outFeatures + o
                w[o * inFeatures + i] = (Float(intWeights[i * outFeatures + o]) - Float(zeros[gz])) * Float(scales[gz])
            }
        }
        return w
    }
}

/// Round-to-nearest asymmetric 4-bit quantization per group of `groupSize` inputs, the same
/// arithmetic as AutoAWQ's `pseudo_quantize_tensor` (Float32, ties to even like torch.round):
/// s = max(max − min, 1e-5) / 15, z = clamp(−round(min / s), 0, 15), q = clamp(round(w / s) + z, 0, 15).
public enum RTN {
    public static let maxInt: Float = 15

    static func validate(count: Int, outFeatures: Int, inFeatures: Int, groupSize: Int) throws(QuantizeError) {
        guard outFeatures > 0, inFeatures > 0, count == outFeatures * inFeatures else {
            throw .badShape("weight of \(count) values is not [\(outFeatures), \(inFeatures)]")
        }
        guard groupSize > 0, inFeatures % groupSize == 0 else {
            throw .badShape("group size \(groupSize) does not divide in_features \(inFeatures)")
        }
        guard outFeatures % 8 == 0 else {
            throw .badShape("out_features \(outFeatures) is not a multiple of 8, which AutoAWQ's packing needs")
        }
    }

    /// Scale and zero of one group of values.
    @inline(__always)
    static func scaleAndZero(_ w: UnsafePointer<Float>, count: Int) -> (scale: Float, zero: Float) {
        var lo = w[0], hi = w[0]
        for j in 1..<count { lo = min(lo, w[j]); hi = max(hi, w[j]) }
        return scaleAndZero(lo: lo, hi: hi)
    }

    /// Scale and zero of a group quantized over [lo, hi] (its min and max, or a searched range).
    @inline(__always)
    static func scaleAndZero(lo: Float, hi: Float) -> (scale: Float, zero: Float) {
        let scale = max(hi - lo, 1e-5) / maxInt
        let zero = min(max(-(lo / scale).rounded(.toNearestOrEven), 0), maxInt)
        return (scale, zero)
    }

    @inline(__always)
    static func level(_ w: Float, scale: Float, zero: Float) -> Float {
        min(max((w / scale).rounded(.toNearestOrEven) + zero, 0), maxInt)
    }

    /// Quantizes W [out, in] (row-major, as in a Hugging Face checkpoint).
    /// ranges: optional (lo, hi) per group [out, in/g, 2] replacing each group's min and max
    /// (what `AWQRangeSearch` chooses); values outside a range saturate at 0 or 15.
    public static func quantize(_ weight: [Float], outFeatures: Int, inFeatures: Int,
                                groupSize: Int, ranges: [Float]? = nil) throws(QuantizeError) -> QuantizedLinear {
        try validate(count: weight.count, outFeatures: outFeatures, inFeatures: inFeatures, groupSize: groupSize)
        let groups = inFeatures / groupSize
        if let ranges, ranges.count != outFeatures * groups * 2 {
            throw .badShape("\(ranges.count) range bounds for a weight of \(outFeatures) × \(groups) groups")
        }
        var q = [UInt8](repeating: 0, count: inFeatures * outFeatures)
        var z = [UInt8](repeating: 0, count: groups * outFeatures)
        var s = [Float16](repeating: 0, count: groups * outFeatures)
        weight.withUnsafeBufferPointer { w in
            for o in 0..<outFeatures {
                for g in 0..<groups {
                    let p = w.baseAddress! + o * inFeatures + g * groupSize
                    let k = 2 * (o * groups + g)
                    let (scale, zero) = ranges.map { scaleAndZero(lo: $0[k], hi: $0[k + 1]) } ?? scaleAndZero(p, count: groupSize)
                    z[g * outFeatures + o] = UInt8(zero)
                    s[g * outFeatures + o] = Float16(scale)
                    for j in 0..<groupSize {
                        q[(g * groupSize + j) * outFeatures + o] = UInt8(level(p[j], scale: scale, zero: zero))
                    }
                }
            }
        }
        return QuantizedLinear(inFeatures: inFeatures, outFeatures: outFeatures, groupSize: groupSize,
                               intWeights: q, zeros: z, scales: s)
    }

    /// Replaces W [rows, in] by its round-trip (q − z) · s with Float32 scales, in place: what the
    /// AWQ searches measure. Rows may be any count (several linears stacked).
    public static func fakeQuantize(_ w: UnsafeMutablePointer<Float>, rows: Int, inFeatures: Int, groupSize: Int) {
        for r in 0..<rows {
            var g = 0
            while g < inFeatures {
                let p = w + r * inFeatures + g
                let (scale, zero) = scaleAndZero(p, count: groupSize)
                for j in 0..<groupSize { p[j] = (level(p[j], scale: scale, zero: zero) - zero) * scale }
                g += groupSize
            }
        }
    }

    /// d = W − round-trip of W [rows, in] quantized over the given ranges [rows, in/g, 2].
    static func roundTripError(_ w: UnsafePointer<Float>, rows: Int, inFeatures: Int, groupSize: Int,
                               ranges: [Float], into d: UnsafeMutablePointer<Float>) {
        let groups = inFeatures / groupSize
        ranges.withUnsafeBufferPointer { rp in
            for r in 0..<rows {
                for k in 0..<groups {
                    let c = 2 * (r * groups + k)
                    let (scale, zero) = scaleAndZero(lo: rp[c], hi: rp[c + 1])
                    let base = r * inFeatures + k * groupSize
                    var j = 0
                    while j + 8 <= groupSize {
                        let v = UnsafeRawPointer(w + base + j).loadUnaligned(as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(d + base + j).storeBytes(of: roundTripError(v, scale: scale, zero: zero),
                                                                         as: SIMD8<Float>.self)
                        j += 8
                    }
                    while j < groupSize {
                        let v = w[base + j]
                        d[base + j] = v - (level(v, scale: scale, zero: zero) - zero) * scale
                        j += 1
                    }
                }
            }
        }
    }

    /// v − its round trip, eight at a time (the same arithmetic as `level`).
    @inline(__always)
    static func roundTripError(_ v: SIMD8<Float>, scale: Float, zero: Float) -> SIMD8<Float> {
        var q = (v / scale).rounded(.toNearestOrEven) + zero
        // replace(with:where:) specialises; clamped/pointwiseMin stay generic calls here.
        q.replace(with: 0, where: q .< 0)
        q.replace(with: maxInt, where: q .> maxInt)
        return v - (q - zero) * scale
    }
}
