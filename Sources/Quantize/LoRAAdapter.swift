import Foundation
import Tensors

/// Why an adapter cannot be merged; one sentence naming the file and the tensor or key.
public struct LoRAMergeError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let message: String
    public init(file: String, _ message: String) { self.file = file; self.message = message }
    public var description: String { "\(file): \(message)" }
}

/// A PEFT LoRA adapter folder: adapter_config.json and adapter_model.safetensors, whose
/// tensors are `base_model.model.<module>.lora_A.weight` [r, in] and `….lora_B.weight` [out, r].
public struct LoRAAdapter {
    public struct Module {
        /// The base model's module path, e.g. `model.layers.0.self_attn.q_proj`.
        public let path: String
        public let loraA: String
        public let loraB: String
    }

    public let rank: Int
    public let alpha: Double
    public let targetModules: [String]
    /// Set for a single-string `target_modules`, which PEFT matches as a whole-name regex.
    public let targetPattern: String?
    /// GPT-2 style Conv1D weights stored [in, out]: the update is (B·A)ᵀ.
    public let fanInFanOut: Bool
    public let useRSLoRA: Bool
    public let modules: [Module]
    public let weights: SafetensorsFile

    /// alpha / r, or alpha / √r with rsLoRA (Kalajdzievski, 2023), as PEFT computes `scaling`.
    public var scale: Float {
        Float(useRSLoRA ? alpha / Double(rank).squareRoot() : alpha / Double(rank))
    }

    static let prefix = "base_model.model."

    public init(folder: URL) throws {
        let configURL = folder.appendingPathComponent("adapter_config.json")
        let configFile = configURL.path
        guard let data = try? Data(contentsOf: configURL) else {
            throw LoRAMergeError(file: configFile, "cannot be read (an adapter folder needs adapter_config.json)")
        }
        guard let config = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw LoRAMergeError(file: configFile, "is not a JSON object")
        }
        if let type = config["peft_type"] as? String, type != "LORA" {
            throw LoRAMergeError(file: configFile, "peft_type is \"\(type)\"; only LORA adapters can be merged")
        }
        guard let r = config["r"] as? Int, r > 0 else {
            throw LoRAMergeError(file: configFile, "key r must be a positive integer, got \(config["r"].map { "\($0)" } ?? "nothing")")
        }
        // PEFT's default lora_alpha is 8.
        let alphaValue = config["lora_alpha"] ?? 8
        guard let alpha = (alphaValue as? NSNumber)?.doubleValue, !(alphaValue is Bool), alpha.isFinite else {
            throw LoRAMergeError(file: configFile, "key lora_alpha must be a number, got \(alphaValue)")
        }
        for key in ["fan_in_fan_out", "use_rslora", "use_dora"] where config[key] != nil && !(config[key] is NSNull) {
            guard config[key] as? Bool != nil else {
                throw LoRAMergeError(file: configFile, "key \(key) must be true or false")
            }
        }
        if (config["use_dora"] as? Bool) == true {
            throw LoRAMergeError(file: configFile, "use_dora is true; DoRA adapters are not supported")
        }
        for key in ["rank_pattern", "alpha_pattern"] {
            if let pattern = config[key] as? [String: Any], !pattern.isEmpty {
                throw LoRAMergeError(file: configFile, "\(key) gives per-module ranks or alphas, which are not supported")
            }
        }
        switch config["target_modules"] {
        case let list as [String] where !list.isEmpty:
            targetModules = list; targetPattern = nil
        case let single as String where !single.isEmpty:
            guard (try? Regex(single)) != nil else {
                throw LoRAMergeError(file: configFile, "target_modules \"\(single)\" is not a valid regular expression")
            }
            targetModules = []; targetPattern = single
        default:
            throw LoRAMergeError(file: configFile, "key target_modules must be a non-empty list of module names or a string")
        }
        rank = r
        self.alpha = alpha
        fanInFanOut = config["fan_in_fan_out"] as? Bool ?? false
        useRSLoRA = config["use_rslora"] as? Bool ?? false

        let weightsURL = folder.appendingPathComponent("adapter_model.safetensors")
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw LoRAMergeError(file: weightsURL.path, "does not exist (only safetensors adapters are read, not adapter_model.bin)")
        }
        weights = try SafetensorsFile(weightsURL)
        modules = try Self.pairModules(weights, rank: r)
    }

    /// Groups the adapter's tensors by module; anything that is not a lora_A/lora_B pair of the
    /// declared rank is an error naming the tensor.
    static func pairModules(_ weights: SafetensorsFile, rank: Int) throws -> [Module] {
        let file = weights.url.path
        var a: [String: String] = [:], b: [String: String] = [:], order: [String] = []
        for name in weights.names {
            guard name.hasPrefix(prefix) else {
                throw LoRAMergeError(file: file, "tensor '\(name)' does not start with '\(prefix)'")
            }
            let rest = name.dropFirst(prefix.count)
            let module: String, isA: Bool
            if rest.hasSuffix(".lora_A.weight") { module = String(rest.dropLast(".lora_A.weight".count)); isA = true }
            else if rest.hasSuffix(".lora_B.weight") { module = String(rest.dropLast(".lora_B.weight".count)); isA = false }
            else {
                throw LoRAMergeError(file: file, "tensor '\(name)' is neither lora_A.weight nor lora_B.weight (biases, DoRA magnitudes and modules_to_save are not supported)")
            }
            guard let info = weights.info(name), info.shape.count == 2, info.dtype.isFloatingPoint else {
                throw LoRAMergeError(file: file, "tensor '\(name)' must be a 2-D floating-point matrix")
            }
            let rankAxis = isA ? info.shape[0] : info.shape[1]
            guard rankAxis == rank else {
                throw LoRAMergeError(file: file, "tensor '\(name)' has shape \(info.shape) but r = \(rank) (lora_A is [r, in], lora_B is [out, r])")
            }
            if a[module] == nil && b[module] == nil { order.append(module) }
            if isA { a[module] = name } else { b[module] = name }
        }
        return try order.map { module in
            guard let la = a[module], let lb = b[module] else {
                let present = a[module] ?? b[module] ?? module
                throw LoRAMergeError(file: file, "tensor '\(present)' has no \(a[module] == nil ? "lora_A" : "lora_B") partner")
            }
            return Module(path: module, loraA: la, loraB: lb)
        }
    }

    /// PEFT's rule: a list entry matches a module named exactly so or ending in ".entry"; a
    /// single string is a regular expression that must match the whole module path.
    public func targets(_ modulePath: String) -> Bool {
        if let targetPattern {
            guard let regex = try? Regex(targetPattern) else { return false }
            return (try? regex.wholeMatch(in: modulePath)) != nil
        }
        return targetModules.contains { modulePath == $0 || modulePath.hasSuffix("." + $0) }
    }

    /// Whether one target entry (or the pattern) matches `modulePath`.
    func entry(_ target: String, matches modulePath: String) -> Bool {
        modulePath == target || modulePath.hasSuffix("." + target)
    }
}
