import Foundation
import Kernels
import Tensors

/// What a merge did, for the cell's summary.
public struct LoRAMergeReport: Sendable {
    public var mergedTensors: [String]
    public var rank: Int
    public var scale: Float
}

/// Folds a PEFT LoRA adapter into a full-precision Hugging Face folder before quantization:
/// W += scale · B·A (W [out, in], B [out, r], A [r, in]; with fan_in_fan_out W is [in, out] and
/// gets (B·A)ᵀ). The product is accumulated into W in float32 by one sgemm and written back in
/// W's own dtype; every other tensor and file is copied byte for byte, shard layout included.
public enum LoRAMerge {
    public static func merge(model: URL, adapter adapterFolder: URL, output: URL,
                             log: (String) -> Void = { _ in }) throws -> LoRAMergeReport {
        let adapter = try LoRAAdapter(folder: adapterFolder)
        let checkpoint = try Checkpoint(directory: model)
        let adapterFile = adapter.weights.url.path

        // Every target must name something in the model (a typo would otherwise merge nothing).
        let modulePaths = checkpoint.names.filter { $0.hasSuffix(".weight") }.map { String($0.dropLast(".weight".count)) }
        if let pattern = adapter.targetPattern {
            guard modulePaths.contains(where: adapter.targets) else {
                throw LoRAMergeError(file: adapterFolder.appendingPathComponent("adapter_config.json").path, "target_modules \"\(pattern)\" matches no module of the model in \(model.path)")
            }
        } else {
            for target in adapter.targetModules where !modulePaths.contains(where: { adapter.entry(target, matches: $0) }) {
                throw LoRAMergeError(file: adapterFolder.appendingPathComponent("adapter_config.json").path, "target module \"\(target)\" matches no module of the model in \(model.path)")
            }
        }

        // Every adapter module must be a target and have a base weight of matching shape.
        var plan: [String: LoRAAdapter.Module] = [:]
        for module in adapter.modules {
            guard adapter.targets(module.path) else {
                throw LoRAMergeError(file: adapterFile, "tensor '\(module.loraA)' is for module \(module.path), which target_modules \(adapter.targetDescription) does not name")
            }
            let weightName = module.path + ".weight"
            guard let base = checkpoint.info(weightName) else {
                throw LoRAMergeError(file: adapterFile, "tensor '\(module.loraA)' adapts \(weightName), which the model in \(model.path) does not have")
            }
            guard base.shape.count == 2, [DType.f32, .f16, .bf16].contains(base.dtype) else {
                throw LoRAMergeError(file: model.path, "tensor '\(weightName)' is \(base.dtype.rawValue) \(base.shape); a LoRA merge needs a 2-D F32, F16 or BF16 weight (merge before quantizing)")
            }
            let a = adapter.weights.info(module.loraA)?.shape ?? [], b = adapter.weights.info(module.loraB)?.shape ?? []
            let (out, inputs) = adapter.fanInFanOut ? (base.shape[1], base.shape[0]) : (base.shape[0], base.shape[1])
            guard a.count == 2, b.count == 2, a[1] == inputs, b[0] == out else {
                throw LoRAMergeError(file: adapterFile, "tensors '\(module.loraA)' \(a) and '\(module.loraB)' \(b) do not fit \(weightName) \(base.shape)\(adapter.fanInFanOut ? " (fan_in_fan_out: [in, out])" : "") : expected lora_A [\(adapter.rank), \(inputs)] and lora_B [\(out), \(adapter.rank)]")
            }
            plan[weightName] = module
        }
        let fm = FileManager.default
        try fm.createDirectory(at: output, withIntermediateDirectories: true)
        var merged: [String] = []
        for file in checkpoint.files {
            let entries = file.names.compactMap { name in
                file.info(name).map { SafetensorsWriter.Entry(name: name, dtype: $0.dtype, shape: $0.shape) }
            }
            try SafetensorsWriter.write(entries, metadata: file.metadata,
                                        to: output.appendingPathComponent(file.url.lastPathComponent)) { i, sink in
                let name = entries[i].name
                let raw = try file.bytes(name)
                guard let module = plan[name], let info = file.info(name) else { return try sink.write(raw) }
                var w = try file.floats(name)
                try addUpdate(module, adapter: adapter, to: &w, shape: info.shape)
                try write(w, as: info.dtype, to: sink)
                merged.append(name)
                log("merged \(name) \(info.shape) \(info.dtype.rawValue)")
            }
        }
        for name in try fm.contentsOfDirectory(atPath: model.path).sorted()
        where !name.hasSuffix(".safetensors") && !name.hasPrefix(".") {
            var isDirectory: ObjCBool = false
            let source = model.appendingPathComponent(name)
            guard fm.fileExists(atPath: source.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            try DurableFile.write(try Data(contentsOf: source), to: output.appendingPathComponent(name))
        }
        return LoRAMergeReport(mergedTensors: merged, rank: adapter.rank, scale: adapter.scale)
    }

    /// w += scale · B·A, or its transpose for fan_in_fan_out, as one sgemm with beta = 1.
    static func addUpdate(_ module: LoRAAdapter.Module, adapter: LoRAAdapter, to w: inout [Float], shape: [Int]) throws {
        let a = try adapter.weights.floats(module.loraA)   // [r, in]
        let b = try adapter.weights.floats(module.loraB)   // [out, r]
        let r = adapter.rank
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                w.withUnsafeMutableBufferPointer { w in
                    guard let pa = a.baseAddress, let pb = b.baseAddress, let pw = w.baseAddress else { return }
                    if adapter.fanInFanOut {
                        // W [in, out] += scale · Aᵀ [in, r] · Bᵀ [r, out]
                        let inputs = shape[0], out = shape[1]
                        BLAS.gemm(transA: true, transB: true, m: inputs, n: out, k: r, alpha: adapter.scale,
                                  a: pa, lda: inputs, b: pb, ldb: r, beta: 1, c: pw, ldc: out)
                    } else {
                        // W [out, in] += scale · B [out, r] · A [r, in]
                        let out = shape[0], inputs = shape[1]
                        BLAS.gemm(m: out, n: inputs, k: r, alpha: adapter.scale,
                                  a: pb, lda: r, b: pa, ldb: inputs, beta: 1, c: pw, ldc: inputs)
                    }
                }
            }
        }
    }

    /// The merged weight in the base weight's dtype (round to nearest even for F16 and BF16).
    static func write(_ w: [Float], as dtype: DType, to sink: FileSink) throws {
        switch dtype {
        case .f16:
            var half = [Float16](repeating: 0, count: w.count)
            w.withUnsafeBufferPointer { src in
                half.withUnsafeMutableBufferPointer { dst in
                    guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                    FloatConversion.f32ToF16(s, d, count: w.count)
                }
            }
            try sink.write(half)
        case .bf16:
            var bits = [UInt16](repeating: 0, count: w.count)
            w.withUnsafeBufferPointer { src in
                bits.withUnsafeMutableBufferPointer { dst in
                    guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                    FloatConversion.f32ToBF16(s, d, count: w.count)
                }
            }
            try sink.write(bits)
        default:
            try sink.write(w)
        }
    }
}

extension LoRAAdapter {
    var targetDescription: String {
        targetPattern.map { "\"\($0)\"" } ?? "[" + targetModules.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    }
}
