/// How a choice's score is computed from the model's log-probabilities.
public enum ScoreMethod: String, Sendable, CaseIterable {
    /// The next token after the prompt, restricted to the choices' first tokens and
    /// renormalised over that set (the 2024 LMSYS winners' trick). Only valid when every choice
    /// is one token and no two share it; otherwise choices are scored as full continuations
    /// (`sum_logprob`), which gives the same probabilities in the single-token case.
    case nextToken = "next_token"
    /// Σ log P(token) over the choice's tokens.
    case sumLogprob = "sum_logprob"
    /// The sum divided by the number of choice tokens.
    case meanLogprob = "mean_logprob"
    /// The sum divided by the choice's length in characters (Unicode scalars, as Python's
    /// `len`), not counting one leading space: lighteval's `acc_norm`.
    case accNorm = "acc_norm"

    /// The score of a continuation from its token log-probabilities and its text.
    public func score(logprobs: [Double], choiceText: String) -> Double {
        let sum = logprobs.reduce(0, +)
        switch self {
        case .nextToken, .sumLogprob: return sum
        case .meanLogprob: return sum / Double(max(1, logprobs.count))
        case .accNorm: return sum / Double(max(1, Self.normalisingLength(choiceText)))
        }
    }

    /// Characters of `text` without one leading space (lighteval's `ignore_first_space`).
    public static func normalisingLength(_ text: String) -> Int {
        let n = text.unicodeScalars.count
        return text.unicodeScalars.first == " " ? n - 1 : n
    }
}
