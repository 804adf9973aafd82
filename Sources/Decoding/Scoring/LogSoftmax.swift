/// Log-probabilities read off a row of logits without materialising the whole log-softmax.
struct LogitRow {
    let pointer: UnsafePointer<Float>
    let count: Int

    /// log Σ exp(logit), accumulated in Double (vocab 49,152: Float would lose ~1e-4).
    func logSumExp() -> Double {
        var m = -Float.infinity
        for i in 0..<count where pointer[i] > m { m = pointer[i] }
        guard m.isFinite else { return Double(m) }
        var sum = 0.0
        for i in 0..<count { sum += _exp(Double(pointer[i] - m)) }
        return Double(m) + log(sum)
    }

    func logProbability(of token: Int32, logSumExp lse: Double) -> Double {
        Double(pointer[Int(token)]) - lse
    }
}
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
