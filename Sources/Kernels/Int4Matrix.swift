import Foundation

/// A 4-bit, group-quantised weight W [out, in] with zero points (AutoAWQ's format), repacked
/// for the engine: y = x · Wᵀ by a fused GEMV for a few rows and dequantise-tile + sgemm for many.
///
/// Engine layout (also the serialised form, so a cached `load` maps it back without copying):
///
///     header   64 bytes: "CI4M", version UInt32, inFeatures, outFeatures, groupSize (UInt64 LE)
///     words    UInt32 [out/8][in/8][8]    lane j, nibble t = q(input 8k+t, output 8b+j)
///     scales   Float  [out/8][in/g][8]    scale of (group, output 8b+j)
///     zeros    Float  [out/8][in/g][8]    zero point of (group, output 8b+j)
///
/// Blocks of 8 output columns are contiguous, so a column range is a contiguous slice, and one
/// SIMD8<UInt32> load yields 8 inputs × 8 outputs. W[o, i] = (q - z) · s exactly as AutoAWQ.
public struct Int4Matrix: Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    public let groupSize: Int
    let storage: Int4Storage

    static let magic: UInt32 = 0x4D34_4943  // "CI4M" little-endian
    static let version: UInt32 = 1
    static let headerBytes = 64

    var blockCount: Int { outFeatures / 8 }
    var groupCount: Int { inFeatures / groupSize }
    var wordsOffset: Int { Self.headerBytes }
    var scalesOffset: Int { Self.roundUp64(wordsOffset + outFeatures * inFeatures / 2) }
    var zerosOffset: Int { Self.roundUp64(scalesOffset + groupCount * outFeatures * 4) }
    /// Bytes of the serialised layout (header included); what `write(to:)` appends.
    public var serialisedByteCount: Int { zerosOffset + groupCount * outFeatures * 4 }
    /// Bytes of weight data, for planners.
    public static func serialisedByteCount(inFeatures: Int, outFeatures: Int, groupSize: Int) -> Int {
        let scales = roundUp64(headerBytes + outFeatures * inFeatures / 2)
        let zeros = roundUp64(scales + inFeatures / groupSize * outFeatures * 4)
        return zeros + inFeatures / groupSize * outFeatures * 4
    }

    static func roundUp64(_ n: Int) -> Int { (n + 63) & ~63 }

    var words: UnsafePointer<UInt32> { (storage.base + wordsOffset).assumingMemoryBound(to: UInt32.self) }
    var scales: UnsafePointer<Float> { (storage.base + scalesOffset).assumingMemoryBound(to: Float.self) }
    var zeros: UnsafePointer<Float> { (storage.base + zerosOffset).assumingMemoryBound(to: Float.self) }

    static func validate(inFeatures: Int, outFeatures: Int, groupSize: Int) throws(Int4MatrixError) {
        guard inFeatures > 0, outFeatures > 0 else {
            throw .badShape("in_features \(inFeatures) and out_features \(outFeatures) must be positive")
        }
        guard outFeatures % 8 == 0 else {
            throw .badShape("out_features \(outFeatures) is not a multiple of 8 (8 values are packed per int32)")
        }
        guard groupSize > 0, inFeatures % groupSize == 0 else {
            throw .badShape("group size \(groupSize) does not divide in_features \(inFeatures)")
        }
        guard groupSize % 8 == 0 else {
            throw .badShape("group size \(groupSize) is not a multiple of 8")
        }
    }

    /// Repacks AutoAWQ GEMM-layout tensors. qweight I32 [in, out/8] and qzeros I32 [in/g, out/8]
    /// hold nibble n = column [0, 2, 4, 6, 1, 3, 5, 7][n] of each group of 8; scales [in/g, out].
    public init(awqQWeight: UnsafeBufferPointer<Int32>, qzeros: UnsafeBufferPointer<Int32>,
                scales: UnsafeBufferPointer<Float16>, inFeatures: Int, outFeatures: Int,
                groupSize: Int) throws(Int4MatrixError) {
        try Self.validate(inFeatures: inFeatures, outFeatures: outFeatures, groupSize: groupSize)
        let packedColumns = outFeatures / 8, groups = inFeatures / groupSize
        guard awqQWeight.count == inFeatures * packedColumns else {
            throw .badBufferSize(tensor: "qweight", expected: inFeatures * packedColumns, actual: awqQWeight.count)
        }
        guard qzeros.count == groups * packedColumns else {
            throw .badBufferSize(tensor: "qzeros", expected: groups * packedColumns, actual: qzeros.count)
        }
        guard scales.count == groups * outFeatures else {
            throw .badBufferSize(tensor: "scales", expected: groups * outFeatures, actual: scales.count)
        }
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.groupSize = groupSize
        let total = Self.serialisedByteCount(inFeatures: inFeatures, outFeatures: outFeatures, groupSize: groupSize)
        storage = Int4Storage(allocating: total)
        let base = storage.mutableBase!  // just allocated above
        writeHeader(base)

        let words = (base + wordsOffset).assumingMemoryBound(to: UInt32.self)
        let scaleOut = (base + scalesOffset).assumingMemoryBound(to: Float.self)
        let zeroOut = (base + zerosOffset).assumingMemoryBound(to: Float.self)
        let wordsPerBlock = inFeatures  // (in/8) words × 8 lanes
        guard let qw = awqQWeight.baseAddress, let qz = qzeros.baseAddress, let sc = scales.baseAddress else { return }
        for i in 0..<inFeatures {
            let k = i >> 3, shift = UInt32((i & 7) * 4)
            for c8 in 0..<packedColumns {
                let packed = UInt32(bitPattern: qw[i * packedColumns + c8])
                let out = words + c8 * wordsPerBlock + k * 8
                for n in 0..<8 {
                    let lane = AWQOrder.column[n]
                    out[lane] |= ((packed >> UInt32(4 * n)) & 15) << shift
                }
            }
        }
        for g in 0..<groups {
            for c8 in 0..<packedColumns {
                let packed = UInt32(bitPattern: qz[g * packedColumns + c8])
                let at = (c8 * groups + g) * 8
                for n in 0..<8 {
                    let lane = AWQOrder.column[n]
                    zeroOut[at + lane] = Float((packed >> UInt32(4 * n)) & 15)
                    scaleOut[at + lane] = Float(sc[g * outFeatures + c8 * 8 + lane])
                }
            }
        }
    }

    /// Maps a layout written by `write(to:)` without copying. `keepAlive` owns the memory
    /// (e.g. the mapped file) and is retained as long as the matrix lives.
    public init(mapped bytes: UnsafeRawBufferPointer, keepAlive: AnyObject? = nil) throws(Int4MatrixError) {
        guard let base = bytes.baseAddress, bytes.count >= Self.headerBytes else {
            throw .badSerialisedLayout("\(bytes.count) bytes is shorter than the \(Self.headerBytes)-byte header")
        }
        guard base.loadUnaligned(as: UInt32.self) == Self.magic else {
            throw .badSerialisedLayout("the header does not start with \"CI4M\"")
        }
        let version = base.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        guard version == Self.version else {
            throw .badSerialisedLayout("layout version \(version), this build reads version \(Self.version)")
        }
        let dims = (0..<3).map { Int(truncatingIfNeeded: base.loadUnaligned(fromByteOffset: 8 + 8 * $0, as: UInt64.self)) }
        // Bound the dimensions before multiplying them, so a lying header cannot overflow.
        guard dims.allSatisfy({ $0 > 0 && $0 <= 1 << 24 }) else {
            throw .badSerialisedLayout("dimensions \(dims) are out of range")
        }
        try Self.validate(inFeatures: dims[0], outFeatures: dims[1], groupSize: dims[2])
        let needed = Self.serialisedByteCount(inFeatures: dims[0], outFeatures: dims[1], groupSize: dims[2])
        guard bytes.count >= needed else {
            throw .badSerialisedLayout("\(bytes.count) bytes, the header's shape needs \(needed)")
        }
        inFeatures = dims[0]
        outFeatures = dims[1]
        groupSize = dims[2]
        storage = Int4Storage(borrowing: base, keepAlive: keepAlive)
    }

    private func writeHeader(_ base: UnsafeMutableRawPointer) {
        base.storeBytes(of: Self.magic.littleEndian, as: UInt32.self)
        base.storeBytes(of: Self.version.littleEndian, toByteOffset: 4, as: UInt32.self)
        for (n, value) in [inFeatures, outFeatures, groupSize].enumerated() {
            base.storeBytes(of: UInt64(value).littleEndian, toByteOffset: 8 + 8 * n, as: UInt64.self)
        }
    }

    /// Appends the engine layout (header included) to `data`; `init(mapped:)` reads it back.
    public func write(to data: inout Data) {
        data.append(contentsOf: UnsafeRawBufferPointer(start: storage.base, count: serialisedByteCount))
    }

    /// W [out, in] row-major, W[o, i] = (q - z) · s computed in Float as AutoAWQ does.
    public func dequantized() -> [Float] {
        var result = [Float](repeating: 0, count: outFeatures * inFeatures)
        result.withUnsafeMutableBufferPointer { w in
            for o in 0..<outFeatures {
                let b = o >> 3, lane = o & 7
                for i in 0..<inFeatures {
                    let g = i / groupSize
                    let word = words[(b * inFeatures) + (i >> 3) * 8 + lane]
                    let q = Float((word >> UInt32((i & 7) * 4)) & 15)
                    let at = (b * groupCount + g) * 8 + lane
                    w[o * inFeatures + i] = (q - zeros[at]) * scales[at]
                }
            }
        }
        return result
    }
}

/// AutoAWQ packs 8 columns into an int32 in this order: nibble n holds column `column[n]`.
public enum AWQOrder {
    public static let column: [Int] = [0, 2, 4, 6, 1, 3, 5, 7]
    /// nibble[c] = the nibble that holds column c.
    public static let nibble: [Int] = [0, 4, 1, 5, 2, 6, 3, 7]
}

extension Int4Matrix {
    /// Σ_i W[row, i] · x[i], one output at a time (for the few logits a choice reads).
    public func dot(row o: Int, _ x: UnsafePointer<Float>) -> Float {
        let b = o >> 3, lane = o & 7
        var sum: Float = 0
        for g in 0..<groupCount {
            let at = (b * groupCount + g) * 8 + lane
            var s: Float = 0, xs: Float = 0
            for i in (g * groupSize)..<((g + 1) * groupSize) {
                let q = Float((words[b * inFeatures + (i >> 3) * 8 + lane] >> UInt32((i & 7) * 4)) & 15)
                s += q * x[i]; xs += x[i]
            }
            sum += scales[at] * (s - zeros[at] * xs)
        }
        return sum
    }
}
