import Models
import Text

/// One row's prompt and choices, as the choose cell reads them.
public struct ChoiceRow: Sendable {
    public var promptText: String
    public var promptIDs: [Int32]
    /// Each with its prefix already prepended.
    public var choices: [String]
    public init(promptText: String, promptIDs: [Int32], choices: [String]) {
        self.promptText = promptText; self.promptIDs = promptIDs; self.choices = choices
    }
}

/// Rows in, one `ChoiceOutcome` per row out: tokenization by `ContinuationSplit`, the engine
/// work by `ChoiceScorer`, the arithmetic by `ScoreMethod`.
public enum ChoiceScoring {
    public static func score(_ rows: [ChoiceRow], method: ScoreMethod, tokenizer: Tokenizer, scorer: ChoiceScorer,
                             progress: (Int) -> Void = { _ in }) throws -> [ChoiceOutcome] {
        let requests = rows.map {
            ContinuationSplit.request(promptText: $0.promptText, promptIDs: $0.promptIDs, choices: $0.choices,
                                      method: method, tokenizer: tokenizer)
        }
        let logprobs = try scorer.logprobs(requests, progress: progress)
        return zip(rows, zip(requests, logprobs)).map { row, pair in
            let (request, lp) = pair
            // next_token over multi-token or colliding choices: the continuations were scored in
            // full (sum of log-probabilities); single distinct tokens give the renormalised
            // next-token distribution either way.
            let asContinuations = method == .nextToken && !request.isSingleTokenSet
            let scores = zip(lp, row.choices).map { method.score(logprobs: $0, choiceText: $1) }
            return ChoiceOutcome(scores: scores, scoredAsContinuations: asContinuations)
        }
    }
}
