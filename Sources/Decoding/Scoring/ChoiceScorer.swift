import Models

/// Scores the choices of many rows on an engine, batched.
///
/// Rows are sorted by context length and packed `batchSize` at a time (fewer when their tokens
/// exceed `maxBatchTokens`) into one KV cache: one forward prefills every context of the batch
/// (after a prefix shared by all of them, computed once and copied), reading logits only at
/// each context's last position; a second forward feeds every multi-token choice, each in its
/// own slot holding a copy of its row's context (`KVCache.copyPrefix`), reading logits only
/// where a choice token is predicted. A row whose choices are single distinct tokens needs only
/// the first forward.
public struct ChoiceScorer {
    public let engine: Engine
    public var batchSize: Int
    public var maxBatchTokens: Int
    /// Shared prefixes shorter than this are not worth a separate forward.
    public var minimumSharedPrefix = 16

    public init(engine: Engine, batchSize: Int = 8, maxBatchTokens: Int = 8192) {
        self.engine = engine; self.batchSize = max(1, batchSize); self.maxBatchTokens = max(1, maxBatchTokens)
    }

    /// Per row and choice, the log-probability of each continuation token. `progress(rowsDone)`
    /// after each batch.
    public func logprobs(_ requests: [ScoringRequest], progress: (Int) -> Void = { _ in }) throws -> [[[Double]]] {
        var result = [[[Double]]](repeating: [], count: requests.count)
        let order = requests.indices.sorted { (requests[$0].context.count, $0) < (requests[$1].context.count, $1) }
        var start = 0, done = 0
        while start < order.count {
            var end = start, tokens = 0
            while end < order.count, end - start < batchSize {
                let r = requests[order[end]]
                let t = r.context.count + r.continuations.reduce(0) { $0 + $1.count }
                if end > start, tokens + t > maxBatchTokens { break }
                tokens += t; end += 1
            }
            let batch = Array(order[start..<end])
            let scored = try scoreBatch(batch.map { requests[$0] })
            for (i, row) in batch.enumerated() { result[row] = scored[i] }
            done += batch.count
            progress(done)
            start = end
        }
        return result
    }

    private func scoreBatch(_ rows: [ScoringRequest]) throws -> [[[Double]]] {
        let vocab = engine.config.vocabularySize
        for (i, r) in rows.enumerated() {
            guard !r.context.isEmpty else { throw ModelError("row \(i) of the batch has an empty prompt") }
            for c in r.continuations where c.isEmpty { throw ModelError("a choice encodes to no tokens") }
        }
        // Slots: one per row (its last multi-token choice continues there), one per other
        // multi-token choice, one for the shared prefix.
        var extraSlot = rows.count
        var choiceSlot: [[Int?]] = []
        for r in rows {
            let multi = r.continuations.indices.filter { r.continuations[$0].count > 1 }
            var slots = [Int?](repeating: nil, count: r.continuations.count)
            for (k, c) in multi.enumerated() {
                if k == multi.count - 1 { slots[c] = -1 } else { slots[c] = extraSlot; extraSlot += 1 }
            }
            choiceSlot.append(slots)
        }
        let prefixSlot = extraSlot
        let longest = rows.map { $0.context.count + ($0.continuations.map(\.count).max() ?? 0) }.max() ?? 1
        let cache = engine.makeCache(slots: prefixSlot + 1, maxContext: longest)

        // Phase 1: contexts, logits at each one's last position.
        let shared = sharedPrefixLength(rows)
        if shared >= minimumSharedPrefix {
            _ = try engine.forward([SequenceInput(slot: prefixSlot, tokens: Array(rows[0].context[..<shared]))],
                                   cache: cache, logits: .none)
            for i in rows.indices { cache.copyPrefix(from: prefixSlot, to: i, length: shared) }
        }
        let skip = shared >= minimumSharedPrefix ? shared : 0
        let last = try engine.forward(rows.enumerated().map { SequenceInput(slot: $0.offset, tokens: Array($0.element.context[skip...])) },
                                      cache: cache, logits: .last)           // [rows, vocab]

        var out: [[[Double]]] = rows.map { r in r.continuations.map { [Double](repeating: 0, count: $0.count) } }
        try last.withUnsafeBufferPointer { buffer in
            for (i, r) in rows.enumerated() {
                let row = LogitRow(pointer: buffer.baseAddress! + i * vocab, count: vocab)
                let lse = row.logSumExp()
                for (c, tokens) in r.continuations.enumerated() {
                    try checkToken(tokens[0], vocab)
                    out[i][c][0] = row.logProbability(of: tokens[0], logSumExp: lse)
                }
            }
        }

        // Phase 2: every multi-token choice, logits where its next tokens are predicted.
        var inputs: [SequenceInput] = [], positions: [[Int]] = [], owners: [(row: Int, choice: Int)] = []
        for (i, r) in rows.enumerated() {
            for (c, slot) in choiceSlot[i].enumerated() {
                guard let slot else { continue }
                let target = slot == -1 ? i : slot
                if target != i { cache.copyPrefix(from: i, to: target, length: r.context.count) }
                let tokens = r.continuations[c]
                for t in tokens { try checkToken(t, vocab) }
                inputs.append(SequenceInput(slot: target, tokens: Array(tokens.dropLast())))
                positions.append(Array(0..<(tokens.count - 1)))
                owners.append((i, c))
            }
        }
        guard !inputs.isEmpty else { return out }
        let logits = try engine.forward(inputs, cache: cache, logits: .positions(positions))   // [Σ (n-1), vocab]
        logits.withUnsafeBufferPointer { buffer in
            var k = 0
            for (input, owner) in zip(inputs, owners) {
                let tokens = rows[owner.row].continuations[owner.choice]
                for j in 0..<input.tokens.count {
                    let row = LogitRow(pointer: buffer.baseAddress! + k * vocab, count: vocab)
                    out[owner.row][owner.choice][j + 1] = row.logProbability(of: tokens[j + 1], logSumExp: row.logSumExp())
                    k += 1
                }
            }
        }
        return out
    }

    /// Tokens every context of the batch starts with, leaving each at least one of its own
    /// (its last position's logits are needed).
    private func sharedPrefixLength(_ rows: [ScoringRequest]) -> Int {
        guard rows.count > 1, var n = rows.map({ $0.context.count - 1 }).min() else { return 0 }
        let first = rows[0].context
        for r in rows.dropFirst() {
            var k = 0
            while k < n, r.context[k] == first[k] { k += 1 }
            n = k
        }
        return n
    }

    private func checkToken(_ t: Int32, _ vocab: Int) throws {
        guard t >= 0, Int(t) < vocab else { throw ModelError("choice token id \(t) is outside the vocabulary of \(vocab)") }
    }
}
