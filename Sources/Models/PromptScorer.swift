/// Reads, for many prompts, the logits of a few token ids at each prompt's last position (the
/// "which choice comes next" question), as fast as the engine allows:
/// - the longest prefix shared by every prompt (system prompt, template head) is computed once
///   and its keys and values copied into each sequence's slot;
/// - prompts are sorted by length and packed into batches of about `batchTokens` rows, so each
///   GEMM sees many rows and similar lengths end together;
/// - only the last position of each prompt goes through the LM head.
public enum PromptScorer {
    /// logits[prompt][k] = logit of tokenIDs[k] after prompts[prompt], in input order.
    /// Prompts must be non-empty; every id must be in the vocabulary.
    public static func lastLogits(engine: Engine, prompts: [[Int32]], tokenIDs: [Int32],
                                  batchTokens: Int = 1024, maxSlots: Int = 16) throws(ModelError) -> [[Float]] {
        guard !prompts.isEmpty else { return [] }
        let vocab = engine.config.vocabularySize
        for id in tokenIDs where id < 0 || Int(id) >= vocab {
            throw ModelError("choice token id \(id) is outside the vocabulary of \(vocab)")
        }
        for (i, p) in prompts.enumerated() where p.isEmpty { throw ModelError("prompt \(i) has no tokens") }
        // Shared prefix, leaving every prompt at least one token of its own (its last position).
        var prefix = prompts[0].count - 1
        for p in prompts.dropFirst() {
            var n = 0
            let limit = min(prefix, p.count - 1)
            while n < limit && p[n] == prompts[0][n] { n += 1 }
            prefix = n
        }
        if prefix < 8 { prefix = 0 }
        let longest = prompts.map(\.count).max() ?? 1
        let order = prompts.indices.sorted { prompts[$0].count > prompts[$1].count }
        let slots = max(2, min(maxSlots, prompts.count + 1))
        let cache = engine.makeCache(slots: slots, maxContext: longest)
        if prefix > 0 {
            _ = try engine.forward([SequenceInput(slot: 0, tokens: Array(prompts[0][0..<prefix]))], cache: cache, logits: .none)
        }
        var out = [[Float]](repeating: [], count: prompts.count)
        var next = 0
        while next < order.count {
            var batch: [Int] = []
            var rows = 0
            while next < order.count, batch.count < slots - 1 {
                let n = prompts[order[next]].count - prefix
                if !batch.isEmpty && rows + n > batchTokens { break }
                batch.append(order[next]); rows += n; next += 1
            }
            var inputs: [SequenceInput] = []
            for (i, p) in batch.enumerated() {
                let slot = i + 1
                cache.reset(slot: slot)
                if prefix > 0 { cache.copyPrefix(from: 0, to: slot, length: prefix) }
                inputs.append(SequenceInput(slot: slot, tokens: Array(prompts[p][prefix...])))
            }
            let logits = try engine.forward(inputs, cache: cache, logits: .last, vocabulary: tokenIDs)
            let k = tokenIDs.count
            for (i, p) in batch.enumerated() { out[p] = Array(logits[(i * k)..<((i + 1) * k)]) }
        }
        return out
    }
}
