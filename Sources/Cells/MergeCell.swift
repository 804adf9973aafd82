import Foundation
import CellKit
import Recipe
import Quantize

/// `kind = "merge"`: a PEFT LoRA adapter folded into a full-precision Hugging Face folder
/// (W += (alpha / r)·B·A), giving a folder the quantize cell can take — the
/// "fine-tune with QLoRA, merge, then AWQ" path.
public struct MergeCell: Cell {
    public static let schema = CellSchema(kind: "merge", summary: "Merge a LoRA adapter into a Hugging Face folder.", parameters: [
        ParameterSpec("model", .string, required: true, isInput: true, help: "the full-precision Hugging Face folder (a path or @cell)"),
        ParameterSpec("adapter", .string, required: true, isInput: true,
                      help: "the PEFT adapter folder (adapter_config.json, adapter_model.safetensors)"),
    ])
    public static let version = 1
    public init() {}

    public func run(_ context: CellContext) throws -> CellSummary {
        let model = try context.require(context.input("model"), "model")
        let adapter = try context.require(context.input("adapter"), "adapter")
        let report = try LoRAMerge.merge(model: model, adapter: adapter, output: context.outputDirectory, log: context.log)
        return CellSummary(
            lines: ["merged \(report.mergedTensors.count) weights, rank \(report.rank), scale \(report.scale)"],
            metrics: ["merged_tensors": Double(report.mergedTensors.count), "rank": Double(report.rank)])
    }
}
