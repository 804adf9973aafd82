import Foundation
import JSON

/// Writes safetensors files the way the `safetensors` library does: tensors laid out in the
/// given order, the JSON header padded with spaces so the data section starts 8-byte aligned.
/// The file appears atomically (temp name, fsync, rename, fsync folder).
public enum SafetensorsWriter {
    public struct Entry: Sendable {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        public init(name: String, dtype: DType, shape: [Int]) { self.name = name; self.dtype = dtype; self.shape = shape }
        public var byteCount: Int { shape.reduce(1, *) * dtype.byteSize }
    }

    public static func write(_ tensors: [(name: String, dtype: DType, shape: [Int], data: Data)],
                             metadata: [String: String] = [:], to url: URL) throws {
        let entries = tensors.map { Entry(name: $0.name, dtype: $0.dtype, shape: $0.shape) }
        for (entry, t) in zip(entries, tensors) where entry.byteCount != t.data.count {
            throw SafetensorsError(file: url.path, "tensor '\(t.name)' has shape \(t.shape) of \(t.dtype.rawValue) (\(entry.byteCount) bytes) but \(t.data.count) bytes of data")
        }
        try write(entries, metadata: metadata, to: url) { index, sink in
            try tensors[index].data.withUnsafeBytes { try sink.write($0) }
        }
    }

    /// Streaming form: `body(i, sink)` writes exactly tensor i's bytes, so a large model never
    /// needs to be in memory at once.
    public static func write(_ entries: [Entry], metadata: [String: String] = [:], to url: URL,
                             body: (Int, FileSink) throws -> Void) throws {
        var seen = Set<String>()
        for e in entries {
            guard !e.name.isEmpty, e.name != "__metadata__", seen.insert(e.name).inserted else {
                throw SafetensorsError(file: url.path, "tensor name '\(e.name)' is empty, reserved or repeated")
            }
            guard e.shape.allSatisfy({ $0 >= 0 }) else { throw SafetensorsError(file: url.path, "tensor '\(e.name)' has a negative dimension") }
        }
        let header = headerBytes(entries, metadata: metadata)
        try DurableFile.write(to: url) { sink in
            var length = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &length) { try sink.write($0) }
            try header.withUnsafeBytes { try sink.write($0) }
            for (i, e) in entries.enumerated() {
                let before = sink.bytesWritten
                try body(i, sink)
                guard sink.bytesWritten - before == e.byteCount else {
                    throw SafetensorsError(file: url.path, "tensor '\(e.name)' needs \(e.byteCount) bytes but \(sink.bytesWritten - before) were written")
                }
            }
        }
    }

    static func headerBytes(_ entries: [Entry], metadata: [String: String]) -> [UInt8] {
        var json = "{"
        var first = true
        if !metadata.isEmpty {
            json += "\"__metadata__\":{"
            json += metadata.sorted { $0.key < $1.key }.map { "\(JSONWriter.quoted($0.key)):\(JSONWriter.quoted($0.value))" }.joined(separator: ",")
            json += "}"
            first = false
        }
        var offset = 0
        for e in entries {
            if !first { json += "," }
            first = false
            let end = offset + e.byteCount
            json += "\(JSONWriter.quoted(e.name)):{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(e.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        json += "}"
        var bytes = Array(json.utf8)
        while (8 + bytes.count) % 8 != 0 { bytes.append(0x20) }
        return bytes
    }
}
