import Models
import Text

/// One generated continuation.
public struct Generation: Sendable, Equatable {
    public var ids: [Int32]
    public var text: String
    /// "eos", "stop" (a stop string appeared; `text` ends before it) or "length".
    public var finishReason: String
}

public struct GenerationSettings: Sendable {
    public var sampling = SamplingSettings()
    public var maxNewTokens = 64
    public var stop: [String] = []
    /// Token ids that end a generation (the tokenizer's EOS, the chat template's end of turn).
    public var endIDs: Set<Int32> = []
    public var batchSize = 8
    public init() {}
}

/// Generates for many prompts: `batchSize` rows prefilled together, then decoded together one
/// token per row per forward; finished rows leave the batch. Each row samples from its own
/// `SeededGenerator(seed, stream: row)`, so outputs do not depend on the batching.
public struct Generator {
    public let engine: Engine
    public let tokenizer: Tokenizer
    public var settings: GenerationSettings

    public init(engine: Engine, tokenizer: Tokenizer, settings: GenerationSettings) {
        self.engine = engine; self.tokenizer = tokenizer; self.settings = settings
    }

    public func generate(_ prompts: [[Int32]], progress: (Int) -> Void = { _ in }) throws -> [Generation] {
        var results = [Generation?](repeating: nil, count: prompts.count)
        let order = prompts.indices.sorted { (prompts[$0].count, $0) < (prompts[$1].count, $1) }
        var start = 0
        while start < order.count {
            let rows = Array(order[start..<min(order.count, start + max(1, settings.batchSize))])
            let out = try generateBatch(rows.map { prompts[$0] }, rowNumbers: rows)
            for (k, r) in rows.enumerated() { results[r] = out[k] }
            start += rows.count
            progress(start)
        }
        return results.map { $0! }
    }

    private func generateBatch(_ prompts: [[Int32]], rowNumbers: [Int]) throws -> [Generation] {
        let vocab = engine.config.vocabularySize
        let longest = prompts.map(\.count).max() ?? 0
        let cache = engine.makeCache(slots: prompts.count, maxContext: longest + settings.maxNewTokens)
        var samplers = prompts.map { _ in TokenSampler(settings.sampling) }
        var rngs = rowNumbers.map { SeededGenerator(seed: settings.sampling.seed, stream: UInt64($0)) }
        var produced = [[Int32]](repeating: [], count: prompts.count)
        var finished = [String?](repeating: nil, count: prompts.count)
        var texts = [String](repeating: "", count: prompts.count)
        for (i, p) in prompts.enumerated() where p.isEmpty { throw ModelError("prompt of row \(rowNumbers[i]) is empty") }

        var active = Array(prompts.indices)
        var logits = try engine.forward(active.map { SequenceInput(slot: $0, tokens: prompts[$0]) }, cache: cache, logits: .last)
        while !active.isEmpty {
            var next: [SequenceInput] = []
            try logits.withUnsafeBufferPointer { buffer in
                for (k, s) in active.enumerated() {
                    let row = UnsafeBufferPointer(rebasing: buffer[(k * vocab)..<((k + 1) * vocab)])
                    let token = samplers[s].pick(row, using: &rngs[s])
                    if settings.endIDs.contains(token) { finished[s] = "eos"; continue }
                    produced[s].append(token)
                    texts[s] = tokenizer.decode(produced[s], skipSpecialTokens: false)
                    if let cut = Self.firstStop(in: texts[s], stops: settings.stop) {
                        texts[s] = String(texts[s][..<cut]); finished[s] = "stop"; continue
                    }
                    if produced[s].count >= settings.maxNewTokens { finished[s] = "length"; continue }
                    guard Int(token) < vocab else { throw ModelError("sampled token \(token) outside the vocabulary") }
                    next.append(SequenceInput(slot: s, tokens: [token]))
                }
            }
            active = next.map(\.slot)
            if active.isEmpty { break }
            logits = try engine.forward(next, cache: cache, logits: .last)
        }
        return prompts.indices.map { Generation(ids: produced[$0], text: texts[$0], finishReason: finished[$0] ?? "length") }
    }

    /// Where the earliest stop string begins in `text`.
    static func firstStop(in text: String, stops: [String]) -> String.Index? {
        var best: String.Index?
        for s in stops where !s.isEmpty {
            if let r = text.range(of: s), best == nil || r.lowerBound < best! { best = r.lowerBound }
        }
        return best
    }
}
