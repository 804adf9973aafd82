import CBLAS

/// AWQ's clipping search (AutoAWQ's `_search_best_clip`) with both ends of each group's range
/// searched separately. Per output row and group, the range [min, max] that round-to-nearest
/// would use is moved end by end, in steps of its scale (max − min)/15: inward clips (as
/// AutoAWQ's symmetric shrink does for the larger end), outward gives a coarser grid, which can
/// sit better on weights that already lie on another grid (a GGUF import's Q4_1 blocks, whose
/// float minimum an integer zero point cannot reproduce). As in AutoAWQ, a candidate's loss is
/// the mean over calibration tokens of the group's share of the output error,
/// (Σ_j x_j (w_j − Q(w)_j))² = dᵀ H d with H = XᵀX / tokens over the group's inputs; H is formed
/// once per group, so every token is used at no cost per candidate. The unmoved range is a
/// candidate, so no group gets worse than round-to-nearest.
public enum AWQRangeSearch {
    /// Moves of each end, in steps: positive inward, negative outward.
    public static let moves: [Float] = [-0.5, -0.25, 0, 0.25, 0.5, 1, 2, 3, 4.5, 6]

    public struct Result: Sendable {
        /// (lo, hi) per group [out, in/g, 2], for `RTN.quantize(…, ranges:)`.
        public let ranges: [Float]
        /// Summed group-output error with the chosen ranges, and with plain min/max.
        public let error: Double
        public let roundToNearestError: Double
    }

    /// w: W [out, in]. x: the inputs the linear sees [tokens, in] (already divided by its scales).
    public static func search(_ w: [Float], outFeatures o: Int, inFeatures n: Int, groupSize g: Int,
                              activations x: Activations, moves: [Float] = AWQRangeSearch.moves) throws(QuantizeError) -> Result {
        try AWQScaleSearch.validate(w, rows: o, inFeatures: n, groupSize: g, x)
        let groups = n / g
        let hessians = groupHessians(x, groupSize: g)
        // plain [out, groups, 2]: each group's min and max.
        var plain = [Float](repeating: 0, count: o * groups * 2)
        for r in 0..<o { for k in 0..<groups {
            var lo = w[r * n + k * g], hi = lo
            for j in 1..<g { let v = w[r * n + k * g + j]; lo = min(lo, v); hi = max(hi, v) }
            plain[2 * (r * groups + k)] = lo; plain[2 * (r * groups + k) + 1] = hi
        } }
        var ranges = plain
        var best = [Double](repeating: .infinity, count: o * groups)
        var roundToNearest = 0.0
        var candidate = [Float](repeating: 0, count: o * groups * 2)
        var difference = [Float](repeating: 0, count: o * n)
        var weighted = [Float](repeating: 0, count: o * g)
        var errors = [Double](repeating: 0, count: o * groups)
        // Unmoved first, so ties keep round-to-nearest.
        let pairs = [(Float(0), Float(0))] + moves.flatMap { a in moves.map { b in (a, b) } }.filter { $0 != (0, 0) }
        for (loMove, hiMove) in pairs {
            var valid = false
            for c in 0..<(o * groups) {
                let lo = plain[2 * c], hi = plain[2 * c + 1], step = (hi - lo) / RTN.maxInt
                let a = lo + loMove * step, b = hi - hiMove * step
                candidate[2 * c] = a; candidate[2 * c + 1] = max(b, a)
                valid = valid || b > a
            }
            guard valid else { continue }
            w.withUnsafeBufferPointer { wp in
                difference.withUnsafeMutableBufferPointer { dp in
                    RTN.roundTripError(wp.baseAddress!, rows: o, inFeatures: n, groupSize: g, ranges: candidate, into: dp.baseAddress!)
                }
            }
            groupErrors(difference, rows: o, inFeatures: n, groupSize: g, hessians: hessians,
                        scratch: &weighted, into: &errors)
            let isPlain = loMove == 0 && hiMove == 0
            for c in 0..<(o * groups) where candidate[2 * c + 1] > candidate[2 * c] || isPlain {
                if isPlain { roundToNearest += errors[c] }
                if errors[c] < best[c] {
                    best[c] = errors[c]
                    ranges[2 * c] = candidate[2 * c]; ranges[2 * c + 1] = candidate[2 * c + 1]
                }
            }
        }
        return Result(ranges: ranges, error: best.reduce(0, +), roundToNearestError: roundToNearest)
    }

    /// H_k = X_kᵀ X_k / tokens for every group k of inputs: [groups, g, g].
    static func groupHessians(_ x: Activations, groupSize g: Int) -> [Float] {
        let (t, n) = (x.tokens, x.features)
        var h = [Float](repeating: 0, count: n * g)
        x.values.withUnsafeBufferPointer { xv in
            h.withUnsafeMutableBufferPointer { hp in
                for k in 0..<(n / g) {
                    // [g, g] = X_kᵀ [g, t] · X_k [t, g]
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(g), Int32(g), Int32(t),
                                1 / Float(t), xv.baseAddress! + k * g, Int32(n), xv.baseAddress! + k * g, Int32(n),
                                0, hp.baseAddress! + k * g * g, Int32(g))
                }
            }
        }
        return h
    }

    /// errors[r, k] = d_rkᵀ H_k d_rk for the round-trip error D [rows, in].
    static func groupErrors(_ d: [Float], rows o: Int, inFeatures n: Int, groupSize g: Int, hessians: [Float],
                            scratch: inout [Float], into errors: inout [Double]) {
        let groups = n / g
        d.withUnsafeBufferPointer { dv in
            hessians.withUnsafeBufferPointer { hv in
                scratch.withUnsafeMutableBufferPointer { sv in
                    let dp = dv.baseAddress!, sp = sv.baseAddress!
                    for k in 0..<groups {
                        // [o, g] = D_k [o, g] · H_k [g, g]
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(o), Int32(g), Int32(g),
                                    1, dp + k * g, Int32(n), hv.baseAddress! + k * g * g, Int32(g), 0, sp, Int32(g))
                        for r in 0..<o {
                            var acc = SIMD8<Float>(repeating: 0)
                            var j = 0
                            let a = sp + r * g, b = dp + r * n + k * g
                            while j + 8 <= g {
                                acc += UnsafeRawPointer(a + j).loadUnaligned(as: SIMD8<Float>.self)
                                    * UnsafeRawPointer(b + j).loadUnaligned(as: SIMD8<Float>.self)
                                j += 8
                            }
                            var e = acc.sum()
                            while j < g { e += a[j] * b[j]; j += 1 }
                            errors[r * groups + k] = Double(e)
                        }
                    }
                }
            }
        }
    }
}
