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
/// quantized linears reproduce the calibration outputs best. The error is measured on the
/// linears' own outputs (AutoAWQ measures the enclosing attention or MLP block), and s = 1 stays
/// a candidate, so the result is never worse than round-to-nearest on the calibration data.
public enum AWQScaleSearch {
    /// weights: the linears' W [out_k, in] stacked row-wise into [rows, in].
    public static func search(stackedWeights w: [Float], rows: Int, inFeatures: Int, groupSize: Int,
                              activations x: Activations, grid: Int = 20,
                              maxTokens: Int = 512) throws(QuantizeError) -> ScaleSearchResult {
        guard w.count == rows * inFeatures, x.features == inFeatures, x.values.count == x.tokens * inFeatures,
              x.tokens > 0 else {
            throw .badShape("activations [\(x.tokens), \(x.features)] do not feed weights [\(rows), \(inFeatures)]")
        }
        guard groupSize > 0, inFeatures % groupSize == 0 else {
            throw .badShape("group size \(groupSize) does not divide in_features \(inFeatures)")
        }
        let xMean = meanAbsolutePerChannel(x)
        let wMean = meanGroupNormalisedMagnitude(w, rows: rows, inFeatures: inFeatures, groupSize: groupSize)
        let sample = sampleTokens(x, maxTokens: maxTokens)
        var evaluator = ErrorEvaluator(weights: w, rows: rows, inFeatures: inFeatures, groupSize: groupSize, x: sample)

        let identity = [Float](repeating: 1, count: inFeatures)
        let baseline = evaluator.error(scales: identity)
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
            let e = evaluator.error(scales: s)
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

/// ‖X (W − Q(W·diag(s))/s)ᵀ‖² / (tokens · rows): one sgemm per candidate, scratch reused.
struct ErrorEvaluator {
    let weights: [Float], rows: Int, inFeatures: Int, groupSize: Int, x: Activations
    var difference: [Float]
    var product: [Float]

    init(weights: [Float], rows: Int, inFeatures: Int, groupSize: Int, x: Activations) {
        self.weights = weights; self.rows = rows; self.inFeatures = inFeatures; self.groupSize = groupSize; self.x = x
        difference = [Float](repeating: 0, count: rows * inFeatures)
        product = [Float](repeating: 0, count: x.tokens * rows)
    }

    mutating func error(scales s: [Float]) -> Double {
        let (rows, n, g, tokens) = (self.rows, inFeatures, groupSize, x.tokens)
        weights.withUnsafeBufferPointer { w in
            difference.withUnsafeMutableBufferPointer { d in
                let dp = d.baseAddress!
                for r in 0..<rows { for i in 0..<n { dp[r * n + i] = w[r * n + i] * s[i] } }
                RTN.fakeQuantize(dp, rows: rows, inFeatures: n, groupSize: g)
                for r in 0..<rows { for i in 0..<n { dp[r * n + i] = w[r * n + i] - dp[r * n + i] / s[i] } }
            }
        }
        x.values.withUnsafeBufferPointer { xv in
            difference.withUnsafeBufferPointer { d in
                product.withUnsafeMutableBufferPointer { e in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(tokens), Int32(rows), Int32(n),
                                1, xv.baseAddress, Int32(n), d.baseAddress, Int32(n), 0, e.baseAddress, Int32(rows))
                }
            }
        }
        var sum = 0.0
        for v in product { sum += Double(v * v) }
        return sum / Double(tokens * rows)
    }
}
