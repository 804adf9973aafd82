import Foundation

/// An 8-bit weight W [out, in] in blocks of 32 inputs, one Float scale per block:
/// W[o, i] = q[o, i] · scale[i / 32, o]. llama.cpp's Q8_0 exactly (its f16 scales widen without
/// loss), a quarter of float32: the tied embedding and LM head of a Q4_1 GGUF, whose 49,152 rows
/// of float32 were 113 MB read once per decoded token. Stored as Wᵀ, like `Int4Columns` and for
/// the same reason: products run along the outputs as plain vectorised loops.
///
/// Engine layout (also the serialised form, mapped back without copying):
///
///     header   64 bytes: "CI8C", version UInt32, inFeatures, outFeatures (UInt64 LE)
///     values   Int8  [in][out]        (64-byte aligned)
///     scales   Float [in / 32][out]   (64-byte aligned)
public struct Int8Matrix: @unchecked Sendable {   // read-only pointers into its own storage
    public let inFeatures: Int
    public let outFeatures: Int
    let storage: Int4Storage
    let values: UnsafePointer<Int8>
    let scales: UnsafePointer<Float>

    public static let blockWeights = 32
    /// Bytes of one GGUF Q8_0 block: d (f16), then 32 signed bytes.
    public static let q8_0BlockBytes = 34
    static let magic: UInt32 = 0x4338_4943  // "CI8C" little-endian
    static let version: UInt32 = 1
    static let headerBytes = 64

    var blockCount: Int { inFeatures / Self.blockWeights }
    static func scalesOffset(inFeatures: Int, outFeatures: Int) -> Int { Int4Matrix.roundUp64(headerBytes + outFeatures * inFeatures) }
    public var serialisedByteCount: Int { Self.serialisedByteCount(inFeatures: inFeatures, outFeatures: outFeatures) }
    public static func serialisedByteCount(inFeatures: Int, outFeatures: Int) -> Int {
        scalesOffset(inFeatures: inFeatures, outFeatures: outFeatures) + outFeatures * inFeatures / blockWeights * 4
    }

    private init(inFeatures: Int, outFeatures: Int, storage: Int4Storage) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.storage = storage
        values = (storage.base + Self.headerBytes).assumingMemoryBound(to: Int8.self)
        scales = (storage.base + Self.scalesOffset(inFeatures: inFeatures, outFeatures: outFeatures)).assumingMemoryBound(to: Float.self)
    }

    static func validate(inFeatures: Int, outFeatures: Int) throws(Int4MatrixError) {
        guard inFeatures > 0, outFeatures > 0, inFeatures % blockWeights == 0 else {
            throw .badShape("int8 rows of \(inFeatures) inputs are not whole blocks of \(blockWeights)")
        }
    }

    /// Copies a GGUF Q8_0 tensor [outFeatures, inFeatures] (rows of 34-byte blocks).
    public init(q8_0 bytes: UnsafeRawBufferPointer, inFeatures: Int, outFeatures: Int) throws(Int4MatrixError) {
        try Self.validate(inFeatures: inFeatures, outFeatures: outFeatures)
        let blocks = outFeatures * inFeatures / Self.blockWeights
        guard let source = bytes.baseAddress, bytes.count == blocks * Self.q8_0BlockBytes else {
            throw .badBufferSize(tensor: "Q8_0 blocks", expected: blocks * Self.q8_0BlockBytes, actual: bytes.count)
        }
        let storage = Int4Storage(allocating: Self.serialisedByteCount(inFeatures: inFeatures, outFeatures: outFeatures), hugePages: true)
        self.init(inFeatures: inFeatures, outFeatures: outFeatures, storage: storage)
        let base = storage.mutableBase!  // just allocated above
        writeHeader(base)
        let q = UnsafeMutablePointer(mutating: values), s = UnsafeMutablePointer(mutating: scales)
        let perRow = inFeatures / Self.blockWeights
        for b in 0..<blocks {
            let block = source + b * Self.q8_0BlockBytes
            let o = b / perRow, first = (b % perRow) * Self.blockWeights
            s[(b % perRow) * outFeatures + o] = Float(block.loadUnaligned(as: Float16.self))
            for j in 0..<Self.blockWeights {
                q[(first + j) * outFeatures + o] = block.load(fromByteOffset: 2 + j, as: Int8.self)
            }
        }
    }

    /// Maps a layout written by `write(to:)`; `keepAlive` owns the memory.
    public init(mapped bytes: UnsafeRawBufferPointer, keepAlive: AnyObject? = nil) throws(Int4MatrixError) {
        guard let base = bytes.baseAddress, bytes.count >= Self.headerBytes else {
            throw .badSerialisedLayout("\(bytes.count) bytes is shorter than the \(Self.headerBytes)-byte header")
        }
        guard base.loadUnaligned(as: UInt32.self) == Self.magic else {
            throw .badSerialisedLayout("the header does not start with \"CI8M\"")
        }
        let version = base.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        guard version == Self.version else {
            throw .badSerialisedLayout("layout version \(version), this build reads version \(Self.version)")
        }
        let dims = (0..<2).map { Int(truncatingIfNeeded: base.loadUnaligned(fromByteOffset: 8 + 8 * $0, as: UInt64.self)) }
        guard dims.allSatisfy({ $0 > 0 && $0 <= 1 << 24 }) else { throw .badSerialisedLayout("dimensions \(dims) are out of range") }
        try Self.validate(inFeatures: dims[0], outFeatures: dims[1])
        let needed = Self.serialisedByteCount(inFeatures: dims[0], outFeatures: dims[1])
        guard bytes.count >= needed else { throw .badSerialisedLayout("\(bytes.count) bytes, the header's shape needs \(needed)") }
        self.init(inFeatures: dims[0], outFeatures: dims[1], storage: Int4Storage(borrowing: base, keepAlive: keepAlive))
    }

    private func writeHeader(_ base: UnsafeMutableRawPointer) {
        base.storeBytes(of: Self.magic.littleEndian, as: UInt32.self)
        base.storeBytes(of: Self.version.littleEndian, toByteOffset: 4, as: UInt32.self)
        base.storeBytes(of: UInt64(inFeatures).littleEndian, toByteOffset: 8, as: UInt64.self)
        base.storeBytes(of: UInt64(outFeatures).littleEndian, toByteOffset: 16, as: UInt64.self)
    }

    /// Appends the engine layout (header included) to `data`; `init(mapped:)` reads it back.
    public func write(to data: inout Data) {
        data.append(contentsOf: UnsafeRawBufferPointer(start: storage.base, count: serialisedByteCount))
    }

    /// Where the weights live: two matrices at one address are one table (a tied LM head).
    public var storageAddress: UnsafeRawPointer { storage.base }

    /// out[i] = W[row, i] for one row (an embedding lookup).
    public func dequantizeRow(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        for i in 0..<inFeatures {
            out[i] = Float(values[i * outFeatures + row]) * scales[(i / Self.blockWeights) * outFeatures + row]
        }
    }

    /// W [out, in] as float32, row-major.
    public func dequantized() -> [Float] {
        var w = [Float](repeating: 0, count: outFeatures * inFeatures)
        w.withUnsafeMutableBufferPointer { p in
            for o in 0..<outFeatures { dequantizeRow(o, into: p.baseAddress! + o * inFeatures) }
        }
        return w
    }
}
