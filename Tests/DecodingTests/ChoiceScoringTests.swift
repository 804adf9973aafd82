import XCTest
import Foundation
import Models
import Text
import TestSupport
@testable import Decoding

/// Choice scoring on SmolLM2 (its GGUF) against hand computations made straight through the
/// engine, one sequence at a time, and the lighteval split against Python `tokenizers`.
final class ChoiceScoringTests: XCTestCase {
    nonisolated(unsafe) static var loaded: (Engine, Tokenizer)?

    func smol() throws -> (Engine, Tokenizer) {
        if let loaded = Self.loaded { return loaded }
        guard let gguf = try Fixtures.optional(Fixtures.smolGGUF) else { throw XCTSkip("SmolLM2 GGUF missing") }
        let pair = (Engine(weights: try ModelLoader.loadGGUF(gguf)), try Tokenizer.load(model: gguf))
        Self.loaded = pair
        return pair
    }

    static let chatPrompt = "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nQuestion: %@\nAnswer:<|im_end|>\n<|im_start|>assistant\n"

    func prompt(_ question: String) -> String { Self.chatPrompt.replacingOccurrences(of: "%@", with: question) }

    /// Σ log-softmax(logits)[next token] over the continuation, one fresh sequence, all logits.
    func handLogprob(_ engine: Engine, context: [Int32], continuation: [Int32]) throws -> Double {
        let cache = engine.makeCache(slots: 1, maxContext: context.count + continuation.count)
        let all = context + continuation
        let logits = try engine.forward([SequenceInput(slot: 0, tokens: all)], cache: cache, logits: .all)
        let vocab = engine.config.vocabularySize
        var total = 0.0
        for (j, t) in continuation.enumerated() {
            let row = logits[((context.count - 1 + j) * vocab)..<((context.count + j) * vocab)].map(Double.init)
            let m = row.max()!
            let lse = m + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - m) })
            total += row[Int(t)] - lse
        }
        return total
    }

    func handSoftmax(_ s: [Double]) -> [Double] {
        let m = s.max()!
        let e = s.map { Foundation.exp($0 - m) }
        return e.map { $0 / e.reduce(0, +) }
    }

    func testCollidingFirstTokensMatchEachContinuationScoredByHand() throws {
        let (engine, tokenizer) = try smol()
        let text = prompt("What is a popular dessert?")
        let ids = tokenizer.encode(text)
        let choices = [" apple pie", " apple juice", " ice cream"]
        let tokens = choices.map { tokenizer.encode($0, addSpecialTokens: false) }
        XCTAssertEqual(tokens[0].first, tokens[1].first, "the test needs two choices with the same first token")
        XCTAssertGreaterThan(tokens[0].count, 1)

        let row = ChoiceRow(promptText: text, promptIDs: ids, choices: choices)
        let outcome = try ChoiceScoring.score([row], method: .nextToken, tokenizer: tokenizer, scorer: ChoiceScorer(engine: engine))[0]
        XCTAssertTrue(outcome.scoredAsContinuations)
        // next_token keeps the prompt's own ids and appends each choice tokenized alone.
        let hand = try tokens.map { try handLogprob(engine, context: ids, continuation: $0) }
        let expected = handSoftmax(hand)
        for i in choices.indices {
            XCTAssertEqual(outcome.scores[i], hand[i], accuracy: 2e-3, "score of \(choices[i])")
            XCTAssertEqual(outcome.probabilities[i], expected[i], accuracy: 1e-4, "probability of \(choices[i])")
        }
        XCTAssertEqual(outcome.probabilities.reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertNotEqual(outcome.probabilities[0], outcome.probabilities[1], accuracy: 1e-6, "colliding choices were merged")
    }

    func testNextTokenIsTheSoftmaxOverTheRestrictedLogits() throws {
        let (engine, tokenizer) = try smol()
        let text = prompt("Which response is better, A or B? Answer A, B or tie.")
        let ids = tokenizer.encode(text)
        let choices = ["A", "B", "tie"]
        let tokens = choices.map { tokenizer.encode($0, addSpecialTokens: false) }
        XCTAssertTrue(tokens.allSatisfy { $0.count == 1 })
        let cache = engine.makeCache(slots: 1, maxContext: ids.count)
        let logits = try engine.forward([SequenceInput(slot: 0, tokens: ids)], cache: cache, logits: .last)
        let restricted = tokens.map { Double(logits[Int($0[0])]) }
        let expected = handSoftmax(restricted)
        let outcome = try ChoiceScoring.score([ChoiceRow(promptText: text, promptIDs: ids, choices: choices)], method: .nextToken,
                                              tokenizer: tokenizer, scorer: ChoiceScorer(engine: engine))[0]
        XCTAssertFalse(outcome.scoredAsContinuations)
        for i in choices.indices { XCTAssertEqual(outcome.probabilities[i], expected[i], accuracy: 1e-6, choices[i]) }
        XCTAssertEqual(outcome.predictionIndex, expected.indices.max { expected[$0] < expected[$1] }!)
    }

    func testMultiTokenChoicesUnderEveryContinuationScore() throws {
        let (engine, tokenizer) = try smol()
        let text = prompt("Which gas do plants take in for photosynthesis?")
        let choices = [" carbon dioxide", " oxygen", " nitrogen gas from the soil"]
        let request = ContinuationSplit.lighteval(promptText: text, choices: choices, tokenizer: tokenizer)
        let hand = try request.continuations.map { try handLogprob(engine, context: request.context, continuation: $0) }
        let row = ChoiceRow(promptText: text, promptIDs: tokenizer.encode(text), choices: choices)
        for method in [ScoreMethod.sumLogprob, .meanLogprob, .accNorm] {
            let o = try ChoiceScoring.score([row], method: method, tokenizer: tokenizer, scorer: ChoiceScorer(engine: engine))[0]
            for i in choices.indices {
                let expected: Double
                switch method {
                case .meanLogprob: expected = hand[i] / Double(request.continuations[i].count)
                case .accNorm: expected = hand[i] / Double(choices[i].count - 1)   // without the leading space
                default: expected = hand[i]
                }
                XCTAssertEqual(o.scores[i], expected, accuracy: 2e-3, "\(method) \(choices[i])")
            }
            XCTAssertEqual(o.probabilities, handSoftmax(o.scores))
        }
    }

    /// MEASURED.md: after a context ending "\n", a choice " 5" merges into the token "\n ".
    /// Our split must equal lighteval's, computed here with Python `tokenizers`.
    func testDigitChoiceAfterNewlineSplitsAsLighteval() throws {
        guard try Fixtures.hasPython("tokenizers"),
              let folder = try Fixtures.optional(Fixtures.shared.appendingPathComponent("tokenizers/smollm2-135m-instruct")) else {
            throw XCTSkip("tokenizers or the SmolLM2 tokenizer missing")
        }
        let tokenizer = try Tokenizer.load(model: folder)
        let text = prompt("How many legs does a spider have?")
        let choices = [" 8", " 6 legs", " eight", "\t4"]
        let ours = ContinuationSplit.lighteval(promptText: text, choices: choices, tokenizer: tokenizer)
        let script = """
        import json, sys
        from tokenizers import Tokenizer
        tok = Tokenizer.from_file(sys.argv[1])
        ctx, choices = json.loads(sys.stdin.read())
        enc = lambda s: tok.encode(s, add_special_tokens=False).ids
        n = len(ctx) - len(ctx.rstrip())
        cont_prefix = ctx[len(ctx) - n:] if n else ""
        c = ctx[:len(ctx) - n] if n else ctx
        ce = enc(c)
        print(json.dumps({"context": ce, "continuations": [enc(c + cont_prefix + x)[len(ce):] for x in choices]}))
        """
        let input = try JSONSerialization.data(withJSONObject: [text, choices])
        let out = try Fixtures.python(script, [folder.appendingPathComponent("tokenizer.json").path], stdin: input)
        struct Reference: Decodable { var context: [Int32]; var continuations: [[Int32]] }
        let reference = try JSONDecoder().decode(Reference.self, from: out)
        XCTAssertEqual(ours.context, reference.context)
        XCTAssertEqual(ours.continuations, reference.continuations)
        XCTAssertEqual(tokenizer.decode([ours.continuations[0][0]]), "\n ", "the merged newline-space token")
        XCTAssertEqual(tokenizer.decode(ours.continuations[1]), "\n 6 legs")
    }

    func testResultsDoNotDependOnBatchSize() throws {
        let (engine, tokenizer) = try smol()
        let questions = ["Which planet is largest?", "What do bees make?", "Why is the sky blue during the day?",
                         "What is two plus two?", "Which animal barks?"]
        let choiceSets = [[" Jupiter", " Mars", " Venus"], [" honey", " milk"], [" scattering", " reflection of the sea", " paint"],
                          [" 4", " 5", " 22"], [" a dog", " a cat", " a fish", " a bird"]]
        let rows = zip(questions, choiceSets).map { q, c in
            let text = prompt(q)
            return ChoiceRow(promptText: text, promptIDs: tokenizer.encode(text), choices: c)
        }
        for method in [ScoreMethod.accNorm, .nextToken] {
            let one = try ChoiceScoring.score(rows, method: method, tokenizer: tokenizer, scorer: ChoiceScorer(engine: engine, batchSize: 1))
            for size in [2, 5] {
                let other = try ChoiceScoring.score(rows, method: method, tokenizer: tokenizer, scorer: ChoiceScorer(engine: engine, batchSize: size))
                for (a, b) in zip(one, other) {
                    XCTAssertEqual(a.predictionIndex, b.predictionIndex)
                    for (x, y) in zip(a.probabilities, b.probabilities) { XCTAssertEqual(x, y, accuracy: 1e-4, "\(method), batch \(size)") }
                }
            }
        }
    }
}
