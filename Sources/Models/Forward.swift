import Foundation
import Kernels
import Synchronization

/// The transformer layer, split into the phases devices run between barriers.
extension Engine {
    // Scratch buffer indices.
    private static let normed = 0, qkvBuffer = 1, attended = 2, partial = 3, gateUpBuffer = 4, mlpHidden = 5, scores = 6

    /// Residual-stream rows [lo, hi) that device d adds up after a phase.
    private func reduceRange(device d: Int, rows: Int) -> Range<Int> {
        let n = weights.devices.count
        return (rows * d / n)..<(rows * (d + 1) / n)
    }

    /// Every layer with all devices cooperating on each (one device: no barriers at all).
    func runTensorSplit(device d: Int, batch: PackedBatch, x: UnsafeMutablePointer<Float>, cache: KVCache) {
        let shard = weights.devices[d]
        let hidden = config.hiddenSize
        let rows = batch.rows
        let mine = reduceRange(device: d, rows: rows)
        for (i, layer) in shard.layers.enumerated() {
            attention(layer: layer, localLayer: i, device: d, x: x, rows: 0..<rows, pieces: batch.pieces,
                      positions: batch.positions, cache: cache)
            barrier.wait()
            sumPartials(into: x, rows: mine, hidden: hidden)
            barrier.wait()
            mlp(layer: layer, device: d, x: x, rows: 0..<rows)
            barrier.wait()
            sumPartials(into: x, rows: mine, hidden: hidden)
            barrier.wait()
        }
    }

    /// x[r] += Σ_devices partial_d[r] for r in rows.
    private func sumPartials(into x: UnsafeMutablePointer<Float>, rows: Range<Int>, hidden: Int) {
        guard !rows.isEmpty else { return }
        for s in scratch {
            let p = s.buffer(Self.partial, 0)
            for i in (rows.lowerBound * hidden)..<(rows.upperBound * hidden) { x[i] += p[i] }
        }
    }

    /// Each device runs its block of layers on a chunk of rows and hands the chunk to the next
    /// device, so with several chunks all devices work at once (a pipeline).
    func runLayerSplit(batch: PackedBatch, x: UnsafeMutablePointer<Float>, cache: KVCache) {
        let n = weights.devices.count
        let chunkCount = batch.rows >= 8 * n ? 2 * n : 1
        let bounds = (0...chunkCount).map { batch.rows * $0 / chunkCount }
        let progress = (0..<n).map { _ in Counter() }
        let progressBox = Box(progress)
        let xs = SendablePointer(x)
        let batchBox = Box(batch)
        workers.run { d in
            let shard = self.weights.devices[d]
            let hidden = self.config.hiddenSize
            for c in 0..<chunkCount {
                if d > 0 {
                    var spins = 0
                    while progressBox.value[d - 1].value.load(ordering: .acquiring) <= c {
                        spins += 1
                        if spins > 1000 { sched_yield() }
                    }
                }
                let rows = bounds[c]..<bounds[c + 1]
                let pieces = batchBox.value.pieces(in: rows)
                for (i, layer) in shard.layers.enumerated() {
                    self.attention(layer: layer, localLayer: i, device: d, x: xs.pointer, rows: rows, pieces: pieces,
                                   positions: batchBox.value.positions, cache: cache)
                    self.addPartial(device: d, into: xs.pointer, rows: rows, hidden: hidden)
                    self.mlp(layer: layer, device: d, x: xs.pointer, rows: rows)
                    self.addPartial(device: d, into: xs.pointer, rows: rows, hidden: hidden)
                }
                progressBox.value[d].value.store(c + 1, ordering: .releasing)
            }
        }
    }

    /// x[rows] += device d's partial for those rows (the partial buffer starts at rows.lowerBound).
    private func addPartial(device d: Int, into x: UnsafeMutablePointer<Float>, rows: Range<Int>, hidden: Int) {
        let p = scratch[d].buffer(Self.partial, 0)
        let base = x + rows.lowerBound * hidden
        for i in 0..<(rows.count * hidden) { base[i] += p[i] }
    }

    /// Normalise, project to this shard's q/k/v, rotate, store k/v, attend, project out into the
    /// device's partial buffer [rows.count, hidden].
    private func attention(layer: LayerShard, localLayer: Int, device d: Int, x: UnsafeMutablePointer<Float>,
                           rows: Range<Int>, pieces: [Piece], positions: [Int32], cache: KVCache) {
        let s = scratch[d]
        let hidden = config.hiddenSize, hd = config.headDim
        let n = rows.count, r0 = rows.lowerBound
        let qWidth = layer.heads * hd, kvWidth = layer.kvHeads * hd
        let width = qWidth + 2 * kvWidth
        let normed = s.buffer(Self.normed, n * hidden)                 // [n, hidden]
        let qkv = s.buffer(Self.qkvBuffer, n * width)                  // [n, q | k | v]
        let attended = s.buffer(Self.attended, n * qWidth)             // [n, heads·hd]
        let partial = s.buffer(Self.partial, n * hidden)               // [n, hidden]
        RMSNorm.apply(x + r0 * hidden, weight: layer.attentionNorm.pointer, rows: n, n: hidden,
                      eps: config.rmsNormEpsilon, into: normed)
        layer.qkv.apply(normed, rows: n, into: qkv)
        if let bias = layer.qkvBias {
            for r in 0..<n { let row = qkv + r * width; for j in 0..<width { row[j] += bias.pointer[j] } }
        }
        positions.withUnsafeBufferPointer { pos in
            rope.apply(qkv, tokens: n, heads: layer.heads, stride: width, positions: pos.baseAddress! + r0)
            rope.apply(qkv + qWidth, tokens: n, heads: layer.kvHeads, stride: width, positions: pos.baseAddress! + r0)
        }
        let keys = cache.keys[d][localLayer], values = cache.values[d][localLayer]
        let slotStride = cache.maxContext * kvWidth
        for p in pieces {
            let local = p.row - r0
            for i in 0..<p.count {
                let src = qkv + (local + i) * width
                let dst = (p.slot * cache.maxContext + p.start + i) * kvWidth
                (keys + dst).update(from: src + qWidth, count: kvWidth)
                (values + dst).update(from: src + qWidth + kvWidth, count: kvWidth)
            }
            let scores = s.buffer(Self.scores, Attention.scratchCount(tokens: p.count, context: p.start + p.count))
            Attention.causalBlocked(q: qkv + local * width, ldq: width, tokens: p.count, start: p.start,
                             keys: keys + p.slot * slotStride, values: values + p.slot * slotStride, ldkv: kvWidth,
                             heads: layer.heads, kvHeads: layer.kvHeads, headDim: hd, window: config.slidingWindow,
                             out: attended + local * qWidth, ldo: qWidth, scratch: scores)
        }
        layer.output.apply(attended, rows: n, into: partial)
        if let bias = layer.outputBias {
            for r in 0..<n { let row = partial + r * hidden; for j in 0..<hidden { row[j] += bias.pointer[j] } }
        }
    }

    /// Normalise, gate|up, SwiGLU, down into the device's partial buffer [rows.count, hidden].
    private func mlp(layer: LayerShard, device d: Int, x: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        let s = scratch[d]
        let hidden = config.hiddenSize, f = layer.ffn
        let n = rows.count
        let normed = s.buffer(Self.normed, n * hidden)                 // [n, hidden]
        let gateUp = s.buffer(Self.gateUpBuffer, n * 2 * f)            // [n, gate | up]
        let h = s.buffer(Self.mlpHidden, n * f)                        // [n, ffn]
        let partial = s.buffer(Self.partial, n * hidden)               // [n, hidden]
        RMSNorm.apply(x + rows.lowerBound * hidden, weight: layer.mlpNorm.pointer, rows: n, n: hidden,
                      eps: config.rmsNormEpsilon, into: normed)
        layer.gateUp.apply(normed, rows: n, into: gateUp)
        SwiGLU.applyVector(fused: gateUp, rows: n, n: f, into: h)
        layer.down.apply(h, rows: n, into: partial)
    }

    /// Final norm of the selected rows and this device's vocabulary columns of the LM head.
    /// out: [selected, vocab].
    func head(device d: Int, batch: PackedBatch, x: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let shard = weights.devices[d]
        guard let lm = shard.lmHead, !batch.logitRows.isEmpty else { return }
        let hidden = config.hiddenSize, m = batch.logitRows.count
        let normed = scratch[d].buffer(Self.normed, m * hidden)        // [selected, hidden]
        for (i, r) in batch.logitRows.enumerated() {
            RMSNorm.apply(x + r * hidden, weight: weights.finalNorm.pointer, rows: 1, n: hidden,
                          eps: config.rmsNormEpsilon, into: normed + i * hidden)
        }
        switch lm {
        case .dense(let w, let n, let k):
            BLAS.linear(normed, rows: m, inFeatures: k, weight: w.pointer, outFeatures: n,
                        into: out + shard.vocabularyRange.lowerBound, ldy: config.vocabularySize)
        case .int4:
            // The LM head is never quantized by the loaders (AWQ leaves lm_head in float).
            break
        }
    }
}

/// Chunks a device has finished, read by the next device of a layer split.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
