import Foundation
import JSON
import Tensors

/// The hyper-parameters of a llama-architecture GGUF, read from its `llama.*` metadata, and
/// their Hugging Face config.json.
struct LlamaGGUFConfig {
    var hiddenSize: Int
    var intermediateSize: Int
    var layers: Int
    var heads: Int
    var kvHeads: Int
    var headDim: Int
    var ropeTheta: Float
    var rmsNormEps: Float
    var maxPositions: Int
    var vocabSize: Int
    var tied: Bool
    var bosID: Int?
    var eosID: Int?
    var padID: Int?
    var ropeScaling: (type: String, factor: Float)?

    static let supportedArchitectures = ["llama"]

    init(_ g: GGUFFile) throws(GGUFImportError) {
        let file = g.url.path
        guard let arch = g.value("general.architecture")?.string else {
            throw GGUFImportError(file: file, "has no general.architecture string")
        }
        guard Self.supportedArchitectures.contains(arch) else {
            throw GGUFImportError(file: file, "architecture '\(arch)' is not supported by import-gguf (supported: \(Self.supportedArchitectures.joined(separator: ", ")))")
        }
        func int(_ key: String) throws(GGUFImportError) -> Int {
            guard let v = g.value("llama." + key) else { throw GGUFImportError(file: file, "has no llama.\(key)") }
            guard let i = v.int, i > 0 else { throw GGUFImportError(file: file, "llama.\(key) is \(v), expected a positive integer") }
            return i
        }
        func float(_ key: String, default d: Float) throws(GGUFImportError) -> Float {
            guard let v = g.value("llama." + key) else { return d }
            switch v {
            case .float32(let f) where f.isFinite && f > 0: return f
            case .float64(let x) where x.isFinite && x > 0: return Float(x)
            default: throw GGUFImportError(file: file, "llama.\(key) is \(v), expected a positive number")
            }
        }
        hiddenSize = try int("embedding_length")
        intermediateSize = try int("feed_forward_length")
        layers = try int("block_count")
        heads = try int("attention.head_count")
        kvHeads = g.value("llama.attention.head_count_kv") == nil ? heads : try int("attention.head_count_kv")
        guard hiddenSize % heads == 0, heads % kvHeads == 0 else {
            throw GGUFImportError(file: file, "llama.embedding_length \(hiddenSize), head_count \(heads) and head_count_kv \(kvHeads) do not divide evenly")
        }
        headDim = g.value("llama.attention.key_length") == nil ? hiddenSize / heads : try int("attention.key_length")
        guard headDim % 2 == 0 else { throw GGUFImportError(file: file, "head dimension \(headDim) is odd; rotary embeddings need an even one") }
        ropeTheta = try float("rope.freq_base", default: 10000)
        rmsNormEps = try float("attention.layer_norm_rms_epsilon", default: 1e-5)
        maxPositions = g.value("llama.context_length") == nil ? 2048 : try int("context_length")
        guard let embedding = g.tensor("token_embd.weight"), embedding.dimensions.count == 2 else {
            throw GGUFImportError(file: file, "has no 2-D token_embd.weight tensor")
        }
        vocabSize = embedding.dimensions[1]
        if let v = g.value("llama.vocab_size")?.int, v != vocabSize {
            throw GGUFImportError(file: file, "llama.vocab_size is \(v) but token_embd.weight has \(vocabSize) rows")
        }
        tied = g.tensor("output.weight") == nil
        bosID = g.value("tokenizer.ggml.bos_token_id")?.int
        eosID = g.value("tokenizer.ggml.eos_token_id")?.int
        padID = g.value("tokenizer.ggml.padding_token_id")?.int
        if let type = g.value("llama.rope.scaling.type")?.string, type != "none" {
            guard type == "linear", let factor = g.value("llama.rope.scaling.factor")?.double else {
                throw GGUFImportError(file: file, "llama.rope.scaling.type '\(type)' is not supported (only linear)")
            }
            ropeScaling = (type, Float(factor))
        }
    }

    func configJSON(dtype: ImportDType) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("architectures", .array([.string("LlamaForCausalLM")])),
            ("model_type", .string("llama")),
            ("attention_bias", .bool(false)),
            ("attention_dropout", .number(0.0)),
            ("hidden_act", .string("silu")),
            ("hidden_size", .int(hiddenSize)),
            ("intermediate_size", .int(intermediateSize)),
            ("num_hidden_layers", .int(layers)),
            ("num_attention_heads", .int(heads)),
            ("num_key_value_heads", .int(kvHeads)),
            ("head_dim", .int(headDim)),
            ("max_position_embeddings", .int(maxPositions)),
            ("rms_norm_eps", .float(rmsNormEps)),
            ("rope_theta", .float(ropeTheta)),
            ("rope_scaling", ropeScaling.map { .object([("type", .string($0.type)), ("factor", .float($0.factor))]) } ?? .null),
            ("vocab_size", .int(vocabSize)),
            ("tie_word_embeddings", .bool(tied)),
            ("mlp_bias", .bool(false)),
            ("initializer_range", .number(0.02)),
            ("pretraining_tp", .int(1)),
            ("use_cache", .bool(true)),
            ("torch_dtype", .string(dtype.torchName)),
        ]
        if let bosID { members.append(("bos_token_id", .int(bosID))) }
        if let eosID { members.append(("eos_token_id", .int(eosID))) }
        if let padID { members.append(("pad_token_id", .int(padID))) }
        return .object(members)
    }

    func generationConfigJSON() -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("_from_model_config", .bool(true))]
        if let bosID { members.append(("bos_token_id", .int(bosID))) }
        if let eosID { members.append(("eos_token_id", .int(eosID))) }
        if let padID { members.append(("pad_token_id", .int(padID))) }
        return .object(members)
    }
}

/// The element type of an imported model.safetensors.
public enum ImportDType: String, Sendable, CaseIterable {
    case f16, f32

    var torchName: String { self == .f16 ? "float16" : "float32" }
    var dtype: DType { self == .f16 ? .f16 : .f32 }
}

extension JSONValue {
    /// A config file as transformers writes it: two-space indent, members in order, final newline.
    var data: Data { Data((JSONWriter.serialize(self, indent: 2) + "\n").utf8) }
}
