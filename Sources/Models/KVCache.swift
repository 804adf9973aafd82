/// Keys and values of every layer for a number of sequence slots, each up to `maxContext`
/// positions. Each device keeps the KV heads it computes. A slot's filled length grows as
/// tokens are fed; `copyPrefix` lets a shared prompt prefix be computed once.
public final class KVCache: @unchecked Sendable {
    public let slots: Int
    public let maxContext: Int
    /// Filled positions per slot.
    public private(set) var lengths: [Int]
    /// [device][layer - first layer of device]: keys and values, each [slots, maxContext, width].
    let keys: [[UnsafeMutablePointer<Float>]]
    let values: [[UnsafeMutablePointer<Float>]]
    /// Floats per position per device (local kvHeads · headDim).
    let widths: [Int]

    init(weights: EngineWeights, slots: Int, maxContext: Int) {
        self.slots = slots; self.maxContext = maxContext
        lengths = Array(repeating: 0, count: slots)
        var k: [[UnsafeMutablePointer<Float>]] = [], v: [[UnsafeMutablePointer<Float>]] = [], w: [Int] = []
        let hd = weights.config.headDim
        for device in weights.devices {
            let width = (device.layers.first?.kvHeads ?? 0) * hd
            w.append(width)
            // Allocation does not touch pages: only positions actually written cost memory.
            k.append(device.layers.map { _ in .allocate(capacity: max(1, slots * maxContext * width)) })
            v.append(device.layers.map { _ in .allocate(capacity: max(1, slots * maxContext * width)) })
        }
        keys = k; values = v; widths = w
    }

    deinit {
        for d in keys { for p in d { p.deallocate() } }
        for d in values { for p in d { p.deallocate() } }
    }

    /// Bytes of a full cache: 2 (k, v) · layers · slots · maxContext · kvDim · 4.
    public static func byteCount(config: ModelConfig, slots: Int, maxContext: Int) -> Int {
        2 * config.layers * slots * maxContext * config.kvDim * 4
    }

    /// Forgets a slot's contents.
    public func reset(slot: Int) { lengths[slot] = 0 }

    /// Keeps only the first `length` positions of a slot (e.g. to re-score from a shared prefix).
    public func truncate(slot: Int, to length: Int) { lengths[slot] = min(lengths[slot], max(0, length)) }

    /// Copies the first `length` positions of slot `source` into slot `target` and sets its length:
    /// a shared prompt prefix computed once serves many sequences.
    public func copyPrefix(from source: Int, to target: Int, length: Int) {
        let n = min(length, lengths[source])
        for (d, width) in widths.enumerated() {
            for l in keys[d].indices {
                let count = n * width
                (keys[d][l] + target * maxContext * width).update(from: keys[d][l] + source * maxContext * width, count: count)
                (values[d][l] + target * maxContext * width).update(from: values[d][l] + source * maxContext * width, count: count)
            }
        }
        lengths[target] = n
    }

    func setLength(_ slot: Int, _ n: Int) { lengths[slot] = n }
}
