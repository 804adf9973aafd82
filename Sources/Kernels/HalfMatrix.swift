import Foundation
import Prefetch

/// A float16 weight W [out, in], stored as Wᵀ like `Int8Matrix`: the LM head and embedding of a
/// float16 checkpoint (an AWQ model keeps them in float16), half the bytes of float32 and the
/// same values. Products run along the outputs as plain loops the compiler vectorises.
///
/// Engine layout (also the serialised form, mapped back without copying):
///
///     header   64 bytes: "CH6C", version UInt32, inFeatures, outFeatures (UInt64 LE)
///     values   Float16 [in][out]   (64-byte aligned)
public struct HalfMatrix: @unchecked Sendable {   // a read-only pointer into its own storage
    public let inFeatures: Int
    public let outFeatures: Int
    let storage: Int4Storage
    let values: UnsafePointer<Float16>

    static let magic: UInt32 = 0x4336_4843  // "CH6C" little-endian
    static let version: UInt32 = 1
    static let headerBytes = 64

    public var serialisedByteCount: Int { Self.headerBytes + inFeatures * outFeatures * 2 }

    private init(inFeatures: Int, outFeatures: Int, storage: Int4Storage) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.storage = storage
        values = (storage.base + Self.headerBytes).assumingMemoryBound(to: Float16.self)
    }

    /// W [out, in] row-major float32 when every value is a float16 exactly (a float16
    /// checkpoint's tensor, widened); nil otherwise, so nothing is ever rounded.
    public init?(exactly w: UnsafePointer<Float>, inFeatures: Int, outFeatures: Int) {
        for i in 0..<(inFeatures * outFeatures) where Float(Float16(w[i])) != w[i] { return nil }
        let storage = Int4Storage(allocating: Self.headerBytes + inFeatures * outFeatures * 2, hugePages: true)
        self.init(inFeatures: inFeatures, outFeatures: outFeatures, storage: storage)
        let base = storage.mutableBase!  // just allocated above
        base.storeBytes(of: Self.magic.littleEndian, as: UInt32.self)
        base.storeBytes(of: Self.version.littleEndian, toByteOffset: 4, as: UInt32.self)
        base.storeBytes(of: UInt64(inFeatures).littleEndian, toByteOffset: 8, as: UInt64.self)
        base.storeBytes(of: UInt64(outFeatures).littleEndian, toByteOffset: 16, as: UInt64.self)
        let v = UnsafeMutablePointer(mutating: values)
        for o in 0..<outFeatures {
            for i in 0..<inFeatures { v[i * outFeatures + o] = Float16(w[o * inFeatures + i]) }
        }
    }

    /// Maps a layout written by `write(to:)`; `keepAlive` owns the memory.
    public init(mapped bytes: UnsafeRawBufferPointer, keepAlive: AnyObject? = nil) throws(Int4MatrixError) {
        guard let base = bytes.baseAddress, bytes.count >= Self.headerBytes else {
            throw .badSerialisedLayout("\(bytes.count) bytes is shorter than the \(Self.headerBytes)-byte header")
        }
        guard base.loadUnaligned(as: UInt32.self) == Self.magic else {
            throw .badSerialisedLayout("the header does not start with \"CH6C\"")
        }
        let version = base.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        guard version == Self.version else {
            throw .badSerialisedLayout("layout version \(version), this build reads version \(Self.version)")
        }
        let dims = (0..<2).map { Int(truncatingIfNeeded: base.loadUnaligned(fromByteOffset: 8 + 8 * $0, as: UInt64.self)) }
        guard dims.allSatisfy({ $0 > 0 && $0 <= 1 << 24 }) else { throw .badSerialisedLayout("dimensions \(dims) are out of range") }
        let needed = Self.headerBytes + dims[0] * dims[1] * 2
        guard bytes.count >= needed else { throw .badSerialisedLayout("\(bytes.count) bytes, the header's shape needs \(needed)") }
        self.init(inFeatures: dims[0], outFeatures: dims[1], storage: Int4Storage(borrowing: base, keepAlive: keepAlive))
    }

    /// Appends the engine layout (header included) to `data`; `init(mapped:)` reads it back.
    public func write(to data: inout Data) {
        data.append(contentsOf: UnsafeRawBufferPointer(start: storage.base, count: serialisedByteCount))
    }

    /// Where the weights live: two matrices at one address are one table (a tied LM head).
    public var storageAddress: UnsafeRawPointer { storage.base }

    /// out[i] = W[row, i] (an embedding lookup).
    public func dequantizeRow(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        for i in 0..<inFeatures { out[i] = Float(values[i * outFeatures + row]) }
    }

    /// W [out, in] as float32, row-major.
    public func dequantized() -> [Float] {
        var w = [Float](repeating: 0, count: outFeatures * inFeatures)
        for o in 0..<outFeatures { for i in 0..<inFeatures { w[o * inFeatures + i] = Float(values[i * outFeatures + o]) } }
        return w
    }

    /// Input rows up to this use the fused product.
    public static let gemvMaxRows = 4
    var tileColumns: Int { max(16, (262_144 / inFeatures) & ~15) }   // as Int4Columns: wide tiles
    /// Floats of scratch `matmul` needs for any output range.
    public var matmulScratchCount: Int { tileColumns * inFeatures }

    /// y[r, o − outputRows.lowerBound] (row stride ldy) = Σ_i x[r, i] · W[o, i] for o in outputRows.
    public func matmul(_ x: UnsafePointer<Float>, rows: Int, outputRows: Range<Int>,
                       into y: UnsafeMutablePointer<Float>, ldy: Int, scratch: UnsafeMutablePointer<Float>) {
        guard rows > 0, !outputRows.isEmpty else { return }
        let lo = outputRows.lowerBound, out = outFeatures
        if rows <= Self.gemvMaxRows {
            for r in 0..<rows { gemv(x + r * inFeatures, outputs: outputRows, into: y + r * ldy) }
            return
        }
        var start = lo
        while start < outputRows.upperBound {
            let end = min(start + tileColumns, outputRows.upperBound), w = end - start
            for i in 0..<inFeatures { widenHalves(values + i * out + start, into: scratch + i * w, count: w) }   // [in, w]
            BLAS.gemm(m: rows, n: w, k: inFeatures, a: x, lda: inFeatures, b: scratch, ldb: w, c: y + (start - lo), ldc: ldy)
            start = end
        }
    }

    /// y[o − lo] = Σ_i W[o, i]·x[i] for o in outputs, over tiles of `TablePrefetch.tile` outputs
    /// (their sums stay in L1) with the next rows prefetched, as `Int8Matrix.gemv`.
    func gemv(_ x: UnsafePointer<Float>, outputs: Range<Int>, into y: UnsafeMutablePointer<Float>) {
        let out = outFeatures, ahead = TablePrefetch.rows
        var t = 0
        while t < outputs.count {
            let n = min(TablePrefetch.tile, outputs.count - t), lo = outputs.lowerBound + t
            let yt = y + t
            yt.initialize(repeating: 0, count: n)
            prefetch(rows: 0, min(ahead, inFeatures), of: values + lo, stride: 2 * out, bytes: 2 * n)
            var i = 0
            while i < inFeatures {
                prefetch(rows: i + ahead, min(i + ahead + 4, inFeatures), of: values + lo, stride: 2 * out, bytes: 2 * n)
                if i + 4 <= inFeatures {
                    Self.fourInputs(values + i * out + lo, values + (i + 1) * out + lo, values + (i + 2) * out + lo,
                                    values + (i + 3) * out + lo, into: yt, count: n, x[i], x[i + 1], x[i + 2], x[i + 3])
                    i += 4
                } else {
                    let h = values + i * out + lo
                    Self.fourInputs(h, h, h, h, into: yt, count: n, x[i], 0, 0, 0)
                    i += 1
                }
            }
            t += n
        }
    }

    @inline(never)
    static func fourInputs(_ h0: UnsafePointer<Float16>, _ h1: UnsafePointer<Float16>, _ h2: UnsafePointer<Float16>,
                           _ h3: UnsafePointer<Float16>, into y: UnsafeMutablePointer<Float>, count n: Int,
                           _ x0: Float, _ x1: Float, _ x2: Float, _ x3: Float) {
        var o = 0
        while o < n {
            y[o] = y[o].addingProduct(Float(h0[o]), x0).addingProduct(Float(h1[o]), x1)
                .addingProduct(Float(h2[o]), x2).addingProduct(Float(h3[o]), x3)
            o &+= 1
        }
    }

    /// Σ_i W[row, i] · x[i] for one output (the few logits a choice reads).
    public func dot(row: Int, _ x: UnsafePointer<Float>) -> Float {
        var s: Float = 0
        for i in 0..<inFeatures { s += Float(values[i * outFeatures + row]) * x[i] }
        return s
    }
}

/// How the fused products of a vocabulary table walk it.
enum TablePrefetch {
    /// Outputs per tile: 2,048 partial sums (8 KB) stay in L1.
    static let tile = 2048
    /// Rows (inputs) prefetched ahead of the ones being read.
    static let rows = 8
}

/// A table a vocabulary is read from, stored Wᵀ: an 8-bit or float16 embedding or LM head.
/// The engine multiplies, dots and looks up either kind the same way.
public protocol TableMatrix: Sendable {
    var inFeatures: Int { get }
    var matmulScratchCount: Int { get }
    func matmul(_ x: UnsafePointer<Float>, rows: Int, outputRows: Range<Int>,
                into y: UnsafeMutablePointer<Float>, ldy: Int, scratch: UnsafeMutablePointer<Float>)
    func dot(row: Int, _ x: UnsafePointer<Float>) -> Float
    func dequantizeRow(_ row: Int, into out: UnsafeMutablePointer<Float>)
}

extension HalfMatrix: TableMatrix {}
extension Int8Matrix: TableMatrix {}
