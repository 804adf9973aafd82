import Foundation
import Kernels
import Synchronization

/// The transformer layer, split into the phases devices run between barriers. Inside a device,
/// every phase is shared by the device's worker team: rows for element-wise work, output columns
/// for products, (query block, head) pairs for attention.
extension Engine {
    // Device scratch buffer indices.
    private static let normed = 0, qkvBuffer = 1, attended = 2, partial = 3, gateUpBuffer = 4, mlpHidden = 5
    // Member scratch buffer indices (0 is the products' dequantisation tile).
    private static let scoresBuffer = 1
    /// Queries per attention work item.
    private static let queryBlock = 64
    /// Element-wise phases over fewer rows run on the device's thread alone (a decode step).
    private static let serialRows = 4

    /// Residual-stream rows [lo, hi) that device d adds up after a phase.
    private func reduceRange(device d: Int, rows: Int) -> Range<Int> {
        let n = weights.devices.count
        return (rows * d / n)..<(rows * (d + 1) / n)
    }

    /// Every layer with all devices cooperating on each (one device: no barriers at all).
    /// rope: cos | sin per batch row, [rows, headDim].
    func runTensorSplit(device d: Int, batch: PackedBatch, x: UnsafeMutablePointer<Float>, cache: KVCache,
                        rope: UnsafePointer<Float>) {
        let shard = weights.devices[d]
        let hidden = config.hiddenSize
        let rows = batch.rows
        let mine = reduceRange(device: d, rows: rows)
        for (i, layer) in shard.layers.enumerated() {
            attention(layer: layer, localLayer: i, device: d, x: x, rows: 0..<rows, pieces: batch.pieces,
                      rope: rope, cache: cache)
            barrier.wait()
            sumPartials(device: d, into: x, rows: mine, hidden: hidden)
            barrier.wait()
            mlp(layer: layer, device: d, x: x, rows: 0..<rows)
            barrier.wait()
            sumPartials(device: d, into: x, rows: mine, hidden: hidden)
            barrier.wait()
        }
    }

    /// x[r] += Σ_devices partial_d[r] for r in rows, shared by device d's team.
    private func sumPartials(device d: Int, into x: UnsafeMutablePointer<Float>, rows: Range<Int>, hidden: Int) {
        let partials = scratch.map { $0.buffer(Self.partial, 0) }
        teams[d].split(rows.count, serialBelow: Self.serialRows) { r in
            for p in partials {
                for i in ((rows.lowerBound + r.lowerBound) * hidden)..<((rows.lowerBound + r.upperBound) * hidden) { x[i] += p[i] }
            }
        }
    }

    /// Each device runs its block of layers on a chunk of rows and hands the chunk to the next
    /// device, so with several chunks all devices work at once (a pipeline).
    func runLayerSplit(batch: PackedBatch, x: UnsafeMutablePointer<Float>, cache: KVCache, rope: UnsafePointer<Float>) {
        let n = weights.devices.count
        let chunkCount = batch.rows >= 8 * n ? 2 * n : 1
        let bounds = (0...chunkCount).map { batch.rows * $0 / chunkCount }
        let progress = (0..<n).map { _ in Counter() }
        let progressBox = Box(progress)
        let xs = SendablePointer(x)
        let ropes = SendablePointer(UnsafeMutablePointer(mutating: rope))
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
                                   rope: ropes.pointer, cache: cache)
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
        teams[d].split(rows.count, serialBelow: Self.serialRows) { r in
            for i in (r.lowerBound * hidden)..<(r.upperBound * hidden) { base[i] += p[i] }
        }
    }

    /// normed[r] = RMSNorm(x[r]) · weight for local rows r.
    private func normalise(_ x: UnsafePointer<Float>, weight: FloatTensor, rows n: Int, into normed: UnsafeMutablePointer<Float>,
                           team: WorkerTeam) {
        let hidden = config.hiddenSize, eps = config.rmsNormEpsilon
        team.split(n, serialBelow: Self.serialRows) { r in
            RMSNorm.apply(x + r.lowerBound * hidden, weight: weight.pointer, rows: r.count, n: hidden, eps: eps,
                          into: normed + r.lowerBound * hidden)
        }
    }

    /// Normalise, project to this shard's q/k/v, rotate, store k/v, attend, project out into the
    /// device's partial buffer [rows.count, hidden].
    private func attention(layer: LayerShard, localLayer: Int, device d: Int, x: UnsafeMutablePointer<Float>,
                           rows: Range<Int>, pieces: [Piece], rope table: UnsafePointer<Float>, cache: KVCache) {
        let s = scratch[d], team = teams[d], tiles = memberScratch[d]
        let hidden = config.hiddenSize, hd = config.headDim
        let n = rows.count, r0 = rows.lowerBound
        let heads = layer.heads, kvHeads = layer.kvHeads
        let qWidth = heads * hd, kvWidth = kvHeads * hd
        let width = qWidth + 2 * kvWidth
        let normed = s.buffer(Self.normed, n * hidden)                 // [n, hidden]
        let qkv = s.buffer(Self.qkvBuffer, n * width)                  // [n, q | k | v]
        let attended = s.buffer(Self.attended, n * qWidth)             // [n, heads·hd]
        let partial = s.buffer(Self.partial, n * hidden)               // [n, hidden]
        normalise(x + r0 * hidden, weight: layer.attentionNorm, rows: n, into: normed, team: team)
        layer.qkv.apply(normed, rows: n, into: qkv, team: team, tiles: tiles)
        let keys = cache.keys[d][localLayer], values = cache.values[d][localLayer]
        let maxContext = cache.maxContext
        team.split(n, serialBelow: Self.serialRows) { r in
            let base = qkv + r.lowerBound * width
            if let bias = layer.qkvBias {
                for i in 0..<r.count { let row = base + i * width; for j in 0..<width { row[j] += bias.pointer[j] } }
            }
            let t = table + (r0 + r.lowerBound) * hd
            rope.apply(base, tokens: r.count, heads: heads, stride: width, table: t)
            rope.apply(base + qWidth, tokens: r.count, heads: kvHeads, stride: width, table: t)
            // Keys and values of these rows into their slots.
            for p in pieces {
                let local = p.row - r0
                let lo = max(local, r.lowerBound), hi = min(local + p.count, r.upperBound)
                guard lo < hi else { continue }
                for row in lo..<hi {
                    let src = qkv + row * width
                    let dst = (p.slot * maxContext + p.start + (row - local)) * kvWidth
                    (keys + dst).update(from: src + qWidth, count: kvWidth)
                    (values + dst).update(from: src + qWidth + kvWidth, count: kvWidth)
                }
            }
        }
        // Work items: (piece, query block, head), dealt round-robin so both cores get early and late blocks.
        let blocksPer = pieces.map { ($0.count + Self.queryBlock - 1) / Self.queryBlock }
        let items = blocksPer.reduce(0, +) * heads
        let group = heads / kvHeads, window = config.slidingWindow
        let slotStride = maxContext * kvWidth
        team.run { m in
            var item = m, piece = 0, firstItem = 0
            while item < items {
                while item >= firstItem + blocksPer[piece] * heads { firstItem += blocksPer[piece] * heads; piece += 1 }
                let p = pieces[piece]
                let block = (item - firstItem) / heads, h = (item - firstItem) % heads
                let q0 = block * Self.queryBlock, q1 = min(p.count, q0 + Self.queryBlock)
                let local = p.row - r0
                let scores = tiles[m].buffer(Self.scoresBuffer, Self.queryBlock * (p.start + p.count))
                Attention.causalHead(q: qkv + local * width, ldq: width, queries: q0..<q1, start: p.start,
                                     keys: keys + p.slot * slotStride, values: values + p.slot * slotStride, ldkv: kvWidth,
                                     head: h, kvHead: h / group, headDim: hd, window: window,
                                     out: attended + local * qWidth, ldo: qWidth, scratch: scores)
                item += team.size
            }
        }
        layer.output.apply(attended, rows: n, into: partial, team: team, tiles: tiles)
        if let bias = layer.outputBias {
            for r in 0..<n { let row = partial + r * hidden; for j in 0..<hidden { row[j] += bias.pointer[j] } }
        }
    }

    /// Normalise, gate|up, SwiGLU, down into the device's partial buffer [rows.count, hidden].
    private func mlp(layer: LayerShard, device d: Int, x: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        let s = scratch[d], team = teams[d], tiles = memberScratch[d]
        let hidden = config.hiddenSize, f = layer.ffn
        let n = rows.count
        let normed = s.buffer(Self.normed, n * hidden)                 // [n, hidden]
        let gateUp = s.buffer(Self.gateUpBuffer, n * 2 * f)            // [n, gate | up]
        let h = s.buffer(Self.mlpHidden, n * f)                        // [n, ffn]
        let partial = s.buffer(Self.partial, n * hidden)               // [n, hidden]
        normalise(x + rows.lowerBound * hidden, weight: layer.mlpNorm, rows: n, into: normed, team: team)
        layer.gateUp.apply(normed, rows: n, into: gateUp, team: team, tiles: tiles)
        team.split(n, serialBelow: Self.serialRows) { r in
            SwiGLU.applyVector(fused: gateUp + r.lowerBound * 2 * f, rows: r.count, n: f, into: h + r.lowerBound * f)
        }
        layer.down.apply(h, rows: n, into: partial, team: team, tiles: tiles)
    }

    /// Final norm of the selected rows and this device's vocabulary columns of the LM head.
    /// out: [selected, vocab], or [selected, ids.count] when only the logits of `ids` are wanted.
    func head(device d: Int, batch: PackedBatch, x: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>,
              ids: [Int32]?) {
        let shard = weights.devices[d]
        guard let lm = shard.lmHead, !batch.logitRows.isEmpty else { return }
        let hidden = config.hiddenSize, m = batch.logitRows.count, team = teams[d]
        let normed = scratch[d].buffer(Self.normed, m * hidden)        // [selected, hidden]
        let eps = config.rmsNormEpsilon
        team.split(m, serialBelow: Self.serialRows) { r in
            for i in r {
                RMSNorm.apply(x + batch.logitRows[i] * hidden, weight: weights.finalNorm.pointer, rows: 1, n: hidden,
                              eps: eps, into: normed + i * hidden)
            }
        }
        let range = shard.vocabularyRange
        if let ids {
            let local = ids.enumerated().compactMap { j, id in
                range.contains(Int(id)) ? (column: j, row: Int(id) - range.lowerBound) : nil
            }
            lm.applySelected(normed, rows: m, ids: local, into: out, ldy: ids.count)
        } else {
            lm.apply(normed, rows: m, into: out + range.lowerBound, ldy: config.vocabularySize, team: team, tiles: memberScratch[d])
        }
    }
}

/// Chunks a device has finished, read by the next device of a layer split.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
