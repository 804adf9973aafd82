/// How a model is spread over devices.
public enum Split: String, Sendable, Codable {
    /// Every device holds a share of each layer's heads and MLP columns; partial outputs are summed.
    case tensor
    /// Every device holds a contiguous block of whole layers.
    case layers
}

/// One device's part of one transformer layer. Shapes use the device's local head counts.
public struct LayerShard: Sendable {
    public var attentionNorm: FloatTensor        // [hidden]
    /// q | k | v stacked: [(heads + 2·kvHeads) · headDim, hidden]
    public var qkv: Linear
    public var qkvBias: FloatTensor?             // [(heads + 2·kvHeads) · headDim]
    /// [hidden, heads · headDim]: sums into the residual with the other devices' shares.
    public var output: Linear
    public var outputBias: FloatTensor?          // [hidden], on the first shard only
    public var mlpNorm: FloatTensor              // [hidden]
    /// gate | up stacked: [2 · ffn, hidden]
    public var gateUp: Linear
    /// [hidden, ffn]
    public var down: Linear
    /// This shard's query heads, KV heads and MLP columns.
    public var heads: Int
    public var kvHeads: Int
    public var ffn: Int
}

/// What one device holds.
public struct DeviceShard: Sendable {
    /// Layers this device computes (all of them for a tensor split).
    public var layerRange: Range<Int>
    /// Indexed by layer - layerRange.lowerBound.
    public var layers: [LayerShard]
    /// This device's share of the LM head: rows `vocabularyRange` of [vocab, hidden], or nil.
    public var lmHead: Linear?
    public var vocabularyRange: Range<Int>
}

/// All engine weights, ready to run.
public struct EngineWeights: Sendable {
    public var config: ModelConfig
    public var split: Split
    public var embedding: FloatTensor            // [vocab, hidden]
    public var finalNorm: FloatTensor            // [hidden]
    public var devices: [DeviceShard]
}
