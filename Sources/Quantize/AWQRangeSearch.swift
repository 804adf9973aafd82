import CBLAS

/// AWQ's clipping search (AutoAWQ's `_search_best_clip`) with both ends of each group's range
/// searched separately. Per output row and group, the range [min, max] that round-to-nearest
/// would use is moved end by end, in steps of its scale (max − min)/15: inward clips (as
/// AutoAWQ's symmetric shrink does for the larger end), outward gives a coarser grid, which can
/// sit better on weights that already lie on another grid (a GGUF import's Q4_1 blocks, whose
/// float minimum an integer zero point cannot reproduce).
///
/// Pass 1 scores each group alone with AutoAWQ's loss, the mean over calibration tokens of the
/// group's share of the output error, (Σ_j x_j (w_j − Q(w)_j))² = d_kᵀ H_kk d_k, H = XᵀX / tokens
/// (formed once, so every token counts at no cost per candidate). Pass 2 adds what pass 1
/// leaves out: errors of different groups of a row add up in the output (inputs have nonzero
/// means), so each group in turn takes the candidate minimising the row's whole output error
/// dᵀ H d given the other groups' choices (coordinate descent, which never raises it). If the
/// result still lost to plain round-to-nearest, the plain ranges are kept.
public enum AWQRangeSearch {
    /// Moves of each end, in steps: positive inward, negative outward.
    public static let moves: [Float] = [-0.5, -0.25, 0, 0.25, 0.5, 1, 2, 3, 4.5, 6]

    public struct Result: Sendable {
        /// (lo, hi) per group [out, in/g, 2], for `RTN.quantize(…, ranges:)`.
        public let ranges: [Float]
        /// The linear's output error Σ_r d_rᵀ H d_r (mean over tokens of the squared output
        /// difference, summed over outputs) with the chosen ranges, and with plain min/max.
        public let error: Double
        public let roundToNearestError: Double
    }

    /// w: W [out, in]. x: the inputs the linear sees [tokens, in] (already divided by its scales).
    public static func search(_ w: [Float], outFeatures o: Int, inFeatures n: Int, groupSize g: Int,
                              activations x: Activations, moves: [Float] = AWQRangeSearch.moves,
                              sweeps: Int = 1) throws(QuantizeError) -> Result {
        try AWQScaleSearch.validate(w, rows: o, inFeatures: n, groupSize: g, x)
        let groups = n / g, cells = o * groups
        let hessian = fullHessian(x)
        // blocks [groups, g, g]: H_kk.
        var blocks = [Float](repeating: 0, count: n * g)
        for k in 0..<groups { for a in 0..<g { for b in 0..<g {
            blocks[(k * g + a) * g + b] = hessian[(k * g + a) * n + k * g + b]
        } } }
        // plain [out, groups, 2]: each group's min and max.
        var plain = [Float](repeating: 0, count: cells * 2)
        for r in 0..<o { for k in 0..<groups {
            var lo = w[r * n + k * g], hi = lo
            for j in 1..<g { let v = w[r * n + k * g + j]; lo = min(lo, v); hi = max(hi, v) }
            plain[2 * (r * groups + k)] = lo; plain[2 * (r * groups + k) + 1] = hi
        } }
        // candidates [pairs, out, groups, 2]; the unmoved range comes first, so ties keep it.
        let pairs = [(Float(0), Float(0))] + moves.flatMap { a in moves.map { b in (a, b) } }.filter { $0 != (0, 0) }
        var candidates = [Float](repeating: 0, count: pairs.count * cells * 2)
        var valid = [Bool](repeating: false, count: pairs.count * cells)
        for (p, (loMove, hiMove)) in pairs.enumerated() {
            for c in 0..<cells {
                let lo = plain[2 * c], hi = plain[2 * c + 1], step = (hi - lo) / RTN.maxInt
                let a = lo + loMove * step, b = hi - hiMove * step
                candidates[2 * (p * cells + c)] = a; candidates[2 * (p * cells + c) + 1] = max(a, b)
                valid[p * cells + c] = p == 0 || b > a
            }
        }

        // Pass 1: quadratic [pairs, out, groups] = d_kᵀ H_kk d_k.
        var quadratic = [Float](repeating: .infinity, count: pairs.count * cells)
        var choice = [Int](repeating: 0, count: cells)
        var difference = [Float](repeating: 0, count: o * n)
        var weighted = [Float](repeating: 0, count: o * g)
        var errors = [Double](repeating: 0, count: cells)
        for p in 0..<pairs.count {
            let range = Array(candidates[(2 * p * cells)..<(2 * (p + 1) * cells)])
            roundTrip(w, o, n, g, range, into: &difference)
            groupErrors(difference, rows: o, inFeatures: n, groupSize: g, hessians: blocks, scratch: &weighted, into: &errors)
            for c in 0..<cells where valid[p * cells + c] {
                quadratic[p * cells + c] = Float(errors[c])
                if quadratic[p * cells + c] < quadratic[choice[c] * cells + c] { choice[c] = p }
            }
        }

        // Pass 2: for group k of row r, the row's error changes by
        // d_kᵀ H_kk d_k + 2 d_kᵀ ((H d)_k − H_kk d_k) when d_k is chosen, the rest held.
        var d = [Float](repeating: 0, count: o * n)
        roundTrip(w, o, n, g, chosenRanges(choice, candidates, cells), into: &d)
        var product = multiply(d, rows: o, hessian, n)
        var current = [Float](repeating: 0, count: o * g), own = [Float](repeating: 0, count: o * g)
        var cross = [Float](repeating: 0, count: o * g), trial = [Float](repeating: 0, count: g)
        var chosen = [Float](repeating: 0, count: o * g), delta = [Float](repeating: 0, count: o * g)
        for _ in 0..<sweeps {
            for k in 0..<groups {
                for r in 0..<o { for j in 0..<g { current[r * g + j] = d[r * n + k * g + j] } }
                multiplyBlock(current, rows: o, blocks, k: k, g: g, into: &own)
                for r in 0..<o { for j in 0..<g { cross[r * g + j] = product[r * n + k * g + j] - own[r * g + j] } }
                chosen = current
                chosen.withUnsafeMutableBufferPointer { chv in
                let chp = chv.baseAddress!
                w.withUnsafeBufferPointer { wv in
                    cross.withUnsafeBufferPointer { xv in
                        trial.withUnsafeMutableBufferPointer { tv in
                            let wp = wv.baseAddress!, cp = xv.baseAddress!, tp = tv.baseAddress!
                            for r in 0..<o {
                                let c = r * groups + k
                                var best = Float.infinity, bestPair = choice[c]
                                for p in 0..<pairs.count where valid[p * cells + c] {
                                    let (scale, zero) = RTN.scaleAndZero(lo: candidates[2 * (p * cells + c)],
                                                                        hi: candidates[2 * (p * cells + c) + 1])
                                    var acc = SIMD8<Float>(repeating: 0), j = 0
                                    while j + 8 <= g {
                                        let e = RTN.roundTripError(UnsafeRawPointer(wp + r * n + k * g + j).loadUnaligned(as: SIMD8<Float>.self),
                                                                   scale: scale, zero: zero)
                                        UnsafeMutableRawPointer(tp + j).storeBytes(of: e, as: SIMD8<Float>.self)
                                        acc += e * UnsafeRawPointer(cp + r * g + j).loadUnaligned(as: SIMD8<Float>.self)
                                        j += 8
                                    }
                                    var linear = acc.sum()
                                    while j < g {
                                        let v = wp[r * n + k * g + j]
                                        let e = v - (RTN.level(v, scale: scale, zero: zero) - zero) * scale
                                        tp[j] = e
                                        linear += e * cp[r * g + j]
                                        j += 1
                                    }
                                    let total = quadratic[p * cells + c] + 2 * linear
                                    if total < best {
                                        best = total; bestPair = p
                                        (chp + r * g).update(from: tp, count: g)
                                    }
                                }
                                choice[c] = bestPair
                            }
                        }
                    }
                }
                }
                for r in 0..<o { for j in 0..<g {
                    delta[r * g + j] = chosen[r * g + j] - current[r * g + j]
                    d[r * n + k * g + j] = chosen[r * g + j]
                } }
                addBlockRows(delta, rows: o, hessian, n, k: k, g: g, into: &product)
            }
        }
        var plainDifference = [Float](repeating: 0, count: o * n)
        roundTrip(w, o, n, g, plain, into: &plainDifference)
        let plainError = outputError(plainDifference, rows: o, hessian, n)
        let error = outputError(d, rows: o, hessian, n)
        // Pass 1 minimised a different loss, so pass 2 may have started above round-to-nearest.
        if error > plainError { return Result(ranges: plain, error: plainError, roundToNearestError: plainError) }
        return Result(ranges: chosenRanges(choice, candidates, cells), error: error, roundToNearestError: plainError)
    }

    static func chosenRanges(_ choice: [Int], _ candidates: [Float], _ cells: Int) -> [Float] {
        var r = [Float](repeating: 0, count: cells * 2)
        for c in 0..<cells {
            r[2 * c] = candidates[2 * (choice[c] * cells + c)]; r[2 * c + 1] = candidates[2 * (choice[c] * cells + c) + 1]
        }
        return r
    }

    static func roundTrip(_ w: [Float], _ o: Int, _ n: Int, _ g: Int, _ ranges: [Float], into d: inout [Float]) {
        w.withUnsafeBufferPointer { wp in
            d.withUnsafeMutableBufferPointer { dp in
                RTN.roundTripError(wp.baseAddress!, rows: o, inFeatures: n, groupSize: g, ranges: ranges, into: dp.baseAddress!)
            }
        }
    }

    /// H = XᵀX / tokens [in, in].
    static func fullHessian(_ x: Activations) -> [Float] {
        let (t, n) = (x.tokens, x.features)
        var h = [Float](repeating: 0, count: n * n)
        x.values.withUnsafeBufferPointer { xv in
            h.withUnsafeMutableBufferPointer { hp in
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(n), Int32(n), Int32(t),
                            1 / Float(t), xv.baseAddress, Int32(n), xv.baseAddress, Int32(n), 0, hp.baseAddress, Int32(n))
            }
        }
        return h
    }

    /// [rows, n] = D [rows, n] · H [n, n].
    static func multiply(_ d: [Float], rows: Int, _ h: [Float], _ n: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows * n)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(n), Int32(n),
                    1, d, Int32(n), h, Int32(n), 0, &out, Int32(n))
        return out
    }

    /// out [rows, g] = S [rows, g] · H_kk [g, g].
    static func multiplyBlock(_ s: [Float], rows: Int, _ blocks: [Float], k: Int, g: Int, into out: inout [Float]) {
        blocks.withUnsafeBufferPointer { b in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(g), Int32(g),
                        1, s, Int32(g), b.baseAddress! + k * g * g, Int32(g), 0, &out, Int32(g))
        }
    }

    /// product [rows, n] += Δ [rows, g] · H[group k's rows, :] [g, n].
    static func addBlockRows(_ delta: [Float], rows: Int, _ h: [Float], _ n: Int, k: Int, g: Int, into product: inout [Float]) {
        h.withUnsafeBufferPointer { hp in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(n), Int32(g),
                        1, delta, Int32(g), hp.baseAddress! + k * g * n, Int32(n), 1, &product, Int32(n))
        }
    }

    /// Σ_r d_rᵀ H d_r.
    static func outputError(_ d: [Float], rows: Int, _ h: [Float], _ n: Int) -> Double {
        let p = multiply(d, rows: rows, h, n)
        var total = 0.0
        for i in 0..<(rows * n) { total += Double(p[i]) * Double(d[i]) }
        return total
    }

    /// errors[r, k] = d_rkᵀ H_kk d_rk for the round-trip error D [rows, in].
    static func groupErrors(_ d: [Float], rows o: Int, inFeatures n: Int, groupSize g: Int, hessians: [Float],
                            scratch: inout [Float], into errors: inout [Double]) {
        let groups = n / g
        d.withUnsafeBufferPointer { dv in
            hessians.withUnsafeBufferPointer { hv in
                scratch.withUnsafeMutableBufferPointer { sv in
                    let dp = dv.baseAddress!, sp = sv.baseAddress!
                    for k in 0..<groups {
                        // [o, g] = D_k [o, g] · H_kk [g, g]
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
