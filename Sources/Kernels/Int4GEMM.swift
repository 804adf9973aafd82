import CBLAS

/// Many rows: expand a tile of W into floats once, then let OpenBLAS's sgemm do the products.
extension Int4Matrix {
    func gemm(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>,
              columns: Range<Int>, tile: UnsafeMutablePointer<Float>) {
        guard rows > 0, !columns.isEmpty else { return }
        let width = tileColumns
        var start = columns.lowerBound & ~7  // tiles begin on 8-column blocks
        while start < columns.upperBound {
            let blockEnd = min(start + width, (columns.upperBound + 7) & ~7)
            // tile: [in, blockEnd - start], row-major, = Wᵀ restricted to those columns.
            let ld = blockEnd - start
            dequantizeTransposed(columns: start..<blockEnd, into: tile, leadingDimension: ld)
            let lo = max(start, columns.lowerBound), hi = min(blockEnd, columns.upperBound)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                        Int32(rows), Int32(hi - lo), Int32(inFeatures),
                        1, x, Int32(inFeatures),
                        tile + (lo - start), Int32(ld),
                        0, y + lo, Int32(outFeatures))
            start = blockEnd
        }
    }

    /// Writes Wᵀ[i, c - columns.lowerBound] = (q - z) · s for c in `columns` (8-aligned).
    func dequantizeTransposed(columns: Range<Int>, into tile: UnsafeMutablePointer<Float>, leadingDimension ld: Int) {
        let words = UnsafeRawPointer(self.words), scales = UnsafeRawPointer(self.scales)
        let zeros = UnsafeRawPointer(self.zeros)
        let groups = groupCount, wordsPerGroup = groupSize / 8
        let mask = SIMD8<UInt32>(repeating: 15)
        for b in (columns.lowerBound / 8)..<(columns.upperBound / 8) {
            let blockWords = words + b * inFeatures * 4
            let out = UnsafeMutableRawPointer(tile + (b * 8 - columns.lowerBound))
            for g in 0..<groups {
                let at = (b * groups + g) * 32
                let s = (scales + at).loadUnaligned(as: SIMD8<Float>.self)
                let z = (zeros + at).loadUnaligned(as: SIMD8<Float>.self)
                for k in (g * wordsPerGroup)..<((g + 1) * wordsPerGroup) {
                    let v = (blockWords + k * 32).loadUnaligned(as: SIMD8<UInt32>.self)
                    for t in 0..<8 {
                        let q = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: (v &>> UInt32(4 * t)) & mask))
                        out.storeBytes(of: (q - z) * s, toByteOffset: ((k * 8 + t) * ld) * 4, as: SIMD8<Float>.self)
                    }
                }
            }
        }
    }
}
