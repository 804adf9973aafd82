/// Token lengths over all prompts, for the notebook summary.
public struct PromptStatistics: Sendable, Equatable {
    public var rows: Int
    public var minimum: Int
    /// Nearest-rank percentiles: the smallest length at or above that share of the rows.
    public var median: Int
    public var p95: Int
    public var maximum: Int
    public var truncated: Int

    public init(lengths: [Int], truncated: Int) {
        let sorted = lengths.sorted()
        rows = sorted.count
        func rank(_ p: Double) -> Int {
            guard !sorted.isEmpty else { return 0 }
            let k = Int((p * Double(sorted.count)).rounded(.up))
            return sorted[min(sorted.count - 1, max(0, k - 1))]
        }
        minimum = sorted.first ?? 0
        maximum = sorted.last ?? 0
        median = rank(0.5)
        p95 = rank(0.95)
        self.truncated = truncated
    }

    public var lines: [String] {
        ["\(rows) rows · tokens min \(minimum) · median \(median) · p95 \(p95) · max \(maximum)",
         "\(truncated) rows truncated"]
    }
}
