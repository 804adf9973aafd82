/// How the next token is picked from a row of logits.
public struct SamplingSettings: Sendable, Equatable {
    /// 0 (or less) means greedy.
    public var temperature: Double = 0
    /// Keep the smallest set of most likely tokens whose probability reaches top_p (1 = all).
    public var topP: Double = 1
    /// Keep the k most likely tokens (0 = all).
    public var topK: Int = 0
    public var seed: UInt64 = 0
    public init(temperature: Double = 0, topP: Double = 1, topK: Int = 0, seed: UInt64 = 0) {
        self.temperature = temperature; self.topP = topP; self.topK = topK; self.seed = seed
    }
    public var isGreedy: Bool { temperature <= 0 }
}

/// Picks tokens. Candidates are ordered by logit (ties by lower id) before top-k and top-p,
/// so the choice is the same on every machine for the same logits and seed.
public struct TokenSampler {
    public let settings: SamplingSettings
    private var candidates: [(id: Int32, logit: Float)] = []

    public init(_ settings: SamplingSettings) { self.settings = settings }

    /// The greedy token: the first highest logit.
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        var best = 0
        for i in logits.indices where logits[i] > logits[best] { best = i }
        return Int32(best)
    }

    public mutating func pick(_ logits: UnsafeBufferPointer<Float>, using rng: inout SeededGenerator) -> Int32 {
        if settings.isGreedy { return Self.argmax(logits) }
        candidates.removeAll(keepingCapacity: true)
        for i in logits.indices where logits[i].isFinite { candidates.append((Int32(i), logits[i])) }
        guard !candidates.isEmpty else { return Self.argmax(logits) }
        candidates.sort { $0.logit != $1.logit ? $0.logit > $1.logit : $0.id < $1.id }
        if settings.topK > 0, candidates.count > settings.topK { candidates.removeLast(candidates.count - settings.topK) }
        let top = Double(candidates[0].logit)
        var weights = candidates.map { _exp((Double($0.logit) - top) / settings.temperature) }
        var total = weights.reduce(0, +)
        if settings.topP < 1 {
            var kept = 0, mass = 0.0
            while kept < weights.count {
                mass += weights[kept] / total; kept += 1
                if mass >= settings.topP { break }
            }
            weights.removeLast(weights.count - kept)
            total = weights.reduce(0, +)
        }
        let u = rng.nextUnit() * total
        var acc = 0.0
        for (i, w) in weights.enumerated() {
            acc += w
            if u < acc { return candidates[i].id }
        }
        return candidates[weights.count - 1].id
    }
}
