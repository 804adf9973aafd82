/// Which part of the model each device computes.
public struct DeviceLayout: Sendable {
    public struct Share: Sendable {
        public var layers: Range<Int>
        /// KV heads (and their query-head groups) this device computes in each of its layers.
        public var kvHeads: Range<Int>
        /// MLP columns.
        public var ffn: Range<Int>
        /// LM-head rows (vocabulary entries); empty when another device computes the head.
        public var vocabulary: Range<Int>
        /// Adds biases that must be counted once (o_proj's) when partials are summed.
        public var ownsSharedBias: Bool
    }
    public var split: Split
    public var shares: [Share]

    /// Even shares; a tensor split cuts on KV-head groups, and with AWQ, MLP cuts on group-size
    /// multiples (the int4 layout cannot split a group).
    public init(config c: ModelConfig, devices n: Int, split: Split) throws(ModelError) {
        guard n >= 1 else { throw ModelError("at least one device is needed") }
        self.split = split
        func cut(_ total: Int, _ unit: Int, _ d: Int) -> Range<Int> {
            let units = total / unit
            return (units * d / n * unit)..<(units * (d + 1) / n * unit)
        }
        switch split {
        case .tensor:
            guard c.kvHeads >= n else {
                throw ModelError("cannot tensor-split \(c.kvHeads) KV heads over \(n) devices; use split = \"layers\"")
            }
            let unit = c.awq?.groupSize ?? 8
            if n > 1, c.awq != nil, (c.intermediateSize / n) % unit != 0 || c.intermediateSize % (n * unit) != 0 {
                let share = Double(c.intermediateSize) / Double(n)
                let shareText = share == share.rounded() ? "\(Int(share))" : "\(share)"
                throw ModelError("cannot tensor-split over \(n) devices: intermediate_size \(c.intermediateSize) gives each device \(shareText) MLP columns, which is \(share / Double(unit)) AWQ groups of \(unit), and a device's share of down_proj must hold whole groups; use split = \"layers\"")
            }
            if n > 1, c.awq != nil, (c.kvHeads % n != 0 || (c.qDim / n) % unit != 0) {
                throw ModelError("cannot tensor-split: \(c.heads) heads · \(c.headDim) over \(n) devices do not give each device whole AWQ groups of \(unit) in o_proj; use split = \"layers\"")
            }
            shares = (0..<n).map { d in
                Share(layers: 0..<c.layers, kvHeads: cut(c.kvHeads, 1, d),
                      ffn: n == 1 ? 0..<c.intermediateSize : cut(c.intermediateSize, unit, d),
                      vocabulary: cut(c.vocabularySize, 1, d), ownsSharedBias: d == 0)
            }
        case .layers:
            guard c.layers >= n else { throw ModelError("cannot split \(c.layers) layers over \(n) devices") }
            shares = (0..<n).map { d in
                Share(layers: cut(c.layers, 1, d), kvHeads: 0..<c.kvHeads, ffn: 0..<c.intermediateSize,
                      vocabulary: d == n - 1 ? 0..<c.vocabularySize : 0..<0, ownsSharedBias: true)
            }
        }
    }
}
