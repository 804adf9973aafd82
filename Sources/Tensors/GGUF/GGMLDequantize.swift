/// Block dequantization of ggml tensor types into Float, following ggml's reference
/// (`dequantize_row_*`) layouts. Blocks are read with unaligned loads: an 18- or 34-byte block
/// leaves its f16 scale at any address.
public enum GGMLDequantize {
    /// Dequantizes `count` elements (a multiple of the type's block size) starting at `source`.
    /// Does nothing for types that `GGMLType.canDequantize` rejects.
    public static func run(_ type: GGMLType, _ source: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, count: Int) {
        let blocks = count / type.block.elements
        switch type {
        case .f32: UnsafeMutableRawPointer(out).copyMemory(from: source, byteCount: 4 * count)
        case .f16: FloatConversion.f16ToF32(source, out, count: count)
        case .bf16: FloatConversion.bf16ToF32(source, out, count: count)
        case .q8_0: for b in 0..<blocks { q8_0(source + 34 * b, out + 32 * b) }
        case .q4_0: for b in 0..<blocks { q4_0(source + 18 * b, out + 32 * b) }
        case .q4_1: for b in 0..<blocks { q4_1(source + 20 * b, out + 32 * b) }
        case .q5_0: for b in 0..<blocks { q5_0(source + 22 * b, out + 32 * b) }
        case .q5_1: for b in 0..<blocks { q5_1(source + 24 * b, out + 32 * b) }
        case .q4_K: for b in 0..<blocks { q4_K(source + 144 * b, out + 256 * b) }
        case .q5_K: for b in 0..<blocks { q5_K(source + 176 * b, out + 256 * b) }
        case .q6_K: for b in 0..<blocks { q6_K(source + 210 * b, out + 256 * b) }
        default: break
        }
    }

    @inline(__always)
    private static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(p.loadUnaligned(fromByteOffset: offset, as: Float16.self))
    }

    /// { f16 d; i8 qs[32] }: x = d * q.
    @inline(__always)
    static func q8_0(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        let qs = (block + 2).assumingMemoryBound(to: Int8.self)
        for j in 0..<32 { y[j] = Float(qs[j]) * d }
    }

    /// { f16 d; u8 qs[16] }: low nibbles are elements 0..15, high nibbles 16..31; x = (q - 8) * d.
    @inline(__always)
    static func q4_0(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        let qs = (block + 2).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            y[j] = Float(Int32(qs[j] & 0x0F) - 8) * d
            y[j + 16] = Float(Int32(qs[j] >> 4) - 8) * d
        }
    }

    /// { f16 d; f16 m; u8 qs[16] }: x = q * d + m.
    @inline(__always)
    static func q4_1(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0), m = half(block, 2)
        let qs = (block + 4).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            y[j] = Float(qs[j] & 0x0F) * d + m
            y[j + 16] = Float(qs[j] >> 4) * d + m
        }
    }

    /// { f16 d; u32 qh; u8 qs[16] }: bit j of qh is the fifth bit of element j; x = (q - 16) * d.
    @inline(__always)
    static func q5_0(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        let qs = (block + 6).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            let h0 = Int32((qh >> UInt32(j)) << 4 & 0x10)
            let h1 = Int32((qh >> UInt32(j + 12)) & 0x10)
            y[j] = Float((Int32(qs[j] & 0x0F) | h0) - 16) * d
            y[j + 16] = Float((Int32(qs[j] >> 4) | h1) - 16) * d
        }
    }

    /// { f16 d; f16 m; u32 qh; u8 qs[16] }: x = q * d + m.
    @inline(__always)
    static func q5_1(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0), m = half(block, 2)
        let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let qs = (block + 8).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            let h0 = UInt32((qh >> UInt32(j)) << 4 & 0x10)
            let h1 = UInt32((qh >> UInt32(j + 12)) & 0x10)
            y[j] = Float(UInt32(qs[j] & 0x0F) | h0) * d + m
            y[j + 16] = Float(UInt32(qs[j] >> 4) | h1) * d + m
        }
    }

    /// The 6-bit scale and min of sub-block j (0..7) packed into 12 bytes (K-quants).
    @inline(__always)
    private static func scaleMin(_ j: Int, _ q: UnsafePointer<UInt8>) -> (Float, Float) {
        if j < 4 { return (Float(q[j] & 63), Float(q[j + 4] & 63)) }
        return (Float((q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4)), Float((q[j + 4] >> 4) | ((q[j] >> 6) << 4)))
    }

    /// { f16 d; f16 dmin; u8 scales[12]; u8 qs[128] }: 8 sub-blocks of 32; x = d*sc*q - dmin*m.
    @inline(__always)
    static func q4_K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0), dmin = half(block, 2)
        let scales = (block + 4).assumingMemoryBound(to: UInt8.self)
        var q = (block + 16).assumingMemoryBound(to: UInt8.self)
        var out = y
        for pair in 0..<4 {
            let (sc1, m1) = scaleMin(2 * pair, scales), (sc2, m2) = scaleMin(2 * pair + 1, scales)
            let d1 = d * sc1, min1 = dmin * m1, d2 = d * sc2, min2 = dmin * m2
            for l in 0..<32 { out[l] = d1 * Float(q[l] & 0x0F) - min1 }
            for l in 0..<32 { out[l + 32] = d2 * Float(q[l] >> 4) - min2 }
            q += 32
            out += 64
        }
    }

    /// { f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128] }: like Q4_K with a fifth bit.
    @inline(__always)
    static func q5_K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0), dmin = half(block, 2)
        let scales = (block + 4).assumingMemoryBound(to: UInt8.self)
        let qh = (block + 16).assumingMemoryBound(to: UInt8.self)
        var ql = (block + 48).assumingMemoryBound(to: UInt8.self)
        var out = y
        var u1: UInt8 = 1, u2: UInt8 = 2
        for pair in 0..<4 {
            let (sc1, m1) = scaleMin(2 * pair, scales), (sc2, m2) = scaleMin(2 * pair + 1, scales)
            let d1 = d * sc1, min1 = dmin * m1, d2 = d * sc2, min2 = dmin * m2
            for l in 0..<32 { out[l] = d1 * Float((ql[l] & 0x0F) + (qh[l] & u1 != 0 ? 16 : 0)) - min1 }
            for l in 0..<32 { out[l + 32] = d2 * Float((ql[l] >> 4) + (qh[l] & u2 != 0 ? 16 : 0)) - min2 }
            ql += 32
            out += 64
            u1 <<= 2
            u2 <<= 2
        }
    }

    /// { u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d }: 16 sub-blocks of 16; x = d*sc*(q - 32).
    @inline(__always)
    static func q6_K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 208)
        var ql = block.assumingMemoryBound(to: UInt8.self)
        var qh = (block + 128).assumingMemoryBound(to: UInt8.self)
        var sc = (block + 192).assumingMemoryBound(to: Int8.self)
        var out = y
        for _ in 0..<2 {
            for l in 0..<32 {
                let s = l / 16
                let q1 = Int32((ql[l] & 0x0F) | ((qh[l] >> 0) & 3) << 4) - 32
                let q2 = Int32((ql[l + 32] & 0x0F) | ((qh[l] >> 2) & 3) << 4) - 32
                let q3 = Int32((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32
                let q4 = Int32((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32
                out[l] = d * Float(sc[s]) * Float(q1)
                out[l + 32] = d * Float(sc[s + 2]) * Float(q2)
                out[l + 64] = d * Float(sc[s + 4]) * Float(q3)
                out[l + 96] = d * Float(sc[s + 6]) * Float(q4)
            }
            out += 128
            ql += 64
            qh += 32
            sc += 8
        }
    }
}
