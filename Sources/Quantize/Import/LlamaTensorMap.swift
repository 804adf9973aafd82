import Tensors

/// GGUF (llama.cpp) tensor names → Hugging Face Llama names, in the order transformers saves them.
enum LlamaTensorMap {
    static let perLayer: [(gguf: String, hf: String)] = [
        ("attn_q.weight", "self_attn.q_proj.weight"),
        ("attn_k.weight", "self_attn.k_proj.weight"),
        ("attn_v.weight", "self_attn.v_proj.weight"),
        ("attn_output.weight", "self_attn.o_proj.weight"),
        ("ffn_gate.weight", "mlp.gate_proj.weight"),
        ("ffn_up.weight", "mlp.up_proj.weight"),
        ("ffn_down.weight", "mlp.down_proj.weight"),
        ("attn_norm.weight", "input_layernorm.weight"),
        ("ffn_norm.weight", "post_attention_layernorm.weight"),
    ]

    struct Entry {
        let gguf: GGUFTensorInfo
        let hfName: String
        /// Heads whose rows llama.cpp interleaved (attn_q: all heads, attn_k: KV heads); nil otherwise.
        let permutedHeads: Int?
    }

    /// Every GGUF tensor mapped, in HF order; an unknown or missing tensor is an error, so
    /// nothing is silently dropped.
    static func entries(_ g: GGUFFile, _ config: LlamaGGUFConfig) throws(GGUFImportError) -> [Entry] {
        let file = g.url.path
        var used = Set<String>()
        var out: [Entry] = []
        func take(_ name: String, _ hf: String, heads: Int? = nil, shape expected: [Int]) throws(GGUFImportError) {
            guard let info = g.tensor(name) else { throw GGUFImportError(file: file, "has no tensor '\(name)'") }
            guard info.shape == expected else {
                throw GGUFImportError(file: file, "tensor '\(name)' has shape \(info.shape), expected \(expected) from the llama.* metadata")
            }
            guard info.type.canDequantize else {
                throw GGUFImportError(file: file, "tensor '\(name)' has type \(info.type.name), which import-gguf cannot convert (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K)")
            }
            used.insert(name)
            out.append(Entry(gguf: info, hfName: hf, permutedHeads: heads))
        }
        let h = config.hiddenSize, d = config.headDim
        try take("token_embd.weight", "model.embed_tokens.weight", shape: [config.vocabSize, h])
        for layer in 0..<config.layers {
            for (suffix, hf) in perLayer {
                let shape: [Int]
                var heads: Int? = nil
                switch suffix {
                case "attn_q.weight": shape = [config.heads * d, h]; heads = config.heads
                case "attn_k.weight": shape = [config.kvHeads * d, h]; heads = config.kvHeads
                case "attn_v.weight": shape = [config.kvHeads * d, h]
                case "attn_output.weight": shape = [h, config.heads * d]
                case "ffn_gate.weight", "ffn_up.weight": shape = [config.intermediateSize, h]
                case "ffn_down.weight": shape = [h, config.intermediateSize]
                default: shape = [h]
                }
                try take("blk.\(layer).\(suffix)", "model.layers.\(layer).\(hf)", heads: heads, shape: shape)
            }
        }
        try take("output_norm.weight", "model.norm.weight", shape: [h])
        if !config.tied { try take("output.weight", "lm_head.weight", shape: [config.vocabSize, h]) }
        if let extra = g.tensors.first(where: { !used.contains($0.name) }) {
            throw GGUFImportError(file: file, "tensor '\(extra.name)' has no Hugging Face Llama counterpart, so the import would lose it")
        }
        return out
    }
}
