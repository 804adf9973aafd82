import Foundation
import Models
import Tensors
import Text

/// What the `quantize` cell and `cellar quantize` do: tokenize the calibration text with the
/// model's own tokenizer.json, cut it into sequences, and quantize the folder.
public enum QuantizeRun {
    public struct Summary: Sendable {
        public let method: QuantizationMethod
        public let groupSize: Int
        public let calibrationTokens: Int
        public let layers: [LayerQuantizeReport]
    }

    /// calibration: a UTF-8 text file (needed for AWQ). At most `maxTokens` tokens are used, in
    /// sequences of `sequenceLength` (AutoAWQ's default is 512).
    public static func run(model: URL, output: URL, options: QuantizeOptions, calibration: URL?,
                           maxTokens: Int = QuantizeRun.defaultCalibrationTokens, sequenceLength: Int = 512,
                           progress: (String) -> Void = { _ in }) throws -> Summary {
        guard options.bits == 4 else { throw QuantizeError.unsupported("only 4-bit quantization is supported, not \(options.bits)") }
        guard options.groupSize > 0 else { throw QuantizeError.badShape("group size must be positive, got \(options.groupSize)") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: model.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw QuantizeError.unsupported("\(model.path) is not a folder; expected a Hugging Face model folder")
        }
        var source: CalibrationForward?
        if options.method == .awq {
            guard let calibration else { throw QuantizeError.unsupported("AWQ needs a calibration text file (or use the rtn method)") }
            let sequences = try calibrationSequences(model: model, text: calibration, maxTokens: maxTokens,
                                                     sequenceLength: sequenceLength)
            let config = try ModelConfig.load(directory: model)
            let checkpoint = try Checkpoint(directory: model)
            source = try CalibrationForward(config: config, embeddings: try checkpoint.floats("model.embed_tokens.weight"),
                                            sequences: sequences)
        }
        let reports = try AWQModelQuantizer.quantize(model: model, output: output, options: options,
                                                     calibration: source, progress: progress)
        return Summary(method: options.method, groupSize: options.groupSize, calibrationTokens: source?.tokenCount ?? 0,
                       layers: reports)
    }

    /// AutoAWQ calibrates on 128 × 512 tokens; on a 135M model 4,096 tokens give the same
    /// perplexity within noise (docs/quantize-awq.md) at an eighth of the forward-pass time.
    public static let defaultCalibrationTokens = 4096

    static func calibrationSequences(model: URL, text: URL, maxTokens: Int, sequenceLength: Int) throws -> [[Int32]] {
        let tokenizerURL = model.appendingPathComponent("tokenizer.json")
        guard let json = try? Data(contentsOf: tokenizerURL) else {
            throw QuantizeError.io("\(tokenizerURL.path) cannot be read; the calibration text needs the model's tokenizer")
        }
        let tokenizer = try Tokenizer(tokenizerJSON: json, file: tokenizerURL.path)
        guard let data = try? Data(contentsOf: text) else { throw QuantizeError.io("\(text.path) cannot be read") }
        guard let string = String(data: data, encoding: .utf8) else {
            throw QuantizeError.unsupported("\(text.path) is not UTF-8 text")
        }
        let ids = Array(tokenizer.encode(string, addSpecialTokens: false).prefix(max(maxTokens, 1)))
        guard ids.count >= 16 else {
            throw QuantizeError.unsupported("\(text.path) gives only \(ids.count) tokens; calibration needs at least 16")
        }
        let length = max(sequenceLength, 16)
        return stride(from: 0, to: ids.count, by: length).map { Array(ids[$0..<min($0 + length, ids.count)]) }
            .filter { $0.count >= 16 }
    }
}
