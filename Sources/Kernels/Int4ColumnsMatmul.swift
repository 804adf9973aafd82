import Prefetch

/// y = x · Wᵀ for `Int4Columns` over a range of output columns (a worker's share). Few input
/// rows: a fused product per row that reads each weight once and runs along the outputs;
/// many: expand a tile of columns to float32 and let sgemm do the products.
extension Int4Columns {
    /// Input rows up to this use the fused product (bench/int4 measures the crossover).
    public static let gemvMaxRows = 4
    /// How far ahead, in byte rows, the fused product prefetches its weights. A decode step
    /// reads weights no cache holds, and the product waited on memory: `bench/int4 --stream` went
    /// from 7.6 to 10.2 GB/s on two cores with prefetching (any distance from 4 to 32 did as well);
    /// in the engine, together with the float16 scales read in place, decode gained ~6%.
    static let prefetchRows = 8

    /// Columns per dequantised tile: about 256 K floats (1 MiB, inside a 2 MiB L2). Wide tiles
    /// matter: OpenBLAS packs the whole activation matrix again for every sgemm call, which at
    /// 112 columns a tile was 15% of a prefill.
    var tileColumns: Int { max(16, (262_144 / inFeatures) & ~15) }

    /// Floats of scratch `matmul` needs for any column range.
    public var matmulScratchCount: Int { max(inFeatures * tileColumns + 2 * tileColumns, 2 * outFeatures) }

    /// y[r, o] (row stride ldy) = Σ_i x[r, i] · W[o, i] for o in `columns`; other columns untouched.
    public func matmul(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int,
                       columns: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
        guard rows > 0, !columns.isEmpty else { return }
        if rows <= Self.gemvMaxRows {
            for r in 0..<rows { gemv(x + r * inFeatures, into: y + r * ldy, columns: columns, scratch: scratch) }
            return
        }
        var lo = columns.lowerBound
        while lo < columns.upperBound {
            let hi = min(lo + tileColumns, columns.upperBound), w = hi - lo
            dequantizeTransposed(columns: lo..<hi, into: scratch)                 // [in, w]
            BLAS.gemm(m: rows, n: w, k: inFeatures, a: x, lda: inFeatures, b: scratch, ldb: w, c: y + lo, ldc: ldy)
            lo = hi
        }
    }

    /// y[o] = Σ_g scale[g, o]·(Σ_{i∈g} q[o, i]·x[i]) + offset[g, o]·(Σ_{i∈g} x[i]) for o in columns.
    /// scratch: 2 × columns.count floats.
    func gemv(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, columns: Range<Int>,
              scratch: UnsafeMutablePointer<Float>) {
        switch (halfScales, zeroPoints) {
        case (true, true):
            gemv(x, into: y, columns: columns, scratch: scratch,
                 scales: scales.assumingMemoryBound(to: Float16.self), offsets: offsets.assumingMemoryBound(to: ZeroPoint.self))
        case (true, false):
            gemv(x, into: y, columns: columns, scratch: scratch,
                 scales: scales.assumingMemoryBound(to: Float16.self), offsets: offsets.assumingMemoryBound(to: Float16.self))
        case (false, true):
            gemv(x, into: y, columns: columns, scratch: scratch,
                 scales: scales.assumingMemoryBound(to: Float.self), offsets: offsets.assumingMemoryBound(to: ZeroPoint.self))
        case (false, false):
            gemv(x, into: y, columns: columns, scratch: scratch,
                 scales: scales.assumingMemoryBound(to: Float.self), offsets: offsets.assumingMemoryBound(to: Float.self))
        }
    }

    /// The product with scales and offsets [groups][out] of any encoding, widened as they are read.
    private func gemv<S: StoredScale, M: StoredOffset>(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, columns: Range<Int>,
                                                       scratch: UnsafeMutablePointer<Float>, scales: UnsafePointer<S>, offsets: UnsafePointer<M>) {
        let n = columns.count, lo = columns.lowerBound, out = outFeatures
        let partial = scratch, acc = scratch + n                               // [n], [n]
        acc.initialize(repeating: 0, count: n)
        let pairsPerGroup = groupSize / 2, pairs = inFeatures / 2
        prefetch(rows: 0, min(Self.prefetchRows, pairs), of: values + lo, stride: out, bytes: n)
        for g in 0..<groupCount {
            var sum: Float = 0
            for i in (g * groupSize)..<((g + 1) * groupSize) { sum += x[i] }
            let s = scales + g * out + lo, m = offsets + g * out + lo
            if g + 1 < groupCount {
                prefetch(s + out, bytes: n * MemoryLayout<S>.size)
                prefetch(m + out, bytes: n * MemoryLayout<M>.size)
            }
            // Passes of 4 byte rows (8 inputs); the first writes the partial sums, the last
            // folds them into acc with the group's scale and offset.
            var p = g * pairsPerGroup
            let end = p + pairsPerGroup
            var first = true
            while p < end {
                let rows = min(4, end - p)
                let b = values + p * out + lo
                prefetch(rows: p + Self.prefetchRows, min(p + Self.prefetchRows + rows, pairs), of: values + lo, stride: out, bytes: n)
                // Fewer than 4 rows left (a group of 2 or 6 inputs): the missing rows repeat the
                // first with zero activations.
                let b1 = rows > 1 ? b + out : b, b2 = rows > 2 ? b + 2 * out : b, b3 = rows > 3 ? b + 3 * out : b
                let i = 2 * p
                let xs = (x[i], x[i + 1], rows > 1 ? x[i + 2] : 0, rows > 1 ? x[i + 3] : 0,
                          rows > 2 ? x[i + 4] : 0, rows > 2 ? x[i + 5] : 0, rows > 3 ? x[i + 6] : 0, rows > 3 ? x[i + 7] : 0)
                let last = p + rows >= end
                if first && last {
                    Self.eightInputsOnly(b, b1, b2, b3, xs, acc: acc, scales: s, offsets: m, inputSum: sum, count: n)
                } else if first {
                    Self.eightInputsFirst(b, b1, b2, b3, xs, into: partial, count: n)
                } else if last {
                    Self.eightInputsLast(b, b1, b2, b3, xs, partial: partial, acc: acc, scales: s, offsets: m, inputSum: sum, count: n)
                } else {
                    Self.eightInputs(b, b1, b2, b3, xs, into: partial, count: n)
                }
                first = false
                p += rows
            }
        }
        (y + lo).update(from: acc, count: n)
    }

    typealias Eight = (Float, Float, Float, Float, Float, Float, Float, Float)

    /// start + Σ over 4 byte rows (8 inputs) of q·x at output o. Inlined into loops the compiler
    /// vectorises along o (plain code: written with SIMD types it came out as scalar pieces);
    /// addingProduct makes the multiply-adds fused (18% faster than separate ones).
    @inline(__always)
    static func eight(_ b0: UnsafePointer<UInt8>, _ b1: UnsafePointer<UInt8>, _ b2: UnsafePointer<UInt8>,
                      _ b3: UnsafePointer<UInt8>, _ x: Eight, _ o: Int, adding start: Float = 0) -> Float {
        let u0 = b0[o], u1 = b1[o], u2 = b2[o], u3 = b3[o]
        var a = start.addingProduct(Float(u0 & 15), x.0)
        var c = Float(u2 & 15) * x.4
        a = a.addingProduct(Float(u0 >> 4), x.1); c = c.addingProduct(Float(u2 >> 4), x.5)
        a = a.addingProduct(Float(u1 & 15), x.2); c = c.addingProduct(Float(u3 & 15), x.6)
        a = a.addingProduct(Float(u1 >> 4), x.3); c = c.addingProduct(Float(u3 >> 4), x.7)
        return a + c
    }

    @inline(never)
    static func eightInputsFirst(_ b0: UnsafePointer<UInt8>, _ b1: UnsafePointer<UInt8>, _ b2: UnsafePointer<UInt8>,
                                 _ b3: UnsafePointer<UInt8>, _ x: Eight, into partial: UnsafeMutablePointer<Float>, count n: Int) {
        var o = 0
        while o < n { partial[o] = eight(b0, b1, b2, b3, x, o); o &+= 1 }
    }

    @inline(never)
    static func eightInputs(_ b0: UnsafePointer<UInt8>, _ b1: UnsafePointer<UInt8>, _ b2: UnsafePointer<UInt8>,
                            _ b3: UnsafePointer<UInt8>, _ x: Eight, into partial: UnsafeMutablePointer<Float>, count n: Int) {
        var o = 0
        while o < n { partial[o] = eight(b0, b1, b2, b3, x, o, adding: partial[o]); o &+= 1 }
    }

    /// acc[o] += scale[o]·(partial[o] + these 8 inputs) + offset[o]·inputSum.
    @inline(never)
    static func eightInputsLast<S: StoredScale, M: StoredOffset>(
        _ b0: UnsafePointer<UInt8>, _ b1: UnsafePointer<UInt8>, _ b2: UnsafePointer<UInt8>, _ b3: UnsafePointer<UInt8>, _ x: Eight,
        partial: UnsafePointer<Float>, acc: UnsafeMutablePointer<Float>, scales: UnsafePointer<S>, offsets: UnsafePointer<M>,
        inputSum: Float, count n: Int
    ) {
        var o = 0
        while o < n {
            let s = scales[o].float
            acc[o] = acc[o].addingProduct(s, eight(b0, b1, b2, b3, x, o, adding: partial[o]))
                .addingProduct(offsets[o].offset(scale: s), inputSum)
            o &+= 1
        }
    }

    /// A group of at most 8 inputs: acc[o] += scale[o]·(these inputs) + offset[o]·inputSum.
    @inline(never)
    static func eightInputsOnly<S: StoredScale, M: StoredOffset>(
        _ b0: UnsafePointer<UInt8>, _ b1: UnsafePointer<UInt8>, _ b2: UnsafePointer<UInt8>, _ b3: UnsafePointer<UInt8>, _ x: Eight,
        acc: UnsafeMutablePointer<Float>, scales: UnsafePointer<S>, offsets: UnsafePointer<M>, inputSum: Float, count n: Int
    ) {
        var o = 0
        while o < n {
            let s = scales[o].float
            acc[o] = acc[o].addingProduct(s, eight(b0, b1, b2, b3, x, o)).addingProduct(offsets[o].offset(scale: s), inputSum)
            o &+= 1
        }
    }

    /// tile[i, o − lo] = W[o, i] for o in columns: Wᵀ restricted to the columns, [in, columns.count],
    /// followed by 2 × columns.count floats of scratch.
    public func dequantizeTransposed(columns: Range<Int>, into tile: UnsafeMutablePointer<Float>) {
        let w = columns.count, lo = columns.lowerBound, out = outFeatures
        let widened = tile + inFeatures * w
        for g in 0..<groupCount {
            let (s, m) = groupScales(g, lo, w, scratch: widened)
            for p in (g * groupSize / 2)..<((g + 1) * groupSize / 2) {
                Self.expandPair(values + p * out + lo, scales: s, offsets: m, into: tile + 2 * p * w, tile + (2 * p + 1) * w, count: w)
            }
        }
    }

    @inline(never)
    static func expandPair(_ b: UnsafePointer<UInt8>, scales: UnsafePointer<Float>, offsets: UnsafePointer<Float>,
                           into even: UnsafeMutablePointer<Float>, _ odd: UnsafeMutablePointer<Float>, count n: Int) {
        var o = 0
        while o < n {
            let u = b[o]
            even[o] = Float(u & 15) * scales[o] + offsets[o]
            odd[o] = Float(u >> 4) * scales[o] + offsets[o]
            o &+= 1
        }
    }

    /// out[i] = W[o, i] for one output (an int4 LM head's selected logits).
    public func dequantizeRow(_ o: Int, into out: UnsafeMutablePointer<Float>) {
        for i in 0..<inFeatures {
            let (s, m) = scaleAndOffset(i / groupSize, o)
            out[i] = Float(quant(o, i)) * s + m
        }
    }
}
