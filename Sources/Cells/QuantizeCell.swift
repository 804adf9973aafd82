import Foundation
import CellKit
import Recipe
import Quantize

/// `kind = "quantize"`: a full-precision Hugging Face folder becomes an AutoAWQ-format 4-bit
/// folder (AWQ with calibration text, or plain round-to-nearest).
public struct QuantizeCell: Cell {
    public static let schema = CellSchema(kind: "quantize", summary: "Quantize a Hugging Face folder to 4-bit AWQ.", parameters: [
        ParameterSpec("model", .string, required: true, isInput: true, help: "the Hugging Face folder (a path or @cell)"),
        ParameterSpec("calibration", .string, isInput: true, help: "UTF-8 calibration text (needed for AWQ)"),
        ParameterSpec("method", .string, help: "\"awq\" (default) or \"rtn\""),
        ParameterSpec("bits", .integer, help: "4 (the only width supported)"),
        ParameterSpec("group_size", .integer, help: "inputs per quantization group (default 128)"),
        ParameterSpec("calibration_tokens", .integer, help: "calibration tokens used at most (default 4096)"),
    ])
    public static let version = 2   // 2: the range search (both ends of each group)
    public init() {}

    public func run(_ context: CellContext) throws -> CellSummary {
        let model = try context.require(context.input("model"), "model")
        let methodName = context.string("method") ?? "awq"
        guard let method = QuantizationMethod(rawValue: methodName) else {
            throw CellError(cellID: context.cellID, "parameter 'method' must be \"awq\" or \"rtn\", got \"\(methodName)\"")
        }
        let options = QuantizeOptions(method: method, groupSize: context.integer("group_size") ?? 128,
                                      bits: context.integer("bits") ?? 4)
        let summary = try QuantizeRun.run(model: model, output: context.outputDirectory, options: options,
                                          calibration: context.input("calibration"),
                                          maxTokens: context.integer("calibration_tokens") ?? QuantizeRun.defaultCalibrationTokens,
                                          progress: { line in
                                              context.log(line)
                                          })
        let groups = summary.layers.flatMap(\.groups)
        let error = groups.map(\.error).reduce(0, +), rtn = groups.map(\.roundToNearestError).reduce(0, +)
        var lines = ["\(method.rawValue) 4-bit, group \(options.groupSize), \(summary.layers.count) layers, \(summary.calibrationTokens) calibration tokens"]
        if !groups.isEmpty {
            lines.append(String(format: "calibration output error %.4g (round-to-nearest %.4g)", error, rtn))
        }
        return CellSummary(lines: lines, metrics: ["layers": Double(summary.layers.count),
                                                   "calibration_tokens": Double(summary.calibrationTokens)])
    }
}
