import Foundation
import Models
import Tensors

/// Settings of a quantization run.
public struct QuantizeOptions: Sendable {
    public var method: QuantizationMethod
    public var groupSize: Int
    public var bits: Int
    /// Points on the α grid of the scale search.
    public var grid: Int
    /// Whether AWQ also searches per-group weight clipping (AutoAWQ's default).
    public var clip: Bool
    public init(method: QuantizationMethod = .awq, groupSize: Int = 128, bits: Int = 4, grid: Int = 20, clip: Bool = true) {
        self.method = method; self.groupSize = groupSize; self.bits = bits; self.grid = grid; self.clip = clip
    }
}

/// Per-layer outcome, for progress lines and reports.
public struct LayerQuantizeReport: Sendable {
    public let layer: Int
    public let groups: [ScaleGroupReport]
}

/// Quantizes a full-precision Hugging Face Llama-family folder into an AutoAWQ-format folder
/// (GEMM version): every decoder projection becomes qweight/qzeros/scales, the (scale-folded)
/// norms and all other tensors are stored as float16 as AutoAWQ saves them, and config.json
/// gains `quantization_config`. The output folder appears complete or not at all.
public enum AWQModelQuantizer {
    public static func quantize(model: URL, output: URL, options: QuantizeOptions,
                                calibration: (any CalibrationSource)?,
                                progress: (String) -> Void = { _ in }) throws -> [LayerQuantizeReport] {
        guard options.bits == 4 else { throw QuantizeError.unsupported("only 4-bit quantization is supported, not \(options.bits)") }
        let config = try ModelConfig.load(directory: model)
        guard config.awq == nil else {
            throw QuantizeError.unsupported("\(model.path) is already AWQ-quantized")
        }
        for (what, n) in [("hidden_size", config.hiddenSize), ("intermediate_size", config.intermediateSize),
                          ("attention width", config.qDim)] where n % options.groupSize != 0 {
            throw QuantizeError.badShape("group size \(options.groupSize) does not divide \(what) \(n)")
        }
        let checkpoint = try Checkpoint(directory: model)
        var source = calibration
        if options.method == .awq && source == nil {
            throw QuantizeError.unsupported("AWQ needs calibration data (or use the rtn method)")
        }

        var out: [(name: String, dtype: DType, shape: [Int], data: Data)] = []
        var reports: [LayerQuantizeReport] = []
        var layerOf: [String: Int] = [:]
        for name in checkpoint.names {
            let parts = name.split(separator: ".")
            if parts.count > 3, parts[0] == "model", parts[1] == "layers", let l = Int(parts[2]) { layerOf[name] = l }
        }
        var emittedLayers = Set<Int>()
        for name in checkpoint.names {
            guard let l = layerOf[name] else {
                out.append(try float16(name, checkpoint))
                continue
            }
            guard emittedLayers.insert(l).inserted else { continue }
            guard l < config.layers else {
                throw QuantizeError.badShape("\(name) belongs to layer \(l), but config.json has \(config.layers) layers")
            }
            let prefix = "model.layers.\(l)."
            var weights = LayerWeights()
            for n in checkpoint.names where layerOf[n] == l {
                let short = String(n.dropFirst(prefix.count))
                weights.tensors[short] = try checkpoint.floats(n)
                weights.shapes[short] = checkpoint.info(n)?.shape ?? []
            }
            let inputs = options.method == .awq ? try source?.inputs(layer: l, weights: weights) : nil
            let (linears, report) = try AWQLayer.quantize(&weights, inputs: inputs, method: options.method,
                                                         groupSize: options.groupSize, grid: options.grid, clip: options.clip)
            reports.append(LayerQuantizeReport(layer: l, groups: report))
            progress(progressLine(l, of: config.layers, report))
            for short in weights.tensors.keys.sorted() {
                let full = prefix + short
                if short.hasSuffix(".weight"), let q = linears[String(short.dropLast(".weight".count))] {
                    let base = prefix + short.dropLast(".weight".count)
                    let (qweight, qzeros) = try q.packed()
                    out.append((base + ".qweight", .i32, [q.inFeatures, q.outFeatures / 8], bytes(qweight)))
                    out.append((base + ".qzeros", .i32, [q.inFeatures / q.groupSize, q.outFeatures / 8], bytes(qzeros)))
                    out.append((base + ".scales", .f16, [q.inFeatures / q.groupSize, q.outFeatures], bytes(q.scales)))
                } else {
                    out.append((full, .f16, weights.shapes[short] ?? [], bytes((weights.tensors[short] ?? []).map { Float16($0) })))
                }
            }
        }
        try writeFolder(model: model, output: output, tensors: out, options: options)
        return reports
    }

    static func progressLine(_ l: Int, of n: Int, _ report: [ScaleGroupReport]) -> String {
        let groups = report.map { g in
            let names = g.linears.map { $0.split(separator: ".").last.map(String.init) ?? $0 }.joined(separator: ",")
            let ratio = g.ratio.map { String(format: "α=%.2f", $0) } ?? "unscaled"
            return "\(names) \(ratio) err \(String(format: "%.3g", g.error)) (rtn \(String(format: "%.3g", g.roundToNearestError)))"
        }
        return "layer \(l + 1)/\(n)" + (groups.isEmpty ? "" : ": " + groups.joined(separator: "; "))
    }

    static func float16(_ name: String, _ checkpoint: Checkpoint) throws -> (name: String, dtype: DType, shape: [Int], data: Data) {
        guard let info = checkpoint.info(name) else { throw QuantizeError.missingTensor(file: checkpoint.directory.path, name: name) }
        let values = try checkpoint.floats(name)
        return (name, .f16, info.shape, bytes(values.map { Float16($0) }))
    }

    static func bytes<T>(_ values: [T]) -> Data { values.withUnsafeBytes { Data($0) } }

    /// config.json with quantization_config as AutoAWQ writes it.
    static func quantizedConfig(_ original: Data, options: QuantizeOptions, file: String) throws -> Data {
        guard var json = try? JSONSerialization.jsonObject(with: original) as? [String: Any] else {
            throw QuantizeError.badShape("\(file) is not a JSON object")
        }
        json["quantization_config"] = [
            "quant_method": "awq", "bits": options.bits, "group_size": options.groupSize,
            "zero_point": true, "version": "gemm", "modules_to_not_convert": NSNull(),
        ] as [String: Any]
        json["torch_dtype"] = "float16"
        return try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
    }

    static func writeFolder(model: URL, output: URL, tensors: [(name: String, dtype: DType, shape: [Int], data: Data)],
                            options: QuantizeOptions) throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: output.path) {
            let contents = (try? fm.contentsOfDirectory(atPath: output.path)) ?? ["?"]
            guard contents.isEmpty else { throw QuantizeError.io("\(output.path) already exists and is not empty") }
            try fm.removeItem(at: output)
        }
        let staging = output.deletingLastPathComponent()
            .appendingPathComponent(".\(output.lastPathComponent).partial-\(getpid())")
        try? fm.removeItem(at: staging)
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        do {
            let configURL = model.appendingPathComponent("config.json")
            try DurableFile.write(try quantizedConfig(try Data(contentsOf: configURL), options: options, file: configURL.path),
                                  to: staging.appendingPathComponent("config.json"))
            try SafetensorsWriter.write(tensors, metadata: ["format": "pt"], to: staging.appendingPathComponent("model.safetensors"))
            for file in try fm.contentsOfDirectory(atPath: model.path).sorted()
            where !file.hasSuffix(".safetensors") && file != "model.safetensors.index.json" && file != "config.json" && !file.hasPrefix(".") {
                var isDirectory: ObjCBool = false
                let source = model.appendingPathComponent(file)
                guard fm.fileExists(atPath: source.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                try DurableFile.write(try Data(contentsOf: source), to: staging.appendingPathComponent(file))
            }
            try fm.moveItem(at: staging, to: output)
            DurableFile.syncDirectory(output.deletingLastPathComponent())
        } catch {
            try? fm.removeItem(at: staging)
            throw error
        }
    }
}
