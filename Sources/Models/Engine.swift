import Foundation
import Kernels
import Synchronization

/// The inference engine: weights spread over one or more devices, run as a batched forward
/// pass over a KV cache.
///
/// Typical use: `let e = try Engine.open(loadArtifact: url)`, `let cache = e.makeCache(slots: 8,
/// maxContext: 1024)`, then `e.forward([SequenceInput(slot: 0, tokens: ids)], cache: cache,
/// logits: .last)` for prefill and again with one token per slot for each decode step.
public final class Engine: @unchecked Sendable {
    public let weights: EngineWeights
    public var config: ModelConfig { weights.config }
    public var deviceCount: Int { weights.devices.count }
    let rope: RoPE
    let workers: DeviceWorkers
    /// Per device: its worker team, and each member's scratch.
    let teams: [WorkerTeam]
    let memberScratch: [[Scratch]]
    let scratch: [Scratch]
    let barrier: SpinBarrier
    /// Keeps mapped artifact memory alive.
    let owner: AnyObject?

    /// `threads` (default: every core) are shared out evenly between the devices.
    public init(weights: EngineWeights, owner: AnyObject? = nil, threads: Int? = nil) {
        self.weights = weights
        self.owner = owner
        rope = RoPE(headDim: weights.config.headDim, inverseFrequencies: weights.config.ropeInverseFrequencies)
        let n = weights.devices.count
        let perDevice = max(1, (threads ?? ProcessInfo.processInfo.activeProcessorCount) / n)
        workers = DeviceWorkers(count: n)
        teams = (0..<n).map { _ in WorkerTeam(size: perDevice) }
        memberScratch = (0..<n).map { _ in (0..<perDevice).map { _ in Scratch() } }
        scratch = (0..<n).map { _ in Scratch() }
        barrier = SpinBarrier(parties: n)
        // Our own teams split every product: OpenBLAS runs single-threaded inside each member
        // (its own threads would fight them for the cores).
        BLAS.threads = 1
    }

    /// Threads working for each device.
    public var threadsPerDevice: Int { teams.first?.size ?? 1 }

    deinit { workers.shutdown() }

    /// A cache for `slots` sequences of up to `maxContext` positions each.
    public func makeCache(slots: Int, maxContext: Int) -> KVCache {
        KVCache(weights: weights, slots: slots, maxContext: maxContext)
    }

    /// Feeds new tokens of several sequences at once (prefill of different lengths, or one token
    /// each for a decode step) and returns logits [selected rows, vocab] in the order of `logits`;
    /// with `vocabulary`, only those tokens' logits: [selected rows, vocabulary.count] (the LM
    /// head is then a few dot products instead of vocab × hidden per row).
    public func forward(_ inputs: [SequenceInput], cache: KVCache, logits: LogitRows = .last,
                        vocabulary: [Int32]? = nil) throws(ModelError) -> [Float] {
        let batch = try pack(inputs, cache: cache, logits: logits)
        guard batch.rows > 0 else { return [] }
        let vocab = config.vocabularySize, hidden = config.hiddenSize, hd = config.headDim
        if let vocabulary {
            for id in vocabulary where id < 0 || Int(id) >= vocab {
                throw ModelError("token id \(id) is outside the vocabulary of \(vocab)")
            }
        }
        var output = [Float](repeating: 0, count: batch.logitRows.count * (vocabulary?.count ?? vocab))
        let x = UnsafeMutablePointer<Float>.allocate(capacity: batch.rows * hidden)   // [rows, hidden]
        defer { x.deallocate() }
        for (r, t) in batch.tokens.enumerated() { weights.embedding.row(Int(t), hidden: hidden, into: x + r * hidden) }
        let table = UnsafeMutablePointer<Float>.allocate(capacity: batch.rows * hd)    // [rows, cos | sin]
        defer { table.deallocate() }
        batch.positions.withUnsafeBufferPointer { rope.table(positions: $0.baseAddress!, tokens: batch.rows, into: table) }
        let sendableX = SendablePointer(x), sendableTable = SendablePointer(table)
        let batchBox = Box(batch)
        output.withUnsafeMutableBufferPointer { out in
            let outPointer = SendablePointer(out.baseAddress!)
            switch weights.split {
            case .tensor:
                workers.run { d in
                    self.runTensorSplit(device: d, batch: batchBox.value, x: sendableX.pointer, cache: cache,
                                        rope: sendableTable.pointer)
                    self.barrier.wait()
                    self.head(device: d, batch: batchBox.value, x: sendableX.pointer, out: outPointer.pointer, ids: vocabulary)
                }
            case .layers:
                runLayerSplit(batch: batch, x: x, cache: cache, rope: table)
                head(device: weights.devices.count - 1, batch: batch, x: x, out: out.baseAddress!, ids: vocabulary)
            }
        }
        for p in batch.pieces where p.start + p.count > cache.lengths[p.slot] {
            cache.setLength(p.slot, p.start + p.count)
        }
        return output
    }

    private func pack(_ inputs: [SequenceInput], cache: KVCache, logits: LogitRows) throws(ModelError) -> PackedBatch {
        var b = PackedBatch(rows: 0, tokens: [], positions: [], pieces: [], logitRows: [])
        var seen = Set<Int>()
        for (i, input) in inputs.enumerated() {
            guard input.slot >= 0, input.slot < cache.slots else {
                throw ModelError("sequence \(i): slot \(input.slot) is outside the cache's \(cache.slots) slots")
            }
            guard seen.insert(input.slot).inserted else { throw ModelError("sequence \(i): slot \(input.slot) appears twice in one batch") }
            let start = cache.lengths[input.slot]
            guard start + input.tokens.count <= cache.maxContext else {
                throw ModelError("sequence \(i): \(start) cached + \(input.tokens.count) new tokens exceed max_context \(cache.maxContext)")
            }
            for t in input.tokens where t < 0 || Int(t) >= config.vocabularySize {
                throw ModelError("sequence \(i): token id \(t) is outside the vocabulary of \(config.vocabularySize)")
            }
            b.pieces.append(Piece(slot: input.slot, row: b.rows, count: input.tokens.count, start: start))
            b.tokens += input.tokens
            b.positions += (0..<input.tokens.count).map { Int32(start + $0) }
            switch logits {
            case .last: if !input.tokens.isEmpty { b.logitRows.append(b.rows + input.tokens.count - 1) }
            case .all: b.logitRows += (0..<input.tokens.count).map { b.rows + $0 }
            case .none: break
            case .positions(let p):
                guard i < p.count else { break }
                for j in p[i] {
                    guard j >= 0, j < input.tokens.count else {
                        throw ModelError("sequence \(i): logit position \(j) is outside its \(input.tokens.count) new tokens")
                    }
                    b.logitRows.append(b.rows + j)
                }
            }
            b.rows += input.tokens.count
        }
        b.pieces.removeAll { $0.count == 0 }
        return b
    }
}

/// A raw pointer handed to device threads, which write disjoint parts of it.
struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ p: UnsafeMutablePointer<Float>) { pointer = p }
}

final class Box<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}
