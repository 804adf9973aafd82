import Kernels

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

/// The token embedding table [vocab, hidden].
public enum Embedding: Sendable {
    case float(FloatTensor)
    /// A GGUF's Q8_0 table, kept 8-bit (a quarter of float32) and read a row at a time.
    case int8(Int8Matrix)
    /// A float16 checkpoint's table, kept float16.
    case half(HalfMatrix)

    /// A float32 table, kept as float16 when that loses nothing (a float16 checkpoint's).
    static func compact(_ values: [Float], vocabulary: Int, hidden: Int) -> Embedding {
        let half = values.withUnsafeBufferPointer { HalfMatrix(exactly: $0.baseAddress!, inFeatures: hidden, outFeatures: vocabulary) }
        return half.map { .half($0) } ?? .float(FloatTensor(values, shape: [vocabulary, hidden]))
    }

    /// out[hidden] = the embedding of `token`.
    func row(_ token: Int, hidden: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .float(let t): out.update(from: t.pointer + token * hidden, count: hidden)
        case .int8(let m as any TableMatrix), .half(let m as any TableMatrix): m.dequantizeRow(token, into: out)
        }
    }

    /// Rows `rows` of this table as an LM head (a device's share of the vocabulary).
    func head(rows: Range<Int>, hidden: Int) -> Linear {
        switch self {
        case .float(let t):
            let view = FloatTensor(view: t.pointer + rows.lowerBound * hidden, count: rows.count * hidden,
                                   shape: [rows.count, hidden], owner: t)
            return .dense(view, outFeatures: rows.count, inFeatures: hidden)
        case .int8(let m): return .int8(m, rows: rows)
        case .half(let m): return .half(m, rows: rows)
        }
    }
}

/// All engine weights, ready to run.
public struct EngineWeights: Sendable {
    public var config: ModelConfig
    public var split: Split
    public var embedding: Embedding
    public var finalNorm: FloatTensor            // [hidden]
    public var devices: [DeviceShard]

    public init(config: ModelConfig, split: Split, embedding: Embedding, finalNorm: FloatTensor, devices: [DeviceShard]) {
        self.config = config; self.split = split; self.embedding = embedding; self.finalNorm = finalNorm
        self.devices = devices
    }
}
