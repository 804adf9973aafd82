/// One decoder layer's full-precision weights, named as in a Hugging Face Llama-family
/// checkpoint relative to `model.layers.N.` ("self_attn.q_proj.weight", "mlp.up_proj.weight",
/// "input_layernorm.weight", optional "self_attn.q_proj.bias"...). Linear weights are W [out, in].
public struct LayerWeights: Sendable {
    public var tensors: [String: [Float]]
    public var shapes: [String: [Int]]
    public init(tensors: [String: [Float]] = [:], shapes: [String: [Int]] = [:]) {
        self.tensors = tensors; self.shapes = shapes
    }

    func tensor(_ name: String) throws(QuantizeError) -> [Float] {
        guard let t = tensors[name] else { throw .missingTensor(file: "layer weights", name: name) }
        return t
    }

    /// (out, in) of a linear's weight.
    func linearShape(_ name: String) throws(QuantizeError) -> (out: Int, in: Int) {
        guard let s = shapes[name + ".weight"], s.count == 2 else {
            throw .badShape("\(name).weight is missing or not two-dimensional")
        }
        return (s[0], s[1])
    }
}

/// Inputs of a decoder layer's linears on the calibration tokens, from the full-precision model.
public struct LayerInputs: Sendable {
    /// RMS-normed hidden state feeding q/k/v [tokens, hidden].
    public var attention: Activations
    /// Attention heads' output feeding o_proj [tokens, heads·headDim].
    public var attentionOutput: Activations
    /// RMS-normed hidden state feeding gate/up [tokens, hidden].
    public var mlp: Activations
    /// silu(gate)·up feeding down_proj [tokens, intermediate].
    public var mlpHidden: Activations
    /// Lets the q/k/v search score the whole attention block; nil scores q/k/v on their own outputs.
    public var attentionBlock: AttentionBlockShape?
    public init(attention: Activations, attentionOutput: Activations, mlp: Activations, mlpHidden: Activations,
                attentionBlock: AttentionBlockShape? = nil) {
        self.attention = attention; self.attentionOutput = attentionOutput; self.mlp = mlp; self.mlpHidden = mlpHidden
        self.attentionBlock = attentionBlock
    }
}

public enum QuantizationMethod: String, Sendable {
    /// Activation-aware scaling, then round-to-nearest.
    case awq
    /// Plain round-to-nearest, for comparison.
    case rtn
}

/// What the search decided for one group of linears sharing an input.
public struct ScaleGroupReport: Sendable {
    public let linears: [String]
    public let ratio: Float?
    public let error: Double
    public let roundToNearestError: Double
}

/// AWQ for one Llama-family decoder layer, as AutoAWQ does it: search scales for each group of
/// linears that share an input (all searches on the original weights), fold 1/s into the op that
/// produces the input (an RMSNorm's weight, or the rows of the previous linear), multiply s into
/// the linears' columns, then quantize all seven linears per group with zero points.
public enum AWQLayer {
    public static let linearNames = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                                     "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]

    enum Producer { case norm(String), linear(String) }
    struct ScaleGroup { let producer: Producer; let linears: [String]; let input: KeyPath<LayerInputs, Activations> }

    static func scaleGroups(_ w: LayerWeights) throws(QuantizeError) -> [ScaleGroup] {
        var groups = [ScaleGroup(producer: .norm("input_layernorm.weight"),
                                 linears: ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"], input: \.attention)]
        // v → o only when v's output is o's input one to one (no grouped-query sharing).
        let v = try w.linearShape("self_attn.v_proj"), o = try w.linearShape("self_attn.o_proj")
        if v == o {
            groups.append(ScaleGroup(producer: .linear("self_attn.v_proj"), linears: ["self_attn.o_proj"], input: \.attentionOutput))
        }
        groups.append(ScaleGroup(producer: .norm("post_attention_layernorm.weight"),
                                 linears: ["mlp.gate_proj", "mlp.up_proj"], input: \.mlp))
        groups.append(ScaleGroup(producer: .linear("mlp.up_proj"), linears: ["mlp.down_proj"], input: \.mlpHidden))
        return groups
    }

    /// Scales (AWQ), clips and quantizes the layer. `weights` is updated in place with the folded
    /// norms (the norm weights are what the quantized checkpoint stores). Returns the quantized
    /// linears by name. As in AutoAWQ, q/k/v are scored on the attention block's output (when the
    /// inputs carry its shape), gate/up on the whole MLP's, the others on their own outputs; then
    /// the range search (`AWQRangeSearch`, AutoAWQ's clipping search with both ends of each
    /// group's range searched) sets every group's quantization range, except for q/k, whose
    /// errors attention magnifies (AutoAWQ does not clip them either).
    public static func quantize(_ weights: inout LayerWeights, inputs: LayerInputs?, method: QuantizationMethod,
                                groupSize: Int, grid: Int = 20, clip: Bool = true,
                                searchTokens: Int = 512) throws(QuantizeError)
        -> (linears: [String: QuantizedLinear], report: [ScaleGroupReport]) {
        var report: [ScaleGroupReport] = []
        var ranges: [String: [Float]] = [:]
        if method == .awq {
            guard let inputs else { throw .unsupported("AWQ needs calibration activations") }
            var decided: [(ScaleGroup, [Float])] = []
            let groups = try scaleGroups(weights)
            for group in groups {
                var stacked: [Float] = [], rows = 0, inFeatures = 0
                for name in group.linears {
                    let shape = try weights.linearShape(name)
                    stacked += try weights.tensor(name + ".weight")
                    rows += shape.out; inFeatures = shape.in
                }
                let x = inputs[keyPath: group.input]
                let result: ScaleSearchResult
                if group.linears == ["mlp.gate_proj", "mlp.up_proj"] {
                    let down = try weights.tensor("mlp.down_proj.weight")
                    let f = rows / 2
                    guard down.count == f * inFeatures else { throw .badShape("mlp.down_proj.weight is not [\(inFeatures), \(f)]") }
                    try AWQScaleSearch.validate(stacked, rows: rows, inFeatures: inFeatures, groupSize: groupSize, x)
                    var loss = MLPOutputLoss(gateUp: stacked, down: down, intermediate: f,
                                             x: AWQScaleSearch.sampleTokens(x, maxTokens: searchTokens))
                    result = try AWQScaleSearch.search(stackedWeights: stacked, rows: rows, inFeatures: inFeatures,
                                                       groupSize: groupSize, activations: x, grid: grid, loss: &loss)
                } else if group.linears.first == "self_attn.q_proj", let block = inputs.attentionBlock {
                    try AWQScaleSearch.validate(stacked, rows: rows, inFeatures: inFeatures, groupSize: groupSize, x)
                    let c = block.config
                    guard rows == c.qDim + 2 * c.kvDim, inFeatures == c.hiddenSize, x.tokens == block.sequenceLengths.reduce(0, +) else {
                        throw .badShape("q/k/v [\(rows), \(inFeatures)] do not match config.json's attention dimensions")
                    }
                    let o = try weights.tensor("self_attn.o_proj.weight")
                    guard o.count == c.hiddenSize * c.qDim else { throw .badShape("self_attn.o_proj.weight is not [\(c.hiddenSize), \(c.qDim)]") }
                    var loss = AttentionOutputLoss(shape: block, x: x, qkv: stacked, o: o,
                                                   biases: ["q_proj", "k_proj", "v_proj"].map { weights.tensors["self_attn.\($0).bias"] },
                                                   maxTokens: searchTokens)
                    result = try AWQScaleSearch.search(stackedWeights: stacked, rows: rows, inFeatures: inFeatures,
                                                       groupSize: groupSize, activations: x, grid: grid, loss: &loss)
                } else {
                    result = try AWQScaleSearch.search(stackedWeights: stacked, rows: rows, inFeatures: inFeatures,
                                                       groupSize: groupSize, activations: x, grid: grid, maxTokens: searchTokens)
                }
                report.append(ScaleGroupReport(linears: group.linears, ratio: result.ratio, error: result.error,
                                               roundToNearestError: result.roundToNearestError))
                decided.append((group, result.ratio == nil ? [] : result.scales))
            }
            for (group, s) in decided where !s.isEmpty { try apply(s, to: group, in: &weights) }
            if clip {
                let inputOf: [String: KeyPath<LayerInputs, Activations>] = [
                    "self_attn.v_proj": \.attention, "self_attn.o_proj": \.attentionOutput,
                    "mlp.gate_proj": \.mlp, "mlp.up_proj": \.mlp, "mlp.down_proj": \.mlpHidden]
                var scaledInputs: [KeyPath<LayerInputs, Activations>: Activations] = [:]
                for name in linearNames {
                    guard let path = inputOf[name] else { continue }
                    // The linear now sees its input divided by its group's scales.
                    var x = scaledInputs[path] ?? inputs[keyPath: path]
                    if scaledInputs[path] == nil {
                        if let s = decided.first(where: { $0.0.linears.contains(name) })?.1, !s.isEmpty {
                            for t in 0..<x.tokens { for i in 0..<x.features { x.values[t * x.features + i] /= s[i] } }
                        }
                        scaledInputs[path] = x
                    }
                    let shape = try weights.linearShape(name)
                    ranges[name] = try AWQRangeSearch.search(try weights.tensor(name + ".weight"), outFeatures: shape.out,
                                                             inFeatures: shape.in, groupSize: groupSize, activations: x).ranges
                }
            }
        }
        var linears: [String: QuantizedLinear] = [:]
        for name in linearNames {
            let shape = try weights.linearShape(name)
            linears[name] = try RTN.quantize(try weights.tensor(name + ".weight"), outFeatures: shape.out,
                                             inFeatures: shape.in, groupSize: groupSize, ranges: ranges[name])
        }
        return (linears, report)
    }

    /// Linears' columns × s; producer ÷ s (norm weight, or previous linear's rows and bias).
    static func apply(_ s: [Float], to group: ScaleGroup, in w: inout LayerWeights) throws(QuantizeError) {
        for name in group.linears {
            let shape = try w.linearShape(name)
            var t = try w.tensor(name + ".weight")
            for r in 0..<shape.out { for i in 0..<shape.in { t[r * shape.in + i] *= s[i] } }
            w.tensors[name + ".weight"] = t
        }
        switch group.producer {
        case .norm(let name):
            var t = try w.tensor(name)
            guard t.count == s.count else { throw .badShape("\(name) has \(t.count) values, the scales \(s.count)") }
            for i in 0..<t.count { t[i] /= s[i] }
            w.tensors[name] = t
        case .linear(let name):
            let shape = try w.linearShape(name)
            guard shape.out == s.count else { throw .badShape("\(name) has \(shape.out) outputs, the scales \(s.count)") }
            var t = try w.tensor(name + ".weight")
            for r in 0..<shape.out { for i in 0..<shape.in { t[r * shape.in + i] /= s[r] } }
            w.tensors[name + ".weight"] = t
            if var b = w.tensors[name + ".bias"] {
                for r in 0..<min(b.count, s.count) { b[r] /= s[r] }
                w.tensors[name + ".bias"] = b
            }
        }
    }
}
