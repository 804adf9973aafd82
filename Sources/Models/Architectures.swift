import Foundation

/// One Llama-family architecture: how its config.json maps onto `ModelConfig`. Families differ
/// only in defaults and a few keys, so each is a small value in the registry below.
public struct Architecture: Sendable {
    public let modelType: String
    /// Reads the family's own keys on top of the common Llama ones.
    let adjust: @Sendable (_ json: [String: Any], _ config: inout ModelConfig) -> Void

    /// Architectures the engine runs, by `model_type`.
    public static let registry: [String: Architecture] = Dictionary(
        uniqueKeysWithValues: [Architecture.llama, .mistral, .qwen2].map { ($0.modelType, $0) })
}

extension ModelConfig {
    /// Parses a Hugging Face config.json. `file` names it in messages.
    public static func parse(json data: Data, file: String) throws(ModelError) -> ModelConfig {
        guard let object = try? JSONSerialization.jsonObject(with: data),
              let json = object as? [String: Any] else {
            throw ModelError("\(file): not a JSON object")
        }
        guard let type = json["model_type"] as? String else {
            throw ModelError("\(file): key 'model_type' is missing")
        }
        guard let architecture = Architecture.registry[type] else {
            throw ModelError("\(file): model_type '\(type)' is not supported (supported: \(Architecture.registry.keys.sorted().joined(separator: ", ")))")
        }
        func int(_ key: String) throws(ModelError) -> Int {
            guard let v = json[key] as? NSNumber else { throw ModelError("\(file): key '\(key)' is missing or not a number") }
            return v.intValue
        }
        let heads = try int("num_attention_heads")
        let hidden = try int("hidden_size")
        var config = ModelConfig(
            modelType: type, hiddenSize: hidden, intermediateSize: try int("intermediate_size"),
            layers: try int("num_hidden_layers"), heads: heads,
            kvHeads: (json["num_key_value_heads"] as? NSNumber)?.intValue ?? heads,
            headDim: (json["head_dim"] as? NSNumber)?.intValue,
            vocabularySize: try int("vocab_size"),
            ropeTheta: (json["rope_theta"] as? NSNumber)?.doubleValue ?? 10000,
            rmsNormEpsilon: (json["rms_norm_eps"] as? NSNumber)?.floatValue ?? 1e-6,
            tiedEmbeddings: (json["tie_word_embeddings"] as? NSNumber)?.boolValue ?? false,
            maxPositions: (json["max_position_embeddings"] as? NSNumber)?.intValue ?? 4096)
        if let scaling = json["rope_scaling"] as? [String: Any] {
            let kind = (scaling["rope_type"] ?? scaling["type"]) as? String ?? ""
            let factor = (scaling["factor"] as? NSNumber)?.doubleValue ?? 1
            switch kind {
            case "linear": config.ropeScaling = .linear(factor: factor)
            case "llama3":
                config.ropeScaling = .llama3(
                    factor: factor,
                    lowFrequencyFactor: (scaling["low_freq_factor"] as? NSNumber)?.doubleValue ?? 1,
                    highFrequencyFactor: (scaling["high_freq_factor"] as? NSNumber)?.doubleValue ?? 4,
                    originalContext: (scaling["original_max_position_embeddings"] as? NSNumber)?.doubleValue ?? 8192)
            case "default", "": break
            default: throw ModelError("\(file): rope_scaling type '\(kind)' is not supported (linear, llama3)")
            }
        }
        if let q = json["quantization_config"] as? [String: Any] {
            let method = q["quant_method"] as? String ?? "?"
            guard method == "awq" else {
                throw ModelError("\(file): quantization_config.quant_method '\(method)' is not supported (awq)")
            }
            let bits = (q["bits"] ?? q["w_bit"]) as? NSNumber
            let version = ((q["version"] as? String) ?? "gemm").lowercased()
            guard bits?.intValue == 4, version == "gemm" else {
                throw ModelError("\(file): only 4-bit AWQ version gemm is supported (got bits \(bits?.intValue ?? 0), version \(version))")
            }
            guard let group = ((q["group_size"] ?? q["q_group_size"]) as? NSNumber)?.intValue else {
                throw ModelError("\(file): quantization_config.group_size is missing")
            }
            config.awq = AWQSettings(groupSize: group)
        }
        architecture.adjust(json, &config)
        try config.validate(source: file)
        return config
    }

    /// Reads `config.json` in a Hugging Face model folder.
    public static func load(directory: URL) throws -> ModelConfig {
        let url = directory.appendingPathComponent("config.json")
        guard let data = try? Data(contentsOf: url) else { throw ModelError("\(url.path): cannot read config.json") }
        return try parse(json: data, file: url.path)
    }
}
