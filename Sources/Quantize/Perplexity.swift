import Foundation
import Models
import Text

/// Perplexity of a model on a text, computed by our engine: the text is tokenized with the
/// model's tokenizer.json and scored in independent windows (each window's first token is
/// context only), exp of the mean negative log-likelihood of every other token.
public enum Perplexity {
    public struct Result: Sendable {
        public let perplexity: Double
        public let tokensScored: Int
    }

    public static func evaluate(model: URL, text: URL, tokenizerFrom: URL? = nil, window: Int = 512,
                                maxTokens: Int = 1 << 20) throws -> Result {
        let tokenizerURL = (tokenizerFrom ?? model).appendingPathComponent("tokenizer.json")
        guard let json = try? Data(contentsOf: tokenizerURL) else { throw QuantizeError.io("\(tokenizerURL.path) cannot be read") }
        let tokenizer = try Tokenizer(tokenizerJSON: json, file: tokenizerURL.path)
        guard let data = try? Data(contentsOf: text), let string = String(data: data, encoding: .utf8) else {
            throw QuantizeError.io("\(text.path) cannot be read as UTF-8 text")
        }
        let ids = Array(tokenizer.encode(string, addSpecialTokens: false).prefix(maxTokens))
        let engine = Engine(weights: try ModelLoader.loadHF(directory: model))
        let vocab = engine.config.vocabularySize
        let length = max(window, 2)
        let cache = engine.makeCache(slots: 1, maxContext: length)
        var nll = 0.0, scored = 0
        var start = 0
        while start + 1 < ids.count {
            let piece = Array(ids[start..<min(start + length, ids.count)])
            cache.reset(slot: 0)
            let logits = try engine.forward([SequenceInput(slot: 0, tokens: piece)], cache: cache, logits: .all)
            for t in 0..<(piece.count - 1) {
                let row = t * vocab
                var peak = -Float.infinity
                for v in 0..<vocab { peak = max(peak, logits[row + v]) }
                var sum = 0.0
                for v in 0..<vocab { sum += Double(expf(logits[row + v] - peak)) }
                nll += log(sum) + Double(peak) - Double(logits[row + Int(piece[t + 1])])
                scored += 1
            }
            start += length
        }
        guard scored > 0 else { throw QuantizeError.unsupported("\(text.path) has too few tokens to score") }
        return Result(perplexity: exp(nll / Double(scored)), tokensScored: scored)
    }
}
