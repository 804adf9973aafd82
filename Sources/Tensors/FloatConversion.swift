/// Bulk conversions between Float and the 16-bit float formats. Loops are plain pointer loops
/// so the compiler vectorises them (F16C's vcvtph2ps/vcvtps2ph under -target-cpu haswell).
/// Source pointers are raw and may be unaligned (tensor data inside a mapped file need not be).
public enum FloatConversion {
    public static func f16ToF32(_ source: UnsafeRawPointer, _ destination: UnsafeMutablePointer<Float>, count: Int) {
        if Int(bitPattern: source) & 1 == 0 {
            let s = source.assumingMemoryBound(to: Float16.self)
            for i in 0..<count { destination[i] = Float(s[i]) }
        } else {
            for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 2 * i, as: Float16.self)) }
        }
    }

    public static func bf16ToF32(_ source: UnsafeRawPointer, _ destination: UnsafeMutablePointer<Float>, count: Int) {
        if Int(bitPattern: source) & 1 == 0 {
            let s = source.assumingMemoryBound(to: UInt16.self)
            for i in 0..<count { destination[i] = Float(bitPattern: UInt32(s[i]) << 16) }
        } else {
            for i in 0..<count {
                destination[i] = Float(bitPattern: UInt32(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
            }
        }
    }

    /// Round-to-nearest-even, as the hardware conversion does.
    public static func f32ToF16(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float16>, count: Int) {
        for i in 0..<count { destination[i] = Float16(source[i]) }
    }

    /// Round-to-nearest-even like PyTorch; NaN stays a (quiet) NaN.
    public static func f32ToBF16(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<UInt16>, count: Int) {
        for i in 0..<count { destination[i] = bf16Bits(source[i]) }
    }

    @inline(__always)
    public static func bf16Bits(_ x: Float) -> UInt16 {
        let bits = x.bitPattern
        if x.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }

    @inline(__always)
    public static func bf16ToFloat(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// Converts `count` elements of `dtype` at `source` to Float; nil for non-float types.
    public static func toFloats(_ source: UnsafeRawPointer, dtype: DType, count: Int) -> [Float]? {
        switch dtype {
        case .f32:
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                if count > 0 { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: source, byteCount: 4 * count) }
                initialized = count
            }
        case .f16:
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                if count > 0 { f16ToF32(source, buffer.baseAddress!, count: count) }
                initialized = count
            }
        case .bf16:
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                if count > 0 { bf16ToF32(source, buffer.baseAddress!, count: count) }
                initialized = count
            }
        case .f64:
            return (0..<count).map { Float(source.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self)) }
        default:
            return nil
        }
    }
}
