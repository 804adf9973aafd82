import Foundation
import Tensors

/// Memory a model needs on each device, worked out from config.json and the tensor headers
/// alone, before any weight is read.
public struct DevicePlan: Sendable, Equatable {
    public var device: String
    public var layers: Range<Int>
    public var weightBytes: Int
    public var kvCacheBytes: Int
    public var scratchBytes: Int
    public var totalBytes: Int { weightBytes + kvCacheBytes + scratchBytes }
}

public struct Plan: Sendable {
    public var config: ModelConfig
    public var split: Split
    public var maxContext: Int
    public var batch: Int
    public var devices: [DevicePlan]
    public var memoryPerDevice: Int?

    /// One line per device, for `cellar inspect` and the load cell's console block.
    public var lines: [String] {
        devices.map { d in
            "\(d.device): layers \(d.layers.lowerBound)..<\(d.layers.upperBound), weights \(formatBytes(d.weightBytes)), KV cache \(formatBytes(d.kvCacheBytes)), scratch \(formatBytes(d.scratchBytes)), total \(formatBytes(d.totalBytes))"
                + (memoryPerDevice.map { " of \(formatBytes($0))" } ?? "")
        }
    }
}

/// A tensor's header entry, as far as the planner cares.
public struct TensorHeader: Sendable {
    public var name: String
    public var dtype: String
    public var shape: [Int]
    public init(name: String, dtype: String, shape: [Int]) { self.name = name; self.dtype = dtype; self.shape = shape }
}

public enum Planner {
    /// Plans `config` over `devices` (names such as "cpu:0"). Throws when a device's share does not
    /// fit `memoryPerDevice`, saying by how much, or when the split cannot cut the model.
    public static func plan(config c: ModelConfig, headers: [TensorHeader], devices: [String], split: Split,
                            memoryPerDevice: Int?, maxContext: Int, batch: Int = 1) throws(ModelError) -> Plan {
        let layout = try DeviceLayout(config: c, devices: devices.count, split: split)
        let names = Set(headers.map(\.name))
        if !headers.isEmpty {
            let awqInHeaders = names.contains("model.layers.0.self_attn.q_proj.qweight")
            if awqInHeaders != (c.awq != nil) {
                throw ModelError(awqInHeaders ? "the tensors are AWQ-quantized but config.json has no quantization_config"
                                              : "config.json says AWQ but the tensors have no qweight")
            }
        }
        let untiedHead = !c.tiedEmbeddings && (headers.isEmpty || names.contains("lm_head.weight"))
        let h = c.hiddenSize, hd = c.headDim
        func linearBytes(out: Int, in k: Int) -> Int {
            guard let g = c.awq?.groupSize else { return out * k * 4 }
            return 64 + out * k / 2 + 2 * (k / g) * out * 4 + 128   // Int4Columns layout, padded
        }
        var plans: [DevicePlan] = []
        for (d, share) in layout.shares.enumerated() {
            let q = share.kvHeads.count * c.groupSize * hd, kv = share.kvHeads.count * hd, f = share.ffn.count
            let perLayer = linearBytes(out: q + 2 * kv, in: h) + linearBytes(out: h, in: q)
                + linearBytes(out: 2 * f, in: h) + linearBytes(out: h, in: f)
                + 2 * h * 4 + (c.qkvBias ? (q + 2 * kv) * 4 : 0) + (c.outputBias ? h * 4 : 0)
            var weights = perLayer * share.layers.count
            if d == 0 { weights += c.vocabularySize * h * 4 + h * 4 }          // embedding, final norm
            if untiedHead { weights += share.vocabulary.count * h * 4 }      // tied: a view of the embedding
            let kvBytes = 2 * share.layers.count * batch * maxContext * kv * 4
            // Buffers for one prefill of max_context rows: residual, norm, q|k|v, attention out,
            // partial, gate|up, MLP hidden; plus one head's score matrix and the logits of one row.
            let rows = maxContext
            let scratch = rows * (4 * h + (q + 2 * kv) + q + 3 * f) * 4 + rows * maxContext * 4 + c.vocabularySize * 4
            plans.append(DevicePlan(device: devices[d], layers: share.layers, weightBytes: weights,
                                    kvCacheBytes: kvBytes, scratchBytes: scratch))
        }
        let plan = Plan(config: c, split: split, maxContext: maxContext, batch: batch, devices: plans,
                        memoryPerDevice: memoryPerDevice)
        if let limit = memoryPerDevice {
            let over = plans.filter { $0.totalBytes > limit }
            if let worst = over.max(by: { $0.totalBytes < $1.totalBytes }) {
                throw ModelError("the model does not fit: \(worst.device) needs \(formatBytes(worst.totalBytes)) (weights \(formatBytes(worst.weightBytes)), KV cache \(formatBytes(worst.kvCacheBytes)), scratch \(formatBytes(worst.scratchBytes))) but has \(formatBytes(limit)), \(formatBytes(worst.totalBytes - limit)) too much; \(over.count) of \(plans.count) devices are over")
            }
        }
        return plan
    }

    /// Parses sizes like "16GiB", "16 GB", "512MiB", "1.5G" or plain bytes.
    public static func parseBytes(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = t.prefix { $0.isNumber || $0 == "." }
        guard let value = Double(digits) else { return nil }
        let unit = t.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        let scale: Double
        switch unit {
        case "", "b": scale = 1
        case "k", "kb": scale = 1e3
        case "kib": scale = 1024
        case "m", "mb": scale = 1e6
        case "mib": scale = Double(1 << 20)
        case "g", "gb": scale = 1e9
        case "gib": scale = Double(1 << 30)
        case "t", "tb": scale = 1e12
        case "tib": scale = Double(1 << 40)
        default: return nil
        }
        return Int(value * scale)
    }
}

/// "12.3 GiB", "512.0 MiB", "4.0 KiB" or "17 B".
public func formatBytes(_ n: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var v = Double(n), i = 0
    while abs(v) >= 1024, i < units.count - 1 { v /= 1024; i += 1 }
    return i == 0 ? "\(n) B" : String(format: "%.2f %@", v, units[i])
}

extension Planner {
    /// Plans a Hugging Face folder from config.json and the safetensors headers only.
    public static func plan(modelDirectory dir: URL, devices: [String], split: Split, memoryPerDevice: Int?,
                            maxContext: Int, batch: Int = 1) throws -> Plan {
        let config = try ModelConfig.load(directory: dir)
        let headers = try Checkpoint.headers(directory: dir)
        let list = headers.names.compactMap { n in headers.tensors[n].map { TensorHeader(name: n, dtype: $0.dtype.rawValue, shape: $0.shape) } }
        return try plan(config: config, headers: list, devices: devices, split: split, memoryPerDevice: memoryPerDevice,
                        maxContext: maxContext, batch: batch)
    }
}
