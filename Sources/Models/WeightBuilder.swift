/// Builds engine weights for a device layout from a checkpoint's tensors: fuses q|k|v and
/// gate|up, and cuts each device's share (KV-head groups and MLP columns for a tensor split,
/// a block of layers for a layer split).
public enum WeightBuilder {
    public static func build(config: ModelConfig, source: any TensorSource, devices: Int, split: Split) throws -> EngineWeights {
        let plan = try DeviceLayout(config: config, devices: devices, split: split)
        func require(_ name: String) throws -> (values: [Float], shape: [Int]) {
            guard let t = try source.floats(name) else { throw ModelError("\(source.sourceName): tensor '\(name)' is missing") }
            return t
        }
        func vector(_ name: String, _ count: Int) throws -> FloatTensor {
            let t = try require(name)
            guard t.values.count == count else {
                throw ModelError("\(source.sourceName): tensor '\(name)' has \(t.values.count) values, expected \(count)")
            }
            return FloatTensor(t.values, shape: [count])
        }
        func linear(_ prefix: String, out: Int, in k: Int) throws -> LinearSource {
            if let qw = try source.int32s(prefix + ".qweight") {
                guard let g = config.awq?.groupSize else {
                    throw ModelError("\(source.sourceName): '\(prefix).qweight' is AWQ but config.json has no quantization_config")
                }
                guard let qz = try source.int32s(prefix + ".qzeros"), let sc = try source.halves(prefix + ".scales") else {
                    throw ModelError("\(source.sourceName): '\(prefix)' lacks qzeros or scales")
                }
                guard qw.shape == [k, out / 8], qz.shape == [k / g, out / 8], sc.shape == [k / g, out] else {
                    throw ModelError("\(source.sourceName): '\(prefix)' AWQ shapes \(qw.shape), \(qz.shape), \(sc.shape) do not fit [\(k) → \(out)] with group \(g)")
                }
                return .awq(qweight: qw.values, qzeros: qz.values, scales: sc.values, inFeatures: k, outFeatures: out, groupSize: g)
            }
            let w = try require(prefix + ".weight")
            guard w.shape == [out, k] else {
                throw ModelError("\(source.sourceName): tensor '\(prefix).weight' has shape \(w.shape), expected [\(out), \(k)]")
            }
            return .dense(values: w.values, outFeatures: out, inFeatures: k)
        }
        func bias(_ name: String, _ count: Int, _ range: Range<Int>) throws -> [Float] {
            let t = try vector(name, count)
            return Array(t.buffer[range])
        }

        let h = config.hiddenSize, hd = config.headDim, f = config.intermediateSize, v = config.vocabularySize
        let embedding = try require("model.embed_tokens.weight")
        guard embedding.shape == [v, h] else {
            throw ModelError("\(source.sourceName): 'model.embed_tokens.weight' has shape \(embedding.shape), expected [\(v), \(h)]")
        }
        let table = Embedding.compact(embedding.values, vocabulary: v, hidden: h)
        var head = table
        if !config.tiedEmbeddings, let t = try source.floats("lm_head.weight") {
            guard t.shape == [v, h] else { throw ModelError("\(source.sourceName): 'lm_head.weight' has shape \(t.shape), expected [\(v), \(h)]") }
            head = Embedding.compact(t.values, vocabulary: v, hidden: h)
        }

        var shards: [DeviceShard] = []
        for d in 0..<devices {
            let share = plan.shares[d]
            var layers: [LayerShard] = []
            for l in share.layers {
                let p = "model.layers.\(l)."
                let q = try linear(p + "self_attn.q_proj", out: config.qDim, in: h)
                let k = try linear(p + "self_attn.k_proj", out: config.kvDim, in: h)
                let vv = try linear(p + "self_attn.v_proj", out: config.kvDim, in: h)
                let o = try linear(p + "self_attn.o_proj", out: h, in: config.qDim)
                let qRange = (share.kvHeads.lowerBound * config.groupSize * hd)..<(share.kvHeads.upperBound * config.groupSize * hd)
                let kvRange = (share.kvHeads.lowerBound * hd)..<(share.kvHeads.upperBound * hd)
                let qkv = try LinearSource.concatenatingOutputs([q.outputs(qRange), k.outputs(kvRange), vv.outputs(kvRange)])
                var qkvBias: FloatTensor?
                if config.qkvBias {
                    let b = try bias(p + "self_attn.q_proj.bias", config.qDim, qRange)
                        + bias(p + "self_attn.k_proj.bias", config.kvDim, kvRange)
                        + bias(p + "self_attn.v_proj.bias", config.kvDim, kvRange)
                    qkvBias = FloatTensor(b, shape: [b.count])
                }
                let outputBias = config.outputBias && share.ownsSharedBias ? try vector(p + "self_attn.o_proj.bias", h) : nil
                let gate = try linear(p + "mlp.gate_proj", out: f, in: h)
                let up = try linear(p + "mlp.up_proj", out: f, in: h)
                let down = try linear(p + "mlp.down_proj", out: h, in: f)
                layers.append(LayerShard(
                    attentionNorm: try vector(p + "input_layernorm.weight", h),
                    qkv: try Linear(qkv), qkvBias: qkvBias,
                    output: try Linear(o.inputs(qRange)), outputBias: outputBias,
                    mlpNorm: try vector(p + "post_attention_layernorm.weight", h),
                    gateUp: try Linear(LinearSource.concatenatingOutputs([gate.outputs(share.ffn), up.outputs(share.ffn)])),
                    down: try Linear(down.inputs(share.ffn)),
                    heads: share.kvHeads.count * config.groupSize, kvHeads: share.kvHeads.count, ffn: share.ffn.count))
            }
            let lm = share.vocabulary.isEmpty ? nil : head.head(rows: share.vocabulary, hidden: h)
            shards.append(DeviceShard(layerRange: share.layers, layers: layers, lmHead: lm, vocabularyRange: share.vocabulary))
        }
        return EngineWeights(config: config, split: split, embedding: table,
                             finalNorm: try vector("model.norm.weight", h), devices: shards)
    }
}
