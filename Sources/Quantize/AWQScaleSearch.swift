import Foundation
import CBLAS

/// Calibration activations feeding one group of linears: X [tokens, features], row-major.
public struct Activations: Sendable {
    public var values: [Float]
    public let tokens: Int
    public let features: Int
    public init(values: [Float], tokens: Int, features: Int) {
        self.values = values; self.tokens = tokens; self.features = features
    }
}

/// The outcome of AWQ's per-input-channel scale search for linears sharing one input.
public struct ScaleSearchResult: Sendable {
    /// s [in]: the linears become Q(W · diag(s)) and the op producing their input is divided by s.
    public let scales: [Float]
    /// The exponent α chosen; nil when no scaling beat plain round-to-nearest.
    public let ratio: Float?
    /// Mean squared output error on the calibration tokens with the chosen scales…
    public let error: Double
    /// …and with plain round-to-nearest (s = 1).
    public let roundToNearestError: Double
}

/// The activation-aware scale search of AWQ (Lin et al., 2023) as AutoAWQ runs it: for α on a
/// grid over [0, 1), s = x̄^α / (w̄^(1−α) + 1e-4) normalised by √(max·min), where x̄ is the mean
/// |activation| per input channel and w̄ the mean group-normalised |weight|; keep the α whose
/// quantized linears reproduce the calibration outputs best. By default the error is measured on
/// the linears' own outputs; `AWQLayer` passes a block loss (the whole MLP for gate/up, as
/// AutoAWQ's `module2inspect`). s = 1 stays a candidate, so the result is never worse than
/// round-to-nearest on the calibration data.
public enum AWQScaleSearch {
    /// weights: the linears' W [out_k, in] stacked row-wise into [rows, in].
    public static func search(stackedWeights w: [Float], rows: Int, inFeatures: Int, groupSize: Int,
                              activations x: Activations, grid: Int = 20,
                              maxTokens: Int = 512) throws(QuantizeError) -> ScaleSearchResult {
        try validate(w, rows: rows, inFeatures: inFeatures, groupSize: groupSize, x)
        var loss = LinearOutputLoss(weights: w, rows: rows, inFeatures: inFeatures, x: sampleTokens(x, maxTokens: maxTokens))
        return try search(stackedWeights: w, rows: rows, inFeatures: inFeatures, groupSize: groupSize,
                          activations: x, grid: grid, loss: &loss)
    }

    static func validate(_ w: [Float], rows: Int, inFeatures: Int, groupSize: Int, _ x: Activations) throws(QuantizeError) {
        guard w.count == rows * inFeatures, x.features == inFeatures, x.values.count == x.tokens * inFeatures,
              x.tokens > 0 else {
            throw .badShape("activations [\(x.tokens), \(x.features)] do not feed weights [\(rows), \(inFeatures)]")
        }
        guard groupSize > 0, inFeatures % groupSize == 0 else {
            throw .badShape("group size \(groupSize) does not divide in_features \(inFeatures)")
        }
    }

    /// x gives the activation statistics (all tokens); the loss scores candidates.
    static func search<L: AWQBlockLoss>(stackedWeights w: [Float], rows: Int, inFeatures: Int, groupSize: Int,
                                        activations x: Activations, grid: Int,
                                        loss: inout L) throws(QuantizeError) -> ScaleSearchResult {
        try validate(w, rows: rows, inFeatures: inFeatures, groupSize: groupSize, x)
        let xMean = meanAbsolutePerChannel(x)
        let wMean = meanGroupNormalisedMagnitude(w, rows: rows, inFeatures: inFeatures, groupSize: groupSize)
        var candidate = [Float](repeating: 0, count: rows * inFeatures)
        func score(_ s: [Float]) -> Double {
            candidate.withUnsafeMutableBufferPointer { c in
                let cp = c.baseAddress!
                w.withUnsafeBufferPointer { wp in
                    for r in 0..<rows { for i in 0..<inFeatures { cp[r * inFeatures + i] = wp[r * inFeatures + i] * s[i] } }
                }
                RTN.fakeQuantize(cp, rows: rows, inFeatures: inFeatures, groupSize: groupSize)
                for r in 0..<rows { for i in 0..<inFeatures { cp[r * inFeatures + i] /= s[i] } }
                return loss.error(candidate: cp)
            }
        }

        let identity = [Float](repeating: 1, count: inFeatures)
        let baseline = score(identity)
        var best = (scales: identity, ratio: Float?.none, error: baseline)
        for step in 0..<grid {
            let ratio = Float(step) / Float(grid)
            var s = [Float](repeating: 1, count: inFeatures)
            for i in 0..<inFeatures {
                let v = powf(xMean[i], ratio) / (powf(wMean[i], 1 - ratio) + 1e-4)
                s[i] = max(v, 1e-4)
            }
            let lo = s.min() ?? 1, hi = s.max() ?? 1
            let norm = (lo * hi).squareRoot()
            for i in 0..<inFeatures {
                let v = s[i] / norm
                s[i] = v.isFinite && v > 0 ? v : 1
            }
            let e = score(s)
            if e < best.error { best = (s, ratio, e) }
        }
        return ScaleSearchResult(scales: best.scales, ratio: best.ratio, error: best.error, roundToNearestError: baseline)
    }

    static func meanAbsolutePerChannel(_ x: Activations) -> [Float] {
        var sums = [Double](repeating: 0, count: x.features)
        x.values.withUnsafeBufferPointer { v in
            for t in 0..<x.tokens {
                let row = v.baseAddress! + t * x.features
                for i in 0..<x.features { sums[i] += Double(abs(row[i])) }
            }
        }
        return sums.map { Float($0 / Double(x.tokens)) }
    }

    /// w̄[i] = mean over rows of |W[r, i]| / (max |W[r, group(i)]| + 1e-6).
    static func meanGroupNormalisedMagnitude(_ w: [Float], rows: Int, inFeatures: Int, groupSize: Int) -> [Float] {
        var sums = [Double](repeating: 0, count: inFeatures)
        w.withUnsafeBufferPointer { p in
            for r in 0..<rows {
                var g = 0
                while g < inFeatures {
                    let row = p.baseAddress! + r * inFeatures + g
                    var peak: Float = 0
                    for j in 0..<groupSize { peak = max(peak, abs(row[j])) }
                    for j in 0..<groupSize { sums[g + j] += Double(abs(row[j]) / (peak + 1e-6)) }
                    g += groupSize
                }
            }
        }
        return sums.map { Float($0 / Double(rows)) }
    }

    /// Evenly spaced tokens, at most maxTokens of them.
    static func sampleTokens(_ x: Activations, maxTokens: Int) -> Activations {
        guard x.tokens > maxTokens, maxTokens > 0 else { return x }
        var values = [Float](); values.reserveCapacity(maxTokens * x.features)
        for k in 0..<maxTokens {
            let t = k * x.tokens / maxTokens
            values.append(contentsOf: x.values[(t * x.features)..<((t + 1) * x.features)])
        }
        return Activations(values: values, tokens: maxTokens, features: x.features)
    }
}

