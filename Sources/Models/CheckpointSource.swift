import Foundation
import Tensors

/// A Hugging Face safetensors checkpoint as a `TensorSource`.
struct CheckpointSource: TensorSource {
    let checkpoint: Checkpoint
    var sourceName: String { checkpoint.directory.path }

    func floats(_ name: String) throws -> (values: [Float], shape: [Int])? {
        guard let info = checkpoint.info(name) else { return nil }
        return (try checkpoint.floats(name), info.shape)
    }

    func int32s(_ name: String) throws -> (values: [Int32], shape: [Int])? {
        guard let info = checkpoint.info(name) else { return nil }
        guard info.dtype == .i32 else { throw ModelError("\(sourceName): tensor '\(name)' is \(info.dtype.rawValue), expected I32") }
        let raw = try checkpoint.bytes(name)
        var out = [Int32](repeating: 0, count: info.elementCount)
        // Tensor data need not be 4-byte aligned in the file: copy rather than bind.
        out.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw.prefix(info.elementCount * 4))) }
        return (out, info.shape)
    }

    func halves(_ name: String) throws -> (values: [Float16], shape: [Int])? {
        guard let info = checkpoint.info(name) else { return nil }
        guard info.dtype == .f16 else { throw ModelError("\(sourceName): tensor '\(name)' is \(info.dtype.rawValue), expected F16") }
        let raw = try checkpoint.bytes(name)
        var out = [Float16](repeating: 0, count: info.elementCount)
        out.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw.prefix(info.elementCount * 2))) }
        return (out, info.shape)
    }
}

/// Loads a model from a Hugging Face folder (config.json + safetensors) for a device layout.
public enum ModelLoader {
    public static func loadHF(directory: URL, devices: Int = 1, split: Split = .tensor) throws -> EngineWeights {
        let config = try ModelConfig.load(directory: directory)
        let checkpoint = try Checkpoint(directory: directory)
        return try WeightBuilder.build(config: config, source: CheckpointSource(checkpoint: checkpoint), devices: devices, split: split)
    }
}
