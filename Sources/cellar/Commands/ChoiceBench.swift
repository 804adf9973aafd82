import Foundation
import Models

/// The classification job of bench/run: P(choice) at each prompt's last position, softmax
/// renormalised over the choices.
enum ChoiceBench {
    static func classify(engine: Engine, prompts: [[Int32]], choices: [Int32]) throws -> [[Double]] {
        let env = ProcessInfo.processInfo.environment
        let batchTokens = env["CELLAR_BENCH_BATCH_TOKENS"].flatMap { Int($0) } ?? 1024
        let logits = try PromptScorer.lastLogits(engine: engine, prompts: prompts, tokenIDs: choices, batchTokens: batchTokens)
        return logits.map { row in
            let m = row.max() ?? 0
            let e = row.map { Foundation.exp(Double($0 - m)) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        }
    }
}
