import Foundation
import Tensors

/// A GGUF file as a `TensorSource`: tensors renamed to Hugging Face names and dequantized to
/// float32 at load. llama.cpp's converter permutes the rows of Q and K (for Llama) so that its
/// interleaved RoPE rotates adjacent pairs; un-permuting them gives Hugging Face's half-split
/// layout, which the engine's RoPE expects.
struct GGUFSource: TensorSource {
    let file: GGUFFile
    let config: ModelConfig
    /// Llama-style GGUFs store Q/K permuted; Qwen2's use NEOX (half-split) RoPE unchanged.
    let permutedQK: Bool
    var sourceName: String { file.url.path }

    func ggufName(_ hf: String) -> String? {
        switch hf {
        case "model.embed_tokens.weight": return "token_embd.weight"
        case "model.norm.weight": return "output_norm.weight"
        case "lm_head.weight": return "output.weight"
        default: break
        }
        let parts = hf.split(separator: ".").map(String.init)
        // model.layers.N.<module>.<proj>.<weight|bias>  or  model.layers.N.<norm>.weight
        guard parts.count >= 5, parts[0] == "model", parts[1] == "layers", let n = Int(parts[2]) else { return nil }
        let rest = parts[3...].joined(separator: ".")
        let map = ["input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
                   "self_attn.q_proj.weight": "attn_q.weight", "self_attn.k_proj.weight": "attn_k.weight",
                   "self_attn.v_proj.weight": "attn_v.weight", "self_attn.o_proj.weight": "attn_output.weight",
                   "self_attn.q_proj.bias": "attn_q.bias", "self_attn.k_proj.bias": "attn_k.bias",
                   "self_attn.v_proj.bias": "attn_v.bias", "self_attn.o_proj.bias": "attn_output.bias",
                   "mlp.gate_proj.weight": "ffn_gate.weight", "mlp.up_proj.weight": "ffn_up.weight",
                   "mlp.down_proj.weight": "ffn_down.weight"]
        return map[rest].map { "blk.\(n).\($0)" }
    }

    func floats(_ name: String) throws -> (values: [Float], shape: [Int])? {
        guard let g = ggufName(name), let info = file.tensor(g) else { return nil }
        var values = try file.dequantize(g)
        let shape = info.shape
        if permutedQK, name.hasSuffix("q_proj.weight") || name.hasSuffix("k_proj.weight") || name.hasSuffix("q_proj.bias") || name.hasSuffix("k_proj.bias") {
            let heads = name.contains("q_proj") ? config.heads : config.kvHeads
            values = GGUFRotaryLayout.unpermuteRows(values, heads: heads, columns: shape.count == 2 ? shape[1] : 1)
        }
        return (values, shape)
    }

    func int32s(_ name: String) throws -> (values: [Int32], shape: [Int])? { nil }
    func halves(_ name: String) throws -> (values: [Float16], shape: [Int])? { nil }
}

extension ModelConfig {
    /// Reads a Llama-family model's shape from GGUF metadata.
    public static func from(gguf: GGUFFile) throws(ModelError) -> ModelConfig {
        let path = gguf.url.path
        guard let arch = gguf.value("general.architecture")?.string else {
            throw ModelError("\(path): metadata 'general.architecture' is missing")
        }
        guard ["llama", "mistral", "qwen2"].contains(arch) else {
            throw ModelError("\(path): architecture '\(arch)' is not supported (llama, mistral, qwen2)")
        }
        func int(_ key: String) throws(ModelError) -> Int {
            guard let v = gguf.value("\(arch).\(key)")?.int else { throw ModelError("\(path): metadata '\(arch).\(key)' is missing") }
            return v
        }
        guard let embedding = gguf.tensor("token_embd.weight"), embedding.shape.count == 2 else {
            throw ModelError("\(path): tensor 'token_embd.weight' is missing or not a matrix")
        }
        let heads = try int("attention.head_count")
        let hidden = try int("embedding_length")
        var config = ModelConfig(
            modelType: arch, hiddenSize: hidden, intermediateSize: try int("feed_forward_length"),
            layers: try int("block_count"), heads: heads,
            kvHeads: gguf.value("\(arch).attention.head_count_kv")?.int ?? heads,
            headDim: gguf.value("\(arch).attention.key_length")?.int,
            vocabularySize: embedding.shape[0],
            ropeTheta: gguf.value("\(arch).rope.freq_base")?.double ?? 10000,
            rmsNormEpsilon: Float(gguf.value("\(arch).attention.layer_norm_rms_epsilon")?.double ?? 1e-5),
            tiedEmbeddings: gguf.tensor("output.weight") == nil,
            qkvBias: gguf.tensor("blk.0.attn_q.bias") != nil,
            outputBias: gguf.tensor("blk.0.attn_output.bias") != nil,
            slidingWindow: gguf.value("\(arch).attention.sliding_window")?.int,
            maxPositions: gguf.value("\(arch).context_length")?.int ?? 4096)
        if gguf.value("\(arch).rope.scaling.type")?.string == "linear", let f = gguf.value("\(arch).rope.scaling.factor")?.double {
            config.ropeScaling = .linear(factor: f)
        }
        try config.validate(source: path)
        return config
    }
}

extension ModelLoader {
    /// Loads a GGUF file, dequantizing every tensor to float32.
    public static func loadGGUF(_ url: URL, devices: Int = 1, split: Split = .tensor) throws -> EngineWeights {
        let file = try GGUFFile(url)
        let config = try ModelConfig.from(gguf: file)
        let source = GGUFSource(file: file, config: config, permutedQK: config.modelType != "qwen2")
        return try WeightBuilder.build(config: config, source: source, devices: devices, split: split)
    }

    /// A Hugging Face folder or a .gguf file.
    public static func load(model: URL, devices: Int = 1, split: Split = .tensor) throws -> EngineWeights {
        if model.pathExtension.lowercased() == "gguf" { return try loadGGUFInt4(model, devices: devices, split: split) }
        return try loadHF(directory: model, devices: devices, split: split)
    }

    /// The model's configuration without reading weights.
    public static func config(model: URL) throws -> ModelConfig {
        if model.pathExtension.lowercased() == "gguf" { return try ModelConfig.from(gguf: GGUFFile(model)) }
        return try ModelConfig.load(directory: model)
    }
}
