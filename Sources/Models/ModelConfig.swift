import Foundation

/// How positions turn into rotation frequencies.
public enum RopeScaling: Sendable, Equatable, Codable {
    case none
    /// Positions divided by `factor` (frequencies divided by it).
    case linear(factor: Double)
    /// Llama 3.1's band-wise scaling.
    case llama3(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalContext: Double)
}

/// AWQ 4-bit GEMM packing as AutoAWQ writes it.
public struct AWQSettings: Sendable, Equatable, Codable {
    public var groupSize: Int
    public init(groupSize: Int) { self.groupSize = groupSize }
}

/// Everything the engine needs to know about a Llama-family model's shape.
public struct ModelConfig: Sendable, Equatable, Codable {
    public var modelType: String
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var vocabularySize: Int
    public var ropeTheta: Double
    public var ropeScaling: RopeScaling
    public var rmsNormEpsilon: Float
    public var tiedEmbeddings: Bool
    /// Biases on q, k and v (Qwen2; Llama's attention_bias).
    public var qkvBias: Bool
    /// A bias on o_proj (Llama's attention_bias only).
    public var outputBias: Bool
    /// Keys older than this many positions are invisible (Mistral).
    public var slidingWindow: Int?
    public var maxPositions: Int
    public var awq: AWQSettings?

    public init(modelType: String, hiddenSize: Int, intermediateSize: Int, layers: Int, heads: Int,
                kvHeads: Int, headDim: Int? = nil, vocabularySize: Int, ropeTheta: Double = 10000,
                ropeScaling: RopeScaling = .none, rmsNormEpsilon: Float = 1e-5, tiedEmbeddings: Bool = false,
                qkvBias: Bool = false, outputBias: Bool = false, slidingWindow: Int? = nil,
                maxPositions: Int = 4096, awq: AWQSettings? = nil) {
        self.modelType = modelType; self.hiddenSize = hiddenSize; self.intermediateSize = intermediateSize
        self.layers = layers; self.heads = heads; self.kvHeads = kvHeads
        self.headDim = headDim ?? (heads > 0 ? hiddenSize / heads : 0)
        self.vocabularySize = vocabularySize; self.ropeTheta = ropeTheta; self.ropeScaling = ropeScaling
        self.rmsNormEpsilon = rmsNormEpsilon; self.tiedEmbeddings = tiedEmbeddings; self.qkvBias = qkvBias
        self.outputBias = outputBias; self.slidingWindow = slidingWindow; self.maxPositions = maxPositions
        self.awq = awq
    }

    /// Query heads that share one KV head.
    public var groupSize: Int { heads / kvHeads }
    public var qDim: Int { heads * headDim }
    public var kvDim: Int { kvHeads * headDim }

    /// Parameters, counting each int4 weight as one parameter.
    public var parameterCount: Int {
        let attention = hiddenSize * (qDim + 2 * kvDim) + qDim * hiddenSize
        let mlp = 3 * hiddenSize * intermediateSize
        let perLayer = attention + mlp + 2 * hiddenSize + (qkvBias ? qDim + 2 * kvDim : 0)
        let embeddings = vocabularySize * hiddenSize * (tiedEmbeddings ? 1 : 2)
        return layers * perLayer + embeddings + hiddenSize
    }

    /// Rotation frequencies per pair, after scaling: [headDim / 2].
    public var ropeInverseFrequencies: [Float] {
        let d = Double(headDim)
        return (0..<headDim / 2).map { i -> Float in
            let f = 1 / pow(ropeTheta, Double(2 * i) / d)
            switch ropeScaling {
            case .none: return Float(f)
            case .linear(let factor): return Float(f / factor)
            case .llama3(let factor, let low, let high, let original):
                let wavelength = 2 * Double.pi / f
                let lowWavelength = original / low, highWavelength = original / high
                if wavelength < highWavelength { return Float(f) }
                if wavelength > lowWavelength { return Float(f / factor) }
                let smooth = (original / wavelength - low) / (high - low)
                return Float((1 - smooth) * f / factor + smooth * f)
            }
        }
    }

    /// Checks that the dimensions are consistent; `source` names the file for the message.
    public func validate(source: String) throws(ModelError) {
        func need(_ ok: Bool, _ what: String) throws(ModelError) {
            if !ok { throw ModelError("\(source): \(what)") }
        }
        try need(hiddenSize > 0 && intermediateSize > 0 && layers > 0 && vocabularySize > 0,
                 "hidden_size, intermediate_size, num_hidden_layers and vocab_size must be positive")
        try need(heads > 0 && kvHeads > 0 && heads % kvHeads == 0,
                 "num_attention_heads (\(heads)) must be a positive multiple of num_key_value_heads (\(kvHeads))")
        try need(headDim > 0 && headDim % 2 == 0, "head dimension \(headDim) must be positive and even")
        if let g = awq?.groupSize {
            try need(g > 0 && hiddenSize % g == 0 && intermediateSize % g == 0 && qDim % g == 0,
                     "AWQ group size \(g) must divide hidden_size \(hiddenSize), intermediate_size \(intermediateSize) and heads·head_dim \(qDim)")
        }
    }
}
