import Foundation
import Kernels
import Tensors

extension ModelLoader {
    /// Loads a GGUF whose linear layers are all Q4_1 straight into the int4 kernels' layout
    /// (exact: see `Int4Columns(q4_1Rows:)`), a quarter of the memory of float32 and the same
    /// numbers. Other GGUFs fall back to `loadGGUF` (float32). Q/K rows are un-permuted to the
    /// half-split RoPE layout by choosing which stored row feeds each engine row.
    public static func loadGGUFInt4(_ url: URL, devices: Int = 1, split: Split = .tensor) throws -> EngineWeights {
        try loadGGUFInt4Reporting(url, devices: devices, split: split).0
    }

    /// As `loadGGUFInt4`, also saying whether the int4 path was taken.
    public static func loadGGUFInt4Reporting(_ url: URL, devices: Int, split: Split) throws -> (EngineWeights, Bool) {
        let file = try GGUFFile(url)
        let config = try ModelConfig.from(gguf: file)
        let linearNames = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"]
        let allQ4_1 = (0..<config.layers).allSatisfy { l in
            linearNames.allSatisfy { file.tensor("blk.\(l).\($0).weight")?.type == .q4_1 }
        }
        guard allQ4_1, split == .tensor, config.modelType != "qwen2", !config.qkvBias, !config.outputBias,
              config.tiedEmbeddings || file.tensor("output.weight") != nil else {
            return (try loadGGUF(url, devices: devices, split: split), false)
        }
        let plan = try DeviceLayout(config: config, devices: devices, split: split)
        let h = config.hiddenSize, hd = config.headDim, half = hd / 2, v = config.vocabularySize
        let path = url.path

        /// Pointers to the Q4_1 rows of a tensor [rows, columns] for the given engine rows,
        /// starting at input column `from` (a multiple of 32).
        func rows(_ name: String, rows: Int, columns: Int, select: [Int], from: Int = 0) throws -> [UnsafeRawPointer] {
            guard let info = file.tensor(name), info.shape == [rows, columns] else {
                throw ModelError("\(path): tensor '\(name)' is missing or not [\(rows), \(columns)]")
            }
            let bytes = try file.bytes(name)
            let rowBytes = columns / Q4_1.blockWeights * Q4_1.blockBytes
            guard bytes.count == rows * rowBytes, let base = bytes.baseAddress else {
                throw ModelError("\(path): tensor '\(name)' has \(bytes.count) bytes, expected \(rows * rowBytes)")
            }
            let skip = from / Q4_1.blockWeights * Q4_1.blockBytes
            return select.map { base + $0 * rowBytes + skip }
        }
        /// Engine (Hugging Face) row r of a Q or K projection is stored row h·d + 2i + j.
        func storedRow(_ r: Int) -> Int {
            let head = r / hd, rem = r % hd
            return head * hd + 2 * (rem % half) + rem / half
        }
        func matrix(_ r: [UnsafeRawPointer], _ k: Int) throws -> Linear {
            do { return .int4(try Int4Columns(q4_1Rows: r, inFeatures: k)) } catch {
                throw ModelError("\(path): Q4_1 layer [\(k) → \(r.count)]: \(error)")
            }
        }
        func vector(_ name: String, _ count: Int) throws -> FloatTensor {
            let values = try file.dequantize(name)
            guard values.count == count else { throw ModelError("\(path): tensor '\(name)' has \(values.count) values, expected \(count)") }
            return FloatTensor(values, shape: [count])
        }
        /// The mapped pages of a tensor already repacked are not needed again: hand them back so
        /// the load's peak memory is not the file plus its repacked copy.
        func release(_ name: String) {
            guard let b = try? file.bytes(name), let base = b.baseAddress else { return }
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let start = (Int(bitPattern: base) + page - 1) / page * page
            let end = (Int(bitPattern: base) + b.count) / page * page
            guard end > start, let p = UnsafeMutableRawPointer(bitPattern: start) else { return }
            _ = madvise(p, end - start, Int32(MADV_DONTNEED))
        }
        /// A [vocab, hidden] table: kept 8-bit when the GGUF stores it as Q8_0, else float32.
        func table(_ name: String) throws -> Embedding {
            guard let info = file.tensor(name), info.shape == [v, h] else {
                throw ModelError("\(path): tensor '\(name)' is missing or not [\(v), \(h)]")
            }
            if info.type == .q8_0 {
                do { return .int8(try Int8Matrix(q8_0: try file.bytes(name), inFeatures: h, outFeatures: v)) } catch let e as Int4MatrixError {
                    throw ModelError("\(path): tensor '\(name)': \(e)")
                }
            }
            let values = try file.dequantize(name)
            guard values.count == v * h else { throw ModelError("\(path): '\(name)' has \(values.count) values, expected \(v * h)") }
            return .float(FloatTensor(values, shape: [v, h]))
        }
        let embedding = try table("token_embd.weight")
        release("token_embd.weight")
        let head = config.tiedEmbeddings ? embedding : try table("output.weight")
        if !config.tiedEmbeddings { release("output.weight") }
        var shards: [DeviceShard] = []
        for share in plan.shares {
            var layers: [LayerShard] = []
            let qRange = (share.kvHeads.lowerBound * config.groupSize * hd)..<(share.kvHeads.upperBound * config.groupSize * hd)
            let kvRange = (share.kvHeads.lowerBound * hd)..<(share.kvHeads.upperBound * hd)
            for l in share.layers {
                let p = "blk.\(l)."
                let qkv = try rows(p + "attn_q.weight", rows: config.qDim, columns: h, select: qRange.map(storedRow))
                    + rows(p + "attn_k.weight", rows: config.kvDim, columns: h, select: kvRange.map(storedRow))
                    + rows(p + "attn_v.weight", rows: config.kvDim, columns: h, select: Array(kvRange))
                let output = try rows(p + "attn_output.weight", rows: h, columns: config.qDim, select: Array(0..<h), from: qRange.lowerBound)
                let f = config.intermediateSize
                let gateUp = try rows(p + "ffn_gate.weight", rows: f, columns: h, select: Array(share.ffn))
                    + rows(p + "ffn_up.weight", rows: f, columns: h, select: Array(share.ffn))
                let down = try rows(p + "ffn_down.weight", rows: h, columns: f, select: Array(0..<h), from: share.ffn.lowerBound)
                layers.append(LayerShard(
                    attentionNorm: try vector(p + "attn_norm.weight", h), qkv: try matrix(qkv, h), qkvBias: nil,
                    output: try matrix(output, qRange.count), outputBias: nil,
                    mlpNorm: try vector(p + "ffn_norm.weight", h), gateUp: try matrix(gateUp, h),
                    down: try matrix(down, share.ffn.count),
                    heads: share.kvHeads.count * config.groupSize, kvHeads: share.kvHeads.count, ffn: share.ffn.count))
                if share.kvHeads.upperBound == config.kvHeads {   // the last device to read this layer
                    for n in linearNames { release(p + n + ".weight") }
                }
            }
            let lm = share.vocabulary.isEmpty ? nil : head.head(rows: share.vocabulary, hidden: h)
            shards.append(DeviceShard(layerRange: share.layers, layers: layers, lmHead: lm, vocabularyRange: share.vocabulary))
        }
        let weights = EngineWeights(config: config, split: split, embedding: embedding,
                                    finalNorm: try vector("output_norm.weight", h), devices: shards)
        return (weights, true)
    }
}
