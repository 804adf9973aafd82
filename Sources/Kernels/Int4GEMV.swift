/// The fused int4 GEMV: nibbles are expanded in registers and never stored.
///
/// With z and s per (group, column): y[o] = Σ_g s·(Σ_{i∈g} x[i]·q[o,i] − z·Σ_{i∈g} x[i]),
/// so the inner loop is one multiply-add per weight and the zero point costs one per group.
extension Int4Matrix {
    func gemv(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, columns: Range<Int>) {
        guard rows > 0, !columns.isEmpty else { return }
        let groups = groupCount
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * groups) { sums in
            guard let groupSums = sums.baseAddress else { return }
            var row = 0
            while row < rows {
                let n = min(4, rows - row)
                let xr = x + row * inFeatures, yr = y + row * outFeatures
                for r in 0..<n {
                    for g in 0..<groups {
                        var s: Float = 0
                        let p = xr + r * inFeatures + g * groupSize
                        for i in 0..<groupSize { s += p[i] }
                        groupSums[r * groups + g] = s
                    }
                }
                switch n {
                case 1: gemvOneRow(xr, groupSums: groupSums, into: yr, columns: columns)
                case 2: gemvRows(TwoRows.self, xr, groupSums: groupSums, into: yr, columns: columns)
                case 3: gemvRows(ThreeRows.self, xr, groupSums: groupSums, into: yr, columns: columns)
                default: gemvRows(FourRows.self, xr, groupSums: groupSums, into: yr, columns: columns)
                }
                row += n
            }
        }
    }

    /// Writes the lanes of an 8-column block that fall inside `columns`.
    @inline(__always)
    func store(_ v: SIMD8<Float>, block b: Int, into y: UnsafeMutablePointer<Float>, columns: Range<Int>) {
        let first = b * 8
        if first >= columns.lowerBound && first + 8 <= columns.upperBound {
            UnsafeMutableRawPointer(y + first).storeBytes(of: v, as: SIMD8<Float>.self)
        } else {
            for lane in 0..<8 where columns.contains(first + lane) { y[first + lane] = v[lane] }
        }
    }

    private func gemvOneRow(_ x: UnsafePointer<Float>, groupSums: UnsafePointer<Float>,
                            into y: UnsafeMutablePointer<Float>, columns: Range<Int>) {
        let words = UnsafeRawPointer(self.words), scales = UnsafeRawPointer(self.scales)
        let zeros = UnsafeRawPointer(self.zeros)
        let groups = groupCount, wordsPerGroup = groupSize / 8
        let mask = SIMD8<UInt32>(repeating: 15)
        for b in (columns.lowerBound / 8)..<((columns.upperBound + 7) / 8) {
            var out = SIMD8<Float>()
            let blockWords = words + b * inFeatures * 4
            for g in 0..<groups {
                // Four accumulators break the multiply-add dependency chain.
                var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                var k = g * wordsPerGroup
                let end = k + wordsPerGroup
                while k < end {
                    let v = (blockWords + k * 32).loadUnaligned(as: SIMD8<UInt32>.self)
                    let xp = x + k * 8
                    a0 += SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: v & mask)) * xp[0]
                    a1 += SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: (v &>> 4) & mask)) * xp[1]
                    a2 += SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: (v &>> 8) & mask)) * xp[2]
                    a3 += SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: (v &>> 12) & mask)) * xp[3]
                    a0 += SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: (v &>> 16) & mask)) * xp[4]
                    a1 += SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: (v &>> 20) & mask)) * xp[5]
                    a2 += SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: (v &>> 24) & mask)) * xp[6]
                    a3 += SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: v &>> 28)) * xp[7]
                    k += 1
                }
                let at = (b * groups + g) * 32
                let s = (scales + at).loadUnaligned(as: SIMD8<Float>.self)
                let z = (zeros + at).loadUnaligned(as: SIMD8<Float>.self)
                out += s * ((a0 + a1) + (a2 + a3) - z * groupSums[g])
            }
            store(out, block: b, into: y, columns: columns)
        }
    }

    /// Two to four rows share each expanded nibble vector. Specialised per row count, so the
    /// branches on `count` fold away and no work is spent on absent rows.
    private func gemvRows<R: GEMVRowCount>(_: R.Type, _ x: UnsafePointer<Float>, groupSums: UnsafePointer<Float>,
                                           into y: UnsafeMutablePointer<Float>, columns: Range<Int>) {
        let count = R.count
        let words = UnsafeRawPointer(self.words), scales = UnsafeRawPointer(self.scales)
        let zeros = UnsafeRawPointer(self.zeros)
        let groups = groupCount, wordsPerGroup = groupSize / 8, n = inFeatures
        let x0 = x, x1 = x + (count > 1 ? n : 0), x2 = x + (count > 2 ? 2 * n : 0), x3 = x + (count > 3 ? 3 * n : 0)
        let g1 = count > 1 ? groups : 0, g2 = count > 2 ? 2 * groups : 0, g3 = count > 3 ? 3 * groups : 0
        let mask = SIMD8<UInt32>(repeating: 15)
        for b in (columns.lowerBound / 8)..<((columns.upperBound + 7) / 8) {
            var o0 = SIMD8<Float>(), o1 = SIMD8<Float>(), o2 = SIMD8<Float>(), o3 = SIMD8<Float>()
            let blockWords = words + b * inFeatures * 4
            for g in 0..<groups {
                var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                var k = g * wordsPerGroup
                let end = k + wordsPerGroup
                while k < end {
                    let v = (blockWords + k * 32).loadUnaligned(as: SIMD8<UInt32>.self)
                    let i = k * 8
                    for t in 0..<8 {
                        let q = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: (v &>> UInt32(4 * t)) & mask))
                        if count == 2 && t & 1 == 1 {
                            // Two rows alone would be two long dependency chains: split them.
                            a2 += q * x0[i + t]
                            a3 += q * x1[i + t]
                            continue
                        }
                        a0 += q * x0[i + t]
                        a1 += q * x1[i + t]
                        if count > 2 { a2 += q * x2[i + t] }
                        if count > 3 { a3 += q * x3[i + t] }
                    }
                    k += 1
                }
                let at = (b * groups + g) * 32
                let s = (scales + at).loadUnaligned(as: SIMD8<Float>.self)
                let z = (zeros + at).loadUnaligned(as: SIMD8<Float>.self)
                if count == 2 { a0 += a2; a1 += a3 }
                o0 += s * (a0 - z * groupSums[g])
                o1 += s * (a1 - z * groupSums[g1 + g])
                if count > 2 { o2 += s * (a2 - z * groupSums[g2 + g]) }
                if count > 3 { o3 += s * (a3 - z * groupSums[g3 + g]) }
            }
            store(o0, block: b, into: y, columns: columns)
            store(o1, block: b, into: y + outFeatures, columns: columns)
            if count > 2 { store(o2, block: b, into: y + 2 * outFeatures, columns: columns) }
            if count > 3 { store(o3, block: b, into: y + 3 * outFeatures, columns: columns) }
        }
    }
}

protocol GEMVRowCount { static var count: Int { get } }
enum TwoRows: GEMVRowCount { static var count: Int { 2 } }
enum ThreeRows: GEMVRowCount { static var count: Int { 3 } }
enum FourRows: GEMVRowCount { static var count: Int { 4 } }
