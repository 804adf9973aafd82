import CellKit
import Foundation
import Models
import Recipe

/// `load`: checks a model (Hugging Face folder or .gguf), plans it over the devices (failing
/// before any weight is read when it does not fit), and writes the engine-ready weights —
/// fused, sharded, repacked — as its artifact, which later cells map with
/// `Engine.open(loadArtifact:)` in milliseconds.
public struct LoadCell: Cell {
    public static let schema = CellSchema(kind: "load", summary: "Prepare a model for the engine and plan it over devices.", parameters: [
        ParameterSpec("model", .string, required: true, isInput: true, help: "Hugging Face folder or .gguf file"),
        ParameterSpec("devices", .stringOrStrings, help: "e.g. [\"cpu:0\", \"cpu:1\"]; default one device"),
        ParameterSpec("split", .string, help: "\"tensor\" (default) or \"layers\""),
        ParameterSpec("memory_per_device", .string, help: "e.g. \"16GiB\"; refuse a plan that does not fit"),
        ParameterSpec("max_context", .integer, help: "tokens per sequence the KV cache must hold (default 4096)"),
    ])
    public static let version = 3   // 2: column-layout int4, int8/half embedding and head; 3: AWQ zero points as bytes
    public init() {}

    public func run(_ context: CellContext) throws -> CellSummary {
        let model = try context.require(context.input("model"), "model")
        let devices = context.strings("devices") ?? ["cpu:0"]
        guard !devices.isEmpty else { throw CellError(cellID: context.cellID, "devices must name at least one device") }
        var seen: Set<String> = []
        for device in devices {
            // The engine runs on CPU cores only: a device is "cpu:N", each named once.
            guard device.hasPrefix("cpu:"), let n = Int(device.dropFirst(4)), n >= 0 else {
                throw CellError(cellID: context.cellID, "device \"\(device)\" is not of the form \"cpu:N\" (e.g. [\"cpu:0\", \"cpu:1\"])")
            }
            guard seen.insert(device).inserted else {
                throw CellError(cellID: context.cellID, "devices: \"\(device)\" is named twice")
            }
        }
        let splitText = context.string("split") ?? "tensor"
        guard let split = Split(rawValue: splitText) else {
            throw CellError(cellID: context.cellID, "split must be \"tensor\" or \"layers\", got \"\(splitText)\"")
        }
        var memory: Int?
        if let m = context.string("memory_per_device") {
            guard let bytes = Planner.parseBytes(m) else {
                throw CellError(cellID: context.cellID, "memory_per_device \"\(m)\" is not a size like \"16GiB\"")
            }
            memory = bytes
        }
        let maxContext = context.integer("max_context") ?? 4096
        guard maxContext > 0 else { throw CellError(cellID: context.cellID, "max_context must be positive") }

        let plan: Plan
        do {
            if model.pathExtension.lowercased() == "gguf" {
                plan = try Planner.plan(config: ModelLoader.config(model: model), headers: [], devices: devices, split: split,
                                        memoryPerDevice: memory, maxContext: maxContext)
            } else {
                plan = try Planner.plan(modelDirectory: model, devices: devices, split: split, memoryPerDevice: memory,
                                        maxContext: maxContext)
            }
        } catch { throw CellError(cellID: context.cellID, "\(model.lastPathComponent): \(error)") }
        for line in plan.lines { context.log(line) }
        let started = Date()
        let weights: EngineWeights
        do { weights = try ModelLoader.load(model: model, devices: devices.count, split: split) } catch {
            throw CellError(cellID: context.cellID, "\(error)")
        }
        try EngineArtifact.write(weights, deviceNames: devices, maxContext: maxContext, to: context.outputDirectory)
        let c = weights.config
        return CellSummary(lines: [
            "\(c.modelType): \(c.layers) layers, hidden \(c.hiddenSize), \(c.heads) heads / \(c.kvHeads) KV, vocab \(c.vocabularySize)"
                + (c.awq.map { ", AWQ int4 group \($0.groupSize)" } ?? ""),
        ] + plan.lines, metrics: [
            "parameters": Double(c.parameterCount),
            "seconds": Date().timeIntervalSince(started),
            "weight_bytes": Double(plan.devices.map(\.weightBytes).reduce(0, +)),
        ])
    }
}
