/// Scores of a row's choices turned into what the choose cell reports.
public struct ChoiceOutcome: Sendable, Equatable {
    /// One per choice, in the choices' order.
    public var scores: [Double]
    /// softmax(scores): sums to 1.
    public var probabilities: [Double]
    /// The first choice with the highest score.
    public var predictionIndex: Int
    /// True when the row was scored over full continuations although next_token was asked
    /// for (multi-token or colliding first tokens).
    public var scoredAsContinuations: Bool

    public init(scores: [Double], scoredAsContinuations: Bool = false) {
        self.scores = scores
        self.scoredAsContinuations = scoredAsContinuations
        probabilities = Self.softmax(scores)
        var best = 0
        for i in scores.indices where scores[i] > scores[best] { best = i }
        predictionIndex = best
    }

    /// exp(s - max) / Σ exp(s - max), in Double so that the sum is 1 to ~1e-15.
    public static func softmax(_ s: [Double]) -> [Double] {
        guard let m = s.max(), m.isFinite else {
            // All -inf (or empty): no evidence, so uniform.
            return s.isEmpty ? [] : Array(repeating: 1 / Double(s.count), count: s.count)
        }
        let e = s.map { ($0 - m).isNaN ? 0 : _exp($0 - m) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }
}

/// Foundation-free exp for Double.
@inline(__always) func _exp(_ x: Double) -> Double {
    #if canImport(Glibc)
    return Glibc.exp(x)
    #else
    return Darwin.exp(x)
    #endif
}
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
