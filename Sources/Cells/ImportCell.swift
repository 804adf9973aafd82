import Foundation
import CellKit
import Recipe
import Quantize

/// `kind = "import"`: a GGUF file becomes a Hugging Face folder (config.json,
/// generation_config.json, model.safetensors) that later cells load or quantize.
public struct ImportCell: Cell {
    public static let schema = CellSchema(kind: "import", summary: "Convert a GGUF model into a Hugging Face folder.", parameters: [
        ParameterSpec("gguf", .string, required: true, isInput: true, help: "the .gguf file (a path or @cell/path)"),
        ParameterSpec("dtype", .string, help: "\"f16\" (default) or \"f32\""),
    ])
    public static let version = 1
    public init() {}

    public func run(_ context: CellContext) throws -> CellSummary {
        let gguf = try context.require(context.input("gguf"), "gguf")
        let dtypeName = context.string("dtype") ?? "f16"
        guard let dtype = ImportDType(rawValue: dtypeName) else {
            throw CellError(cellID: context.cellID, "parameter 'dtype' must be \"f16\" or \"f32\", got \"\(dtypeName)\"")
        }
        let summary = try GGUFImport.write(gguf: gguf, into: context.outputDirectory, dtype: dtype, progress: context.progress)
        return CellSummary(
            lines: ["\(summary.architecture), \(summary.tensorCount) tensors, \(summary.parameterCount) parameters in \(dtype.rawValue)"
                    + (summary.hasTokenizer ? "" : "; the GGUF has no tokenizer metadata, so no tokenizer files")],
            metrics: ["parameters": Double(summary.parameterCount), "bytes": Double(summary.bytesWritten)])
    }
}
