import Foundation
import Kernels
import Tensors

/// The engine-ready form of a model that the `load` cell caches: `weights.bin` holds every
/// tensor already fused, sharded and repacked (64-byte aligned), and `engine.json` says where
/// each one is. Opening it maps the file; no weight is copied or converted.
public enum EngineArtifact {
    public static let headerName = "engine.json"
    public static let weightsName = "weights.bin"
    static let format = 1

    struct Blob: Codable { var offset: Int; var count: Int }            // floats, or bytes for int4
    struct LinearEntry: Codable {
        var kind: String; var blob: Blob; var outFeatures: Int; var inFeatures: Int
        /// int8: the first of the matrix's rows this entry uses (a device's share of the vocabulary).
        var firstRow: Int?
    }
    struct LayerEntry: Codable {
        var attentionNorm: Blob; var qkv: LinearEntry; var qkvBias: Blob?; var output: LinearEntry; var outputBias: Blob?
        var mlpNorm: Blob; var gateUp: LinearEntry; var down: LinearEntry; var heads: Int; var kvHeads: Int; var ffn: Int
    }
    struct DeviceEntry: Codable {
        var firstLayer: Int; var layerCount: Int; var layers: [LayerEntry]
        var lmHead: LinearEntry?; var vocabularyStart: Int; var vocabularyCount: Int
    }
    struct Header: Codable {
        var format: Int; var config: ModelConfig; var split: Split; var deviceNames: [String]; var maxContext: Int
        /// Float32 embedding, or an empty blob and `embeddingTable` (kind int8 or half).
        var embedding: Blob; var embeddingTable: LinearEntry?; var finalNorm: Blob; var devices: [DeviceEntry]
    }

    /// Writes `engine.json` and `weights.bin` into `directory`.
    public static func write(_ w: EngineWeights, deviceNames: [String], maxContext: Int, to directory: URL) throws {
        var header: Header?
        try DurableFile.write(to: directory.appendingPathComponent(weightsName)) { sink in
            header = try writeWeights(w, deviceNames: deviceNames, maxContext: maxContext, sink: sink)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try DurableFile.write(try encoder.encode(header), to: directory.appendingPathComponent(headerName))
    }

    private static func writeWeights(_ w: EngineWeights, deviceNames: [String], maxContext: Int, sink: FileSink) throws -> Header {
        var offset = 0
        var written: [(start: UnsafePointer<Float>, count: Int, offset: Int)] = []
        func pad() throws {
            let extra = (64 - offset % 64) % 64
            if extra > 0 { try Data(count: extra).withUnsafeBytes { try sink.write($0) }; offset += extra }
        }
        func floats(_ t: FloatTensor) throws -> Blob {
            // A view into a tensor already written (the tied LM head) points at the same bytes.
            for r in written where t.pointer >= r.start && t.pointer + t.count <= r.start + r.count {
                return Blob(offset: r.offset + (t.pointer - r.start) * 4, count: t.count)
            }
            try pad()
            let at = offset
            try sink.write(UnsafeRawBufferPointer(start: t.pointer, count: t.count * 4))
            offset += t.count * 4
            written.append((t.pointer, t.count, at))
            return Blob(offset: at, count: t.count)
        }
        var tablesWritten: [(address: UnsafeRawPointer, offset: Int)] = []
        /// An int8 or half table: the tied LM head is the embedding table, written once.
        func table(_ address: UnsafeRawPointer, _ byteCount: Int, _ write: (inout Data) -> Void) throws -> Blob {
            if let w = tablesWritten.first(where: { $0.address == address }) { return Blob(offset: w.offset, count: byteCount) }
            try pad()
            var data = Data(); data.reserveCapacity(byteCount)
            write(&data)
            let at = offset
            try data.withUnsafeBytes { try sink.write($0) }; offset += data.count
            tablesWritten.append((address, at))
            return Blob(offset: at, count: data.count)
        }
        func int8(_ m: Int8Matrix) throws -> Blob { try table(m.storageAddress, m.serialisedByteCount, m.write) }
        func half(_ m: HalfMatrix) throws -> Blob { try table(m.storageAddress, m.serialisedByteCount, m.write) }
        func linear(_ l: Linear) throws -> LinearEntry {
            switch l {
            case .int8(let m, let rows):
                return LinearEntry(kind: "int8", blob: try int8(m), outFeatures: rows.count, inFeatures: m.inFeatures,
                                   firstRow: rows.lowerBound)
            case .half(let m, let rows):
                return LinearEntry(kind: "half", blob: try half(m), outFeatures: rows.count, inFeatures: m.inFeatures,
                                   firstRow: rows.lowerBound)
            case .dense(let t, let n, let k):
                return LinearEntry(kind: "f32", blob: try floats(t), outFeatures: n, inFeatures: k, firstRow: nil)
            case .int4(let m):
                try pad()
                var data = Data(); data.reserveCapacity(m.serialisedByteCount)
                m.write(to: &data)
                let at = offset
                try data.withUnsafeBytes { try sink.write($0) }; offset += data.count
                return LinearEntry(kind: "int4columns", blob: Blob(offset: at, count: data.count), outFeatures: m.outFeatures,
                                   inFeatures: m.inFeatures, firstRow: nil)
            }
        }
        var embedding = Blob(offset: 0, count: 0), embeddingTable: LinearEntry?
        switch w.embedding {
        case .float(let t): embedding = try floats(t)
        case .int8(let m):
            embeddingTable = LinearEntry(kind: "int8", blob: try int8(m), outFeatures: m.outFeatures, inFeatures: m.inFeatures, firstRow: 0)
        case .half(let m):
            embeddingTable = LinearEntry(kind: "half", blob: try half(m), outFeatures: m.outFeatures, inFeatures: m.inFeatures, firstRow: 0)
        }
        let finalNorm = try floats(w.finalNorm)
        var devices: [DeviceEntry] = []
        for d in w.devices {
            var layers: [LayerEntry] = []
            for l in d.layers {
                layers.append(LayerEntry(
                    attentionNorm: try floats(l.attentionNorm), qkv: try linear(l.qkv), qkvBias: try l.qkvBias.map(floats),
                    output: try linear(l.output), outputBias: try l.outputBias.map(floats), mlpNorm: try floats(l.mlpNorm),
                    gateUp: try linear(l.gateUp), down: try linear(l.down), heads: l.heads, kvHeads: l.kvHeads, ffn: l.ffn))
            }
            devices.append(DeviceEntry(firstLayer: d.layerRange.lowerBound, layerCount: d.layerRange.count, layers: layers,
                                       lmHead: try d.lmHead.map(linear), vocabularyStart: d.vocabularyRange.lowerBound,
                                       vocabularyCount: d.vocabularyRange.count))
        }
        try pad()
        return Header(format: format, config: w.config, split: w.split, deviceNames: deviceNames, maxContext: maxContext,
                      embedding: embedding, embeddingTable: embeddingTable, finalNorm: finalNorm, devices: devices)
    }

    /// What `open` found besides the weights.
    public struct Info: Sendable { public var deviceNames: [String]; public var maxContext: Int }

    /// Maps an artifact written by `write`.
    public static func open(_ directory: URL) throws -> (weights: EngineWeights, info: Info, file: MappedFile) {
        let headerURL = directory.appendingPathComponent(headerName)
        guard let data = try? Data(contentsOf: headerURL) else { throw ModelError("\(headerURL.path): cannot be read") }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: data) } catch {
            throw ModelError("\(headerURL.path): not an engine header (\(error))")
        }
        guard header.format == format else {
            throw ModelError("\(headerURL.path): format \(header.format), this build reads format \(format); rerun the load cell")
        }
        let file = try MappedFile(directory.appendingPathComponent(weightsName))
        let bytes = file.bytes
        let name = file.url.path
        func floats(_ b: Blob, _ shape: [Int]) throws -> FloatTensor {
            guard b.offset >= 0, b.count >= 0, b.offset % 4 == 0, b.offset + b.count * 4 <= bytes.count else {
                throw ModelError("\(name): blob at byte \(b.offset) of \(b.count) floats lies outside the \(bytes.count)-byte file")
            }
            let p = (bytes.baseAddress! + b.offset).assumingMemoryBound(to: Float.self)
            return FloatTensor(view: p, count: b.count, shape: shape, owner: file)
        }
        func region(_ e: LinearEntry) throws -> UnsafeRawBufferPointer {
            guard e.blob.offset >= 0, e.blob.count >= 0, e.blob.offset % 64 == 0, e.blob.offset + e.blob.count <= bytes.count else {
                throw ModelError("\(name): \(e.kind) blob at byte \(e.blob.offset) lies outside the file")
            }
            return UnsafeRawBufferPointer(rebasing: bytes[e.blob.offset..<(e.blob.offset + e.blob.count)])
        }
        func int8(_ e: LinearEntry) throws -> Int8Matrix {
            do { return try Int8Matrix(mapped: try region(e), keepAlive: file) } catch let error as Int4MatrixError {
                throw ModelError("\(name): int8 blob at byte \(e.blob.offset): \(error)")
            }
        }
        func half(_ e: LinearEntry) throws -> HalfMatrix {
            do { return try HalfMatrix(mapped: try region(e), keepAlive: file) } catch let error as Int4MatrixError {
                throw ModelError("\(name): half blob at byte \(e.blob.offset): \(error)")
            }
        }
        /// The rows an int8 or half entry uses, checked against its matrix.
        func rows(_ e: LinearEntry, outFeatures: Int, inFeatures: Int) throws -> Range<Int> {
            let first = e.firstRow ?? 0
            guard inFeatures == e.inFeatures, first >= 0, e.outFeatures >= 0, first + e.outFeatures <= outFeatures else {
                throw ModelError("\(name): \(e.kind) blob at byte \(e.blob.offset) has another shape than its header entry")
            }
            return first..<(first + e.outFeatures)
        }
        func linear(_ e: LinearEntry) throws -> Linear {
            switch e.kind {
            case "int8":
                let m = try int8(e)
                return .int8(m, rows: try rows(e, outFeatures: m.outFeatures, inFeatures: m.inFeatures))
            case "half":
                let m = try half(e)
                return .half(m, rows: try rows(e, outFeatures: m.outFeatures, inFeatures: m.inFeatures))
            case "f32":
                guard e.blob.count == e.outFeatures * e.inFeatures else { throw ModelError("\(name): linear blob at byte \(e.blob.offset) has the wrong size") }
                return .dense(try floats(e.blob, [e.outFeatures, e.inFeatures]), outFeatures: e.outFeatures, inFeatures: e.inFeatures)
            case "int4", "int4columns":
                guard e.blob.offset >= 0, e.blob.count >= 0, e.blob.offset % 64 == 0, e.blob.offset + e.blob.count <= bytes.count else {
                    throw ModelError("\(name): int4 blob at byte \(e.blob.offset) lies outside the file")
                }
                do {
                    let region = UnsafeRawBufferPointer(rebasing: bytes[e.blob.offset..<(e.blob.offset + e.blob.count)])
                    // "int4" is the packed layout of artifacts from before the column kernels: converted once here.
                    let m = e.kind == "int4" ? try Int4Columns(try Int4Matrix(mapped: region, keepAlive: file))
                                             : try Int4Columns(mapped: region, keepAlive: file)
                    guard m.outFeatures == e.outFeatures, m.inFeatures == e.inFeatures else { throw ModelError("\(name): int4 blob at byte \(e.blob.offset) has another shape than its header entry") }
                    return .int4(m)
                } catch let error as Int4MatrixError {
                    throw ModelError("\(name): int4 blob at byte \(e.blob.offset): \(error)")
                }
            default: throw ModelError("\(headerURL.path): unknown linear kind '\(e.kind)'")
            }
        }
        let c = header.config
        var devices: [DeviceShard] = []
        for d in header.devices {
            let layers = try d.layers.map { l in
                LayerShard(attentionNorm: try floats(l.attentionNorm, [c.hiddenSize]), qkv: try linear(l.qkv),
                           qkvBias: try l.qkvBias.map { try floats($0, [$0.count]) }, output: try linear(l.output),
                           outputBias: try l.outputBias.map { try floats($0, [$0.count]) },
                           mlpNorm: try floats(l.mlpNorm, [c.hiddenSize]), gateUp: try linear(l.gateUp), down: try linear(l.down),
                           heads: l.heads, kvHeads: l.kvHeads, ffn: l.ffn)
            }
            devices.append(DeviceShard(layerRange: d.firstLayer..<(d.firstLayer + d.layerCount), layers: layers,
                                       lmHead: try d.lmHead.map(linear),
                                       vocabularyRange: d.vocabularyStart..<(d.vocabularyStart + d.vocabularyCount)))
        }
        let embedding: Embedding
        if let e = header.embeddingTable {
            switch e.kind {
            case "int8":
                let m = try int8(e)
                guard m.outFeatures == c.vocabularySize, m.inFeatures == c.hiddenSize else { throw ModelError("\(headerURL.path): embedding has the wrong size") }
                embedding = .int8(m)
            case "half":
                let m = try half(e)
                guard m.outFeatures == c.vocabularySize, m.inFeatures == c.hiddenSize else { throw ModelError("\(headerURL.path): embedding has the wrong size") }
                embedding = .half(m)
            default: throw ModelError("\(headerURL.path): unknown embedding kind '\(e.kind)'")
            }
        } else {
            guard header.embedding.count == c.vocabularySize * c.hiddenSize else { throw ModelError("\(headerURL.path): embedding has the wrong size") }
            embedding = .float(try floats(header.embedding, [c.vocabularySize, c.hiddenSize]))
        }
        let weights = EngineWeights(config: c, split: header.split, embedding: embedding,
                                    finalNorm: try floats(header.finalNorm, [c.hiddenSize]), devices: devices)
        return (weights, Info(deviceNames: header.deviceNames, maxContext: header.maxContext), file)
    }
}

extension Engine {
    /// Maps the artifact a `load` cell wrote (its output folder) in milliseconds.
    public static func open(loadArtifact: URL) throws -> Engine {
        let (weights, _, file) = try EngineArtifact.open(loadArtifact)
        return Engine(weights: weights, owner: file)
    }
}

