import Foundation
import Models

struct InspectCommand: Command {
    static let name = "inspect"
    static let summary = "Describe a model and plan its placement on devices."
    static let usage = "cellar inspect MODEL [--devices N --memory-per-device SIZE] [--split tensor|layers] [--max-context N]"
    static func run(_ args: inout Arguments) throws -> Int32 {
        let count = try args.intOption("--devices") ?? 1
        let memoryText = try args.option("--memory-per-device")
        let splitText = try args.option("--split") ?? "tensor"
        let maxContext = try args.intOption("--max-context") ?? 4096
        let model = URL(fileURLWithPath: try args.positionals("MODEL")[0])
        guard count >= 1 else { throw UsageError("inspect: --devices must be at least 1") }
        guard let split = Split(rawValue: splitText) else { throw UsageError("inspect: --split must be tensor or layers") }
        var memory: Int?
        if let m = memoryText {
            guard let b = Planner.parseBytes(m) else { throw UsageError("inspect: --memory-per-device '\(m)' is not a size like 16GiB") }
            memory = b
        }
        let c = try ModelLoader.config(model: model)
        print("model: \(model.path)")
        print("architecture: \(c.modelType)")
        print("dimensions: hidden \(c.hiddenSize), intermediate \(c.intermediateSize), \(c.layers) layers, \(c.heads) heads, \(c.kvHeads) KV heads, head dim \(c.headDim), vocab \(c.vocabularySize)")
        print("rope: theta \(c.ropeTheta), scaling \(c.ropeScaling); rms eps \(c.rmsNormEpsilon); tied embeddings \(c.tiedEmbeddings)"
              + (c.slidingWindow.map { "; sliding window \($0)" } ?? ""))
        let quantization = c.awq.map { "AWQ int4, group size \($0.groupSize)" }
            ?? (model.pathExtension.lowercased() == "gguf" ? "GGUF (dequantized to float32 at load)" : "none (float)")
        print("quantization: \(quantization)")
        print("parameters: \(c.parameterCount) (\(String(format: "%.1f", Double(c.parameterCount) / 1e6))M)")
        let devices = (0..<count).map { "cpu:\($0)" }
        let plan = model.pathExtension.lowercased() == "gguf"
            ? try Planner.plan(config: c, headers: [], devices: devices, split: split, memoryPerDevice: memory, maxContext: maxContext)
            : try Planner.plan(modelDirectory: model, devices: devices, split: split, memoryPerDevice: memory, maxContext: maxContext)
        print("plan (\(split.rawValue) split, max context \(maxContext)):")
        for line in plan.lines { print("  " + line) }
        return 0
    }
}
