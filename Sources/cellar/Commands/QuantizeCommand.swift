import Foundation
import Quantize

struct QuantizeCommand: Command {
    static let name = "quantize"
    static let summary = "Quantize a Hugging Face folder to 4-bit AWQ."
    static let usage = "cellar quantize DIR -o DIR [--bits 4] [--group-size G] [--calibration FILE] [--method awq|rtn] [--calibration-tokens N] [--evaluate TEXT [--evaluate-tokens N]]"
    static func run(_ args: inout Arguments) throws -> Int32 {
        // --evaluate TEXT: perplexity of DIR (and of the quantized folder, when -o is given) on TEXT.
        let evaluate = try args.option("--evaluate")
        let evaluateTokens = try args.intOption("--evaluate-tokens") ?? 20480
        let output = try args.option("-o", "--output")
        guard let output else {
            guard let evaluate else { throw UsageError("\(name): -o DIR is required") }
            let model = try args.positionals("DIR")[0]
            try report(URL(fileURLWithPath: model), text: URL(fileURLWithPath: evaluate), tokenizerFrom: nil, maxTokens: evaluateTokens)
            return 0
        }
        let methodName = try args.option("--method") ?? "awq"
        guard let method = QuantizationMethod(rawValue: methodName) else {
            throw UsageError("\(name): --method must be awq or rtn, got '\(methodName)'")
        }
        let bits = try args.intOption("--bits") ?? 4
        let groupSize = try args.intOption("--group-size") ?? 128
        let tokens = try args.intOption("--calibration-tokens") ?? 8192
        let calibration = try args.option("--calibration")
        if method == .awq && calibration == nil { throw UsageError("\(name): --calibration FILE is required for AWQ (or --method rtn)") }
        let model = try args.positionals("DIR")[0]
        let start = Date()
        let summary = try QuantizeRun.run(model: URL(fileURLWithPath: model), output: URL(fileURLWithPath: output),
                                          options: QuantizeOptions(method: method, groupSize: groupSize, bits: bits),
                                          calibration: calibration.map { URL(fileURLWithPath: $0) }, maxTokens: tokens,
                                          progress: { line in
                                              FileHandle.standardError.write(Data((line + "\n").utf8))
                                          })
        print("quantized \(summary.layers.count) layers (\(method.rawValue), group \(groupSize), \(summary.calibrationTokens) calibration tokens) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s → \(output)")
        if let evaluate {
            try report(URL(fileURLWithPath: model), text: URL(fileURLWithPath: evaluate), tokenizerFrom: nil, maxTokens: evaluateTokens)
            try report(URL(fileURLWithPath: output), text: URL(fileURLWithPath: evaluate), tokenizerFrom: URL(fileURLWithPath: model), maxTokens: evaluateTokens)
        }
        return 0
    }

    static func report(_ model: URL, text: URL, tokenizerFrom: URL?, maxTokens: Int) throws {
        let start = Date()
        let result = try Perplexity.evaluate(model: model, text: text, tokenizerFrom: tokenizerFrom, maxTokens: maxTokens)
        print("perplexity \(String(format: "%.4f", result.perplexity)) over \(result.tokensScored) tokens of \(text.lastPathComponent) (\(model.path), \(String(format: "%.1f", Date().timeIntervalSince(start))) s)")
    }
}
