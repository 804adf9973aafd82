import CBLAS

/// AWQ's weight-clipping search, as AutoAWQ runs it after scaling: for every output channel and
/// group, the clip bound shrinks from the group's max |w| over 1, 0.95 … 0.55 of it; each bound
/// clamps the group to [−b, b] before round-to-nearest, and the bound whose quantized group
/// reproduces that group's share of the output (Σ_j x_j w_j over the group) best on the sampled
/// calibration tokens wins. Shrink 0 (no clipping) is a candidate, so no group gets worse.
public enum AWQClipSearch {
    /// w: W [out, in], clamped in place to the chosen bounds. x: the linear's (scaled) inputs.
    /// Returns the summed group-output error after and before clipping.
    @discardableResult
    public static func clip(_ w: inout [Float], outFeatures: Int, inFeatures: Int, groupSize: Int,
                            activations x: Activations, steps: Int = 10, grid: Int = 20,
                            maxTokens: Int = 256) throws(QuantizeError) -> (error: Double, unclipped: Double) {
        try AWQScaleSearch.validate(w, rows: outFeatures, inFeatures: inFeatures, groupSize: groupSize, x)
        let sample = AWQScaleSearch.sampleTokens(x, maxTokens: maxTokens)
        let (o, n, g, t) = (outFeatures, inFeatures, groupSize, sample.tokens)
        let groups = n / g
        // peak [out, groups]: each group's max |w|.
        var peak = [Float](repeating: 0, count: o * groups)
        for r in 0..<o { for k in 0..<groups {
            var m: Float = 0
            for j in 0..<g { m = max(m, abs(w[r * n + k * g + j])) }
            peak[r * groups + k] = m
        } }
        var bestError = [Double](repeating: .infinity, count: o * groups)
        var bestBound = peak
        var unclipped = 0.0
        var difference = [Float](repeating: 0, count: o * n)
        var product = [Float](repeating: 0, count: t * o)
        for step in 0..<steps {
            let shrink = 1 - Float(step) / Float(grid)
            w.withUnsafeBufferPointer { wp in
                difference.withUnsafeMutableBufferPointer { dp in
                    let d = dp.baseAddress!
                    for r in 0..<o { for k in 0..<groups {
                        let b = peak[r * groups + k] * shrink
                        for j in 0..<g { let i = r * n + k * g + j; d[i] = min(max(wp[i], -b), b) }
                    } }
                    RTN.fakeQuantize(d, rows: o, inFeatures: n, groupSize: g)
                    for i in 0..<(o * n) { d[i] = wp[i] - d[i] }
                }
            }
            for k in 0..<groups {
                sample.values.withUnsafeBufferPointer { xv in
                    difference.withUnsafeBufferPointer { dp in
                        product.withUnsafeMutableBufferPointer { e in
                            // [t, o] = X[:, group k] [t, g] · D[:, group k]ᵀ [g, o]
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(t), Int32(o), Int32(g),
                                        1, xv.baseAddress! + k * g, Int32(n), dp.baseAddress! + k * g, Int32(n),
                                        0, e.baseAddress, Int32(o))
                        }
                    }
                }
                var errors = [Double](repeating: 0, count: o)
                product.withUnsafeBufferPointer { e in
                    for tt in 0..<t { for r in 0..<o { let v = Double(e[tt * o + r]); errors[r] += v * v } }
                }
                for r in 0..<o {
                    let err = errors[r] / Double(t)
                    if step == 0 { unclipped += err }
                    if err < bestError[r * groups + k] {
                        bestError[r * groups + k] = err
                        bestBound[r * groups + k] = peak[r * groups + k] * shrink
                    }
                }
            }
        }
        for r in 0..<o { for k in 0..<groups {
            let b = bestBound[r * groups + k]
            for j in 0..<g { let i = r * n + k * g + j; w[i] = min(max(w[i], -b), b) }
        } }
        return (bestError.reduce(0, +), unclipped)
    }
}
