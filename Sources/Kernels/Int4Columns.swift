import Foundation

/// A 4-bit, group-quantised weight W [out, in] laid out for the engine's kernels as Wᵀ: for each
/// pair of inputs a row of bytes over all outputs (low nibble input 2p, high nibble 2p + 1), and
/// per (group, output) a scale and an offset:
/// W[o, i] = q[o, i] · scale[i / groupSize, o] + offset[i / groupSize, o], q in 0...15.
/// Llama.cpp's Q4_1 (w = d·q + m) is this with scale d and offset m, exactly; AutoAWQ's
/// (q − z)·s is scale s, offset −z·s.
///
/// Why Wᵀ: a product then runs along the outputs, y[o] += q[o, i]·x[i], plain loops over
/// contiguous bytes that the compiler vectorises without any reduction (26 GFLOP/s a core);
/// the row-wise dot products, written with SIMD types, came out as scalar pieces (5–12).
/// A range of outputs (a worker's share) is a contiguous slice of every row.
///
/// A decode step reads every byte of every weight, so scales and offsets are stored as compactly
/// as they can be exactly (float32 ones, 8 bytes per group of 32, were a third of the traffic):
/// - scales as float16 when they all are float16 values (both llama.cpp's Q4_1 and AutoAWQ keep
///   them so), else float32;
/// - offsets as byte zero points z, offset = −(z·scale) in float32, when every offset is that
///   (AutoAWQ's), else like the scales (Q4_1's m is any float16). For AWQ at group 32 that is
///   0.59 bytes a weight instead of 0.75.
///
/// Engine layout (also the serialised form, mapped back without copying):
///
///     header   64 bytes: "CI4C", version UInt32, inFeatures, outFeatures, groupSize (UInt64 LE),
///              bytes per scale UInt32 (4 or 2), offset encoding UInt32 (0: like the scales,
///              1: UInt8 zero points; 0 in layouts written before zero points existed)
///     values   UInt8 [in / 2][out]                          (64-byte aligned)
///     scales   Float or Float16 [in / group][out]           (64-byte aligned)
///     offsets  Float, Float16 or UInt8 [in / group][out]    (64-byte aligned)
public struct Int4Columns: @unchecked Sendable {   // read-only pointers into its own storage
    public let inFeatures: Int
    public let outFeatures: Int
    public let groupSize: Int
    let storage: Int4Storage
    let values: UnsafePointer<UInt8>
    /// [groups][out] of Float, or of Float16 when `halfScales`.
    let scales: UnsafeRawPointer
    /// [groups][out] of UInt8 zero points when `zeroPoints`, else like `scales`.
    let offsets: UnsafeRawPointer
    public let halfScales: Bool
    public let zeroPoints: Bool
    let groupCount: Int

    static let magic: UInt32 = 0x4334_4943  // "CI4C" little-endian
    static let version: UInt32 = 2
    static let headerBytes = 64

    /// How scales and offsets are stored: bytes per scale (2 or 4) and per offset (1: a zero point).
    struct Encoding: Equatable {
        var scaleBytes: Int
        var zeroPoints: Bool
        var offsetBytes: Int { zeroPoints ? 1 : scaleBytes }
    }

    /// Byte offsets of values, scales and offsets in the layout.
    static func sections(inFeatures: Int, outFeatures: Int, groupSize: Int, encoding: Encoding) -> (values: Int, scales: Int, offsets: Int) {
        let groups = inFeatures / groupSize
        let scales = Int4Matrix.roundUp64(headerBytes + outFeatures * inFeatures / 2)
        return (headerBytes, scales, Int4Matrix.roundUp64(scales + outFeatures * groups * encoding.scaleBytes))
    }
    static func serialisedByteCount(inFeatures: Int, outFeatures: Int, groupSize: Int, encoding: Encoding) -> Int {
        sections(inFeatures: inFeatures, outFeatures: outFeatures, groupSize: groupSize, encoding: encoding).offsets
            + outFeatures * (inFeatures / groupSize) * encoding.offsetBytes
    }
    var encoding: Encoding { Encoding(scaleBytes: halfScales ? 2 : 4, zeroPoints: zeroPoints) }
    public var serialisedByteCount: Int {
        Self.serialisedByteCount(inFeatures: inFeatures, outFeatures: outFeatures, groupSize: groupSize, encoding: encoding)
    }

    /// scale[g, o] and offset[g, o].
    @inline(__always)
    func scaleAndOffset(_ g: Int, _ o: Int) -> (Float, Float) {
        let at = g * outFeatures + o
        let s = halfScales ? Float(scales.load(fromByteOffset: at * 2, as: Float16.self)) : scales.load(fromByteOffset: at * 4, as: Float.self)
        if zeroPoints { return (s, ZeroPoint(offsets.load(fromByteOffset: at, as: UInt8.self)).offset(scale: s)) }
        return (s, halfScales ? Float(offsets.load(fromByteOffset: at * 2, as: Float16.self)) : offsets.load(fromByteOffset: at * 4, as: Float.self))
    }

    /// Group g's scales and offsets for outputs [lo, lo + n) as float32: pointers into the
    /// matrix, or (float16 or zero-point storage) computed into `scratch` (2·n floats).
    func groupScales(_ g: Int, _ lo: Int, _ n: Int, scratch: UnsafeMutablePointer<Float>) -> (UnsafePointer<Float>, UnsafePointer<Float>) {
        let at = g * outFeatures + lo
        if !halfScales && !zeroPoints {
            return ((scales + at * 4).assumingMemoryBound(to: Float.self), (offsets + at * 4).assumingMemoryBound(to: Float.self))
        }
        let s: UnsafePointer<Float>
        if halfScales {
            widenHalves((scales + at * 2).assumingMemoryBound(to: Float16.self), into: scratch, count: n)
            s = UnsafePointer(scratch)
        } else {
            s = (scales + at * 4).assumingMemoryBound(to: Float.self)
        }
        if zeroPoints {
            let z = (offsets + at).assumingMemoryBound(to: ZeroPoint.self)
            for o in 0..<n { scratch[n + o] = z[o].offset(scale: s[o]) }
        } else {
            widenHalves((offsets + at * 2).assumingMemoryBound(to: Float16.self), into: scratch + n, count: n)
        }
        return (s, UnsafePointer(scratch + n))
    }

    static func validate(inFeatures: Int, outFeatures: Int, groupSize: Int) throws(Int4MatrixError) {
        guard inFeatures > 0, outFeatures > 0 else {
            throw .badShape("in_features \(inFeatures) and out_features \(outFeatures) must be positive")
        }
        guard groupSize > 0, groupSize % 2 == 0, inFeatures % groupSize == 0 else {
            throw .badShape("group size \(groupSize) is not an even number that divides in_features \(inFeatures)")
        }
    }

    private init(inFeatures: Int, outFeatures: Int, groupSize: Int, encoding: Encoding, storage: Int4Storage) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.groupSize = groupSize
        self.halfScales = encoding.scaleBytes == 2
        self.zeroPoints = encoding.zeroPoints
        self.storage = storage
        let at = Self.sections(inFeatures: inFeatures, outFeatures: outFeatures, groupSize: groupSize, encoding: encoding)
        values = (storage.base + at.values).assumingMemoryBound(to: UInt8.self)
        scales = storage.base + at.scales
        offsets = storage.base + at.offsets
        groupCount = inFeatures / groupSize
    }

    /// Allocates and fills through `fill(set, scales, offsets)`: set(o, i, q) stores one value;
    /// scales and offsets are [groups][out].
    private init(inFeatures: Int, outFeatures: Int, groupSize: Int,
                 fill: (_ set: (_ output: Int, _ input: Int, _ q: UInt8) -> Void, UnsafeMutablePointer<Float>,
                        UnsafeMutablePointer<Float>) -> Void) {
        let groups = inFeatures / groupSize, count = groups * outFeatures
        var bytes = [UInt8](repeating: 0, count: inFeatures / 2 * outFeatures)
        var s = [Float](repeating: 0, count: count), m = [Float](repeating: 0, count: count)
        bytes.withUnsafeMutableBufferPointer { b in
            s.withUnsafeMutableBufferPointer { sp in
                m.withUnsafeMutableBufferPointer { mp in
                    fill({ o, i, q in b[(i >> 1) * outFeatures + o] |= q << UInt8((i & 1) * 4) }, sp.baseAddress!, mp.baseAddress!)
                }
            }
        }
        let halfScales = s.allSatisfy { Float(Float16($0)) == $0 }
        let zeros = ZeroPoint.all(offsets: m, scales: s)
        let encoding = Encoding(scaleBytes: halfScales && (zeros != nil || m.allSatisfy { Float(Float16($0)) == $0 }) ? 2 : 4,
                                zeroPoints: zeros != nil)
        let storage = Int4Storage(allocating: Self.serialisedByteCount(inFeatures: inFeatures, outFeatures: outFeatures,
                                                                        groupSize: groupSize, encoding: encoding), hugePages: true)
        self.init(inFeatures: inFeatures, outFeatures: outFeatures, groupSize: groupSize, encoding: encoding, storage: storage)
        let base = storage.mutableBase!  // just allocated above
        base.storeBytes(of: Self.magic.littleEndian, as: UInt32.self)
        base.storeBytes(of: Self.version.littleEndian, toByteOffset: 4, as: UInt32.self)
        for (n, value) in [inFeatures, outFeatures, groupSize].enumerated() {
            base.storeBytes(of: UInt64(value).littleEndian, toByteOffset: 8 + 8 * n, as: UInt64.self)
        }
        base.storeBytes(of: UInt32(encoding.scaleBytes).littleEndian, toByteOffset: 32, as: UInt32.self)
        base.storeBytes(of: UInt32(encoding.zeroPoints ? 1 : 0).littleEndian, toByteOffset: 36, as: UInt32.self)
        UnsafeMutableRawPointer(mutating: values).copyMemory(from: bytes, byteCount: bytes.count)
        let scaleOut = UnsafeMutableRawPointer(mutating: scales), offsetOut = UnsafeMutableRawPointer(mutating: offsets)
        for i in 0..<count {
            if encoding.scaleBytes == 2 {
                scaleOut.storeBytes(of: Float16(s[i]), toByteOffset: i * 2, as: Float16.self)
            } else {
                scaleOut.storeBytes(of: s[i], toByteOffset: i * 4, as: Float.self)
            }
            if let zeros {
                offsetOut.storeBytes(of: zeros[i], toByteOffset: i, as: UInt8.self)
            } else if encoding.scaleBytes == 2 {
                offsetOut.storeBytes(of: Float16(m[i]), toByteOffset: i * 2, as: Float16.self)
            } else {
                offsetOut.storeBytes(of: m[i], toByteOffset: i * 4, as: Float.self)
            }
        }
    }

    /// Tests build every encoding from plain arrays: q [out, in] (0...15), scales and offsets
    /// [in / group][out]. The encoding is chosen as for real weights.
    init(inFeatures: Int, outFeatures: Int, groupSize: Int, q: [UInt8], scales: [Float], offsets: [Float]) throws(Int4MatrixError) {
        try Self.validate(inFeatures: inFeatures, outFeatures: outFeatures, groupSize: groupSize)
        self.init(inFeatures: inFeatures, outFeatures: outFeatures, groupSize: groupSize) { set, s, m in
            for o in 0..<outFeatures { for i in 0..<inFeatures { set(o, i, q[o * inFeatures + i]) } }
            for i in scales.indices { s[i] = scales[i]; m[i] = offsets[i] }
        }
    }

    /// The same weights as an AutoAWQ-layout `Int4Matrix`.
    public init(_ m: Int4Matrix) throws(Int4MatrixError) {
        try Self.validate(inFeatures: m.inFeatures, outFeatures: m.outFeatures, groupSize: m.groupSize)
        let groups = m.groupCount, n = m.outFeatures
        self.init(inFeatures: m.inFeatures, outFeatures: n, groupSize: m.groupSize) { set, s, off in
            let words = m.words, mScales = m.scales, mZeros = m.zeros, k = m.inFeatures
            for o in 0..<n {
                let b = o >> 3, lane = o & 7
                for i in 0..<k {
                    set(o, i, UInt8((words[b * k + (i >> 3) * 8 + lane] >> UInt32((i & 7) * 4)) & 15))
                }
                for g in 0..<groups {
                    let at = (b * groups + g) * 8 + lane
                    s[g * n + o] = mScales[at]
                    off[g * n + o] = -mZeros[at] * mScales[at]
                }
            }
        }
    }

    /// llama.cpp Q4_1 rows: rows[o] points at the first 20-byte block (d f16, m f16, 16 bytes of
    /// nibbles: low = weight j, high = weight j + 16) of output row o's `inFeatures` weights.
    public init(q4_1Rows rows: [UnsafeRawPointer], inFeatures: Int) throws(Int4MatrixError) {
        let g = Q4_1.blockWeights, n = rows.count
        try Self.validate(inFeatures: inFeatures, outFeatures: n, groupSize: g)
        let groups = inFeatures / g
        self.init(inFeatures: inFeatures, outFeatures: n, groupSize: g) { set, s, off in
            for o in 0..<n {
                for gi in 0..<groups {
                    let block = rows[o] + gi * Q4_1.blockBytes
                    s[gi * n + o] = Float(block.loadUnaligned(as: Float16.self))
                    off[gi * n + o] = Float(block.loadUnaligned(fromByteOffset: 2, as: Float16.self))
                    for j in 0..<16 {
                        let byte = block.load(fromByteOffset: 4 + j, as: UInt8.self)
                        set(o, gi * g + j, byte & 15); set(o, gi * g + j + 16, byte >> 4)
                    }
                }
            }
        }
    }

    /// Maps a layout written by `write(to:)`; `keepAlive` owns the memory.
    public init(mapped bytes: UnsafeRawBufferPointer, keepAlive: AnyObject? = nil) throws(Int4MatrixError) {
        guard let base = bytes.baseAddress, bytes.count >= Self.headerBytes else {
            throw .badSerialisedLayout("\(bytes.count) bytes is shorter than the \(Self.headerBytes)-byte header")
        }
        guard base.loadUnaligned(as: UInt32.self) == Self.magic else {
            throw .badSerialisedLayout("the header does not start with \"CI4C\"")
        }
        let version = base.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        guard version == Self.version else {
            throw .badSerialisedLayout("layout version \(version), this build reads version \(Self.version)")
        }
        let dims = (0..<3).map { Int(truncatingIfNeeded: base.loadUnaligned(fromByteOffset: 8 + 8 * $0, as: UInt64.self)) }
        guard dims.allSatisfy({ $0 > 0 && $0 <= 1 << 24 }) else { throw .badSerialisedLayout("dimensions \(dims) are out of range") }
        try Self.validate(inFeatures: dims[0], outFeatures: dims[1], groupSize: dims[2])
        let scaleBytes = Int(base.loadUnaligned(fromByteOffset: 32, as: UInt32.self))
        guard scaleBytes == 2 || scaleBytes == 4 else { throw .badSerialisedLayout("\(scaleBytes) bytes per scale, expected 2 or 4") }
        let offsetEncoding = base.loadUnaligned(fromByteOffset: 36, as: UInt32.self)
        guard offsetEncoding <= 1 else { throw .badSerialisedLayout("offset encoding \(offsetEncoding), expected 0 or 1") }
        let encoding = Encoding(scaleBytes: scaleBytes, zeroPoints: offsetEncoding == 1)
        let needed = Self.serialisedByteCount(inFeatures: dims[0], outFeatures: dims[1], groupSize: dims[2], encoding: encoding)
        guard bytes.count >= needed else { throw .badSerialisedLayout("\(bytes.count) bytes, the header's shape needs \(needed)") }
        guard Int(bitPattern: base) % 4 == 0 else { throw .badSerialisedLayout("the layout does not start on a 4-byte boundary") }
        self.init(inFeatures: dims[0], outFeatures: dims[1], groupSize: dims[2], encoding: encoding,
                  storage: Int4Storage(borrowing: base, keepAlive: keepAlive))
    }

    /// Appends the engine layout (header included) to `data`; `init(mapped:)` reads it back.
    public func write(to data: inout Data) {
        data.append(contentsOf: UnsafeRawBufferPointer(start: storage.base, count: serialisedByteCount))
    }

    /// q[o, i] (0...15).
    func quant(_ o: Int, _ i: Int) -> UInt8 { (values[(i >> 1) * outFeatures + o] >> UInt8((i & 1) * 4)) & 15 }

    /// W [out, in] as float32, row-major, one weight at a time (the reference the kernels are tested against).
    public func dequantized() -> [Float] {
        var w = [Float](repeating: 0, count: outFeatures * inFeatures)
        for o in 0..<outFeatures {
            for i in 0..<inFeatures {
                let (s, m) = scaleAndOffset(i / groupSize, o)
                w[o * inFeatures + i] = Float(quant(o, i)) * s + m
            }
        }
        return w
    }
}

/// out[i] = Float(h[i]): a plain loop the compiler turns into vcvtph2ps.
@inline(never)
func widenHalves(_ h: UnsafePointer<Float16>, into out: UnsafeMutablePointer<Float>, count n: Int) {
    var o = 0
    while o < n { out[o] = Float(h[o]); o &+= 1 }
}

/// A stored scale: float32, or float16 widened as the product reads it (one conversion
/// instruction, instead of a pass that widened a group's scales into scratch).
protocol StoredScale { var float: Float { get } }
extension Float: StoredScale { @inline(__always) var float: Float { self } }
extension Float16: StoredScale { @inline(__always) var float: Float { Float(self) } }

/// A stored offset, given its group's scale: a float32 or float16 value, or a zero point.
protocol StoredOffset { func offset(scale: Float) -> Float }
extension Float: StoredOffset { @inline(__always) func offset(scale: Float) -> Float { self } }
extension Float16: StoredOffset { @inline(__always) func offset(scale: Float) -> Float { Float(self) } }

/// AutoAWQ's integer zero point z: W = (q − z)·s = q·s + offset with offset = −(z·s), rounded
/// to float32 exactly as the float32 offsets were, so both encodings give the same bits.
struct ZeroPoint: StoredOffset {
    var z: UInt8
    init(_ z: UInt8) { self.z = z }
    @inline(__always) func offset(scale: Float) -> Float { -(Float(z) * scale) }

    /// Zero points for every offset, or nil where one is not −(z·s) for a z in 0...255 (bit
    /// for bit, so nothing an exact encoding would keep is lost).
    static func all(offsets m: [Float], scales s: [Float]) -> [UInt8]? {
        var zeros = [UInt8](repeating: 0, count: m.count)
        for i in m.indices {
            let z = s[i] == 0 ? 0 : (-m[i] / s[i]).rounded()
            guard z >= 0, z <= 255, ZeroPoint(UInt8(z)).offset(scale: s[i]).bitPattern == m[i].bitPattern else { return nil }
            zeros[i] = UInt8(z)
        }
        return zeros
    }
}
