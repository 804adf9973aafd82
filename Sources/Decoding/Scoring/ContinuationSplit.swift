import Text

/// Where a prompt ends and a choice begins, in tokens.
///
/// Two rules, one per kind of score (docs/decoding.md):
/// - `next_token` keeps the prompt's own token ids (the point where the model would start its
///   answer: the chat template's generation prompt) and appends each choice tokenized on its
///   own. A one-token choice's probability is then exactly the renormalised next-token
///   probability, whichever of the two ways it is computed.
/// - Full-continuation scores (`sum_logprob`, `mean_logprob`, `acc_norm`) follow lighteval,
///   as SmolLM2's authors scored: trailing whitespace of the context moves into the
///   continuation, the context is tokenized alone, the continuation is what encoding the whole
///   text adds after the context's tokens. That keeps "\n" + " 5" as the single token "\n "
///   the model would see, instead of splitting it where no tokenizer would. If the context's
///   tokens are not a prefix of the whole text's tokens (a merge across the boundary), the
///   continuation is tokenized on its own and appended.
public struct ScoringRequest: Sendable, Equatable {
    public var context: [Int32]
    /// One per choice, each at least one token.
    public var continuations: [[Int32]]
    /// Every continuation is one token and no two share it: logits at the context's last
    /// position are all that is needed.
    public var isSingleTokenSet: Bool {
        continuations.allSatisfy { $0.count == 1 } && Set(continuations.map { $0[0] }).count == continuations.count
    }

    public init(context: [Int32], continuations: [[Int32]]) {
        self.context = context; self.continuations = continuations
    }
}

public enum ContinuationSplit {
    /// `choices` already carry any prefix (e.g. " Paris").
    public static func request(promptText: String, promptIDs: [Int32], choices: [String], method: ScoreMethod,
                               tokenizer: Tokenizer) -> ScoringRequest {
        switch method {
        case .nextToken:
            return ScoringRequest(context: promptIDs,
                                  continuations: choices.map { tokenizer.encode($0, addSpecialTokens: false) })
        case .sumLogprob, .meanLogprob, .accNorm:
            var request = lighteval(promptText: promptText, choices: choices, tokenizer: tokenizer)
            // Tokens the tokenizer adds itself (a BOS) that the prompt's ids start with.
            let plain = tokenizer.encode(promptText, addSpecialTokens: false)
            if promptIDs.count > plain.count, promptIDs.suffix(plain.count).elementsEqual(plain) {
                request.context = Array(promptIDs.prefix(promptIDs.count - plain.count)) + request.context
            }
            return request
        }
    }

    /// lighteval's `tok_encode_pair` applied to every choice.
    public static func lighteval(promptText: String, choices: [String], tokenizer: Tokenizer) -> ScoringRequest {
        let (context, trailing) = splitTrailingWhitespace(promptText)
        let contextIDs = tokenizer.encode(context, addSpecialTokens: false)
        let continuations = choices.map { choice -> [Int32] in
            let continuation = trailing + choice
            let whole = tokenizer.encode(context + continuation, addSpecialTokens: false)
            if whole.count > contextIDs.count, whole.starts(with: contextIDs) {
                return Array(whole[contextIDs.count...])
            }
            return tokenizer.encode(continuation, addSpecialTokens: false)
        }
        return ScoringRequest(context: contextIDs, continuations: continuations)
    }

    /// (text without its trailing whitespace, that whitespace), as Python's `rstrip()` sees
    /// whitespace.
    static func splitTrailingWhitespace(_ text: String) -> (String, String) {
        let scalars = text.unicodeScalars
        var end = scalars.endIndex
        while end > scalars.startIndex {
            let before = scalars.index(before: end)
            guard scalars[before].properties.isWhitespace else { break }
            end = before
        }
        return (String(scalars[..<end]), String(scalars[end...]))
    }
}
