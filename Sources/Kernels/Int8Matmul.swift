import Prefetch

/// y = x · Wᵀ for an `Int8Matrix` over a range of its outputs (a device's or a worker's share of
/// the vocabulary). Few input rows: products along the outputs, reading each weight once; many:
/// expand a tile of columns to float32 and let sgemm do the products.
extension Int8Matrix {
    /// Input rows up to this use the fused product.
    public static let gemvMaxRows = 4
    /// Columns per float32 tile on the sgemm path (256 K floats, kept in L2).
    var tileColumns: Int { max(16, (262_144 / inFeatures) & ~15) }   // as Int4Columns: wide tiles
    /// Floats of scratch `matmul` needs for any output range.
    public var matmulScratchCount: Int { max(tileColumns * inFeatures, 2 * outFeatures) }

    /// y[r, o − outputRows.lowerBound] (row stride ldy) = Σ_i x[r, i] · W[o, i] for o in outputRows.
    public func matmul(_ x: UnsafePointer<Float>, rows: Int, outputRows: Range<Int>,
                       into y: UnsafeMutablePointer<Float>, ldy: Int, scratch: UnsafeMutablePointer<Float>) {
        guard rows > 0, !outputRows.isEmpty else { return }
        if rows <= Self.gemvMaxRows {
            for r in 0..<rows { gemv(x + r * inFeatures, outputs: outputRows, into: y + r * ldy, scratch: scratch) }
            return
        }
        var lo = outputRows.lowerBound
        while lo < outputRows.upperBound {
            let hi = min(lo + tileColumns, outputRows.upperBound), w = hi - lo
            for i in 0..<inFeatures {                                                 // tile [in, w]
                Self.expandRow(values + i * outFeatures + lo, scales: scales + (i / Self.blockWeights) * outFeatures + lo,
                               into: scratch + i * w, count: w)
            }
            BLAS.gemm(m: rows, n: w, k: inFeatures, a: x, lda: inFeatures, b: scratch, ldb: w,
                      c: y + (lo - outputRows.lowerBound), ldc: ldy)
            lo = hi
        }
    }

    /// y[o − lo] = Σ_b scale[b, o]·Σ_{i∈b} q[i, o]·x[i] for o in outputs. scratch: 2 × outputs.count.
    /// Runs over tiles of `TablePrefetch.tile` outputs, so the block's partial sums stay in L1 (a worker's
    /// half of a 49,152-token vocabulary was 96 KB of them, re-read from L2 eight times a block),
    /// and prefetches the rows it reads next: this is a decode step's largest single read.
    func gemv(_ x: UnsafePointer<Float>, outputs: Range<Int>, into y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let out = outFeatures, ahead = TablePrefetch.rows
        let partial = scratch                                                      // [tile]
        var t = 0
        while t < outputs.count {
            let n = min(TablePrefetch.tile, outputs.count - t), lo = outputs.lowerBound + t
            let yt = y + t
            yt.initialize(repeating: 0, count: n)
            prefetch(rows: 0, min(ahead, inFeatures), of: values + lo, stride: out, bytes: n)
            for b in 0..<blockCount {
                partial.initialize(repeating: 0, count: n)
                prefetch(scales + b * out + lo, bytes: 4 * n)
                var i = b * Self.blockWeights
                let end = i + Self.blockWeights
                while i < end {
                    prefetch(rows: i + ahead, min(i + ahead + 4, inFeatures), of: values + lo, stride: out, bytes: n)
                    Self.fourInputs(values + i * out + lo, values + (i + 1) * out + lo, values + (i + 2) * out + lo,
                                    values + (i + 3) * out + lo, into: partial, count: n, x[i], x[i + 1], x[i + 2], x[i + 3])
                    i += 4
                }
                Self.finishBlock(yt, partial, scales: scales + b * out + lo, count: n)
            }
            t += n
        }
    }

    /// partial[o] += q0[o]·x0 + q1[o]·x1 + q2[o]·x2 + q3[o]·x3, vectorised along o.
    @inline(never)
    static func fourInputs(_ q0: UnsafePointer<Int8>, _ q1: UnsafePointer<Int8>, _ q2: UnsafePointer<Int8>, _ q3: UnsafePointer<Int8>,
                           into partial: UnsafeMutablePointer<Float>, count n: Int, _ x0: Float, _ x1: Float, _ x2: Float, _ x3: Float) {
        var o = 0
        while o < n {
            partial[o] = partial[o].addingProduct(Float(q0[o]), x0).addingProduct(Float(q1[o]), x1)
                .addingProduct(Float(q2[o]), x2).addingProduct(Float(q3[o]), x3)
            o &+= 1
        }
    }

    @inline(never)
    static func finishBlock(_ acc: UnsafeMutablePointer<Float>, _ partial: UnsafePointer<Float>, scales: UnsafePointer<Float>, count n: Int) {
        var o = 0
        while o < n {
            acc[o] = acc[o].addingProduct(scales[o], partial[o])
            o &+= 1
        }
    }

    @inline(never)
    static func expandRow(_ q: UnsafePointer<Int8>, scales: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count n: Int) {
        var o = 0
        while o < n {
            out[o] = Float(q[o]) * scales[o]
            o &+= 1
        }
    }

    /// Σ_i W[row, i] · x[i] for one output (the few logits a choice reads).
    public func dot(row: Int, _ x: UnsafePointer<Float>) -> Float {
        var total: Float = 0
        for b in 0..<blockCount {
            var s: Float = 0
            for i in (b * Self.blockWeights)..<((b + 1) * Self.blockWeights) { s += Float(values[i * outFeatures + row]) * x[i] }
            total += scales[b * outFeatures + row] * s
        }
        return total
    }
}
