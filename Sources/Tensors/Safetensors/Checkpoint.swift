import Foundation
import JSON

/// The weights of a Hugging Face folder: `model.safetensors`, or the shards listed in
/// `model.safetensors.index.json` (`{"metadata": {...}, "weight_map": {tensor: shard file}}`).
/// A `.safetensors` file URL is accepted too, as a one-file checkpoint.
public final class Checkpoint: @unchecked Sendable {
    public let directory: URL
    /// Tensor names: shard by shard in index order, each shard's in data order.
    public let names: [String]
    public let files: [SafetensorsFile]
    private let location: [String: Int]

    public init(directory: URL) throws(SafetensorsError) {
        self.directory = directory
        let shards = try Self.shardFiles(directory)
        var files: [SafetensorsFile] = []
        var location: [String: Int] = [:]
        var names: [String] = []
        for (index, url) in shards.urls.enumerated() {
            let file = try SafetensorsFile(url)
            for name in file.names {
                if location[name] != nil {
                    throw SafetensorsError(file: url.path, "tensor '\(name)' is also in \(files[location[name] ?? 0].url.lastPathComponent)")
                }
                location[name] = index
                names.append(name)
            }
            files.append(file)
        }
        if let map = shards.weightMap {
            for (name, shard) in map where files.first(where: { $0.url.lastPathComponent == shard })?.tensors[name] == nil {
                throw SafetensorsError(file: shards.indexPath ?? directory.path, "weight_map lists tensor '\(name)' in \(shard), which does not hold it")
            }
        }
        self.files = files
        self.location = location
        self.names = names
    }

    public func info(_ name: String) -> TensorInfo? {
        guard let i = location[name] else { return nil }
        return files[i].tensors[name]
    }

    /// The file holding `name` (TensorInfo offsets are relative to that file).
    public func file(containing name: String) -> SafetensorsFile? {
        guard let i = location[name] else { return nil }
        return files[i]
    }

    public func bytes(_ name: String) throws(SafetensorsError) -> UnsafeRawBufferPointer {
        guard let i = location[name] else { throw SafetensorsError(file: directory.path, "checkpoint has no tensor named '\(name)'") }
        return try files[i].bytes(name)
    }

    public func floats(_ name: String) throws(SafetensorsError) -> [Float] {
        guard let i = location[name] else { throw SafetensorsError(file: directory.path, "checkpoint has no tensor named '\(name)'") }
        return try files[i].floats(name)
    }

    /// Only the headers of a checkpoint, for planners: no mapping, no data required.
    public static func headers(directory: URL) throws(SafetensorsError) -> CheckpointHeaders {
        let shards = try shardFiles(directory)
        var tensors: [String: TensorInfo] = [:]
        var names: [String] = []
        var metadata: [String: String] = [:]
        for url in shards.urls {
            let header = try SafetensorsHeader.read(url)
            for name in header.names {
                guard tensors[name] == nil else { throw SafetensorsError(file: url.path, "tensor '\(name)' appears in two shards") }
                tensors[name] = header.tensors[name]
                names.append(name)
            }
            metadata.merge(header.metadata) { a, _ in a }
        }
        return CheckpointHeaders(tensors: tensors, names: names, metadata: metadata)
    }

    struct Shards {
        var urls: [URL]
        var weightMap: [(String, String)]?
        var indexPath: String?
    }

    static func shardFiles(_ directory: URL) throws(SafetensorsError) -> Shards {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw SafetensorsError(file: directory.path, "does not exist")
        }
        if !isDirectory.boolValue { return Shards(urls: [directory]) }
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        if FileManager.default.fileExists(atPath: index.path) {
            let map = try readIndex(index)
            var urls: [URL] = []
            var seen = Set<String>()
            for (_, shard) in map where seen.insert(shard).inserted {
                urls.append(directory.appendingPathComponent(shard))
            }
            return Shards(urls: urls, weightMap: map, indexPath: index.path)
        }
        let single = directory.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: single.path) else {
            throw SafetensorsError(file: directory.path, "has neither model.safetensors nor model.safetensors.index.json")
        }
        return Shards(urls: [single])
    }

    /// weight_map entries in file order; shard names must be plain file names in the folder.
    static func readIndex(_ url: URL) throws(SafetensorsError) -> [(String, String)] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw SafetensorsError(file: url.path, "cannot be read") }
        let root: JSONValue
        do { root = try JSONParser.parse(data, file: url.path, options: .header) } catch {
            throw SafetensorsError(file: url.path, "is not valid JSON at byte \(error.offset): \(error.message)")
        }
        guard case .object(let entries)? = root["weight_map"] else {
            throw SafetensorsError(file: url.path, "has no weight_map object")
        }
        var map: [(String, String)] = []
        for (name, value) in entries {
            guard case .string(let shard) = value else { throw SafetensorsError(file: url.path, "weight_map entry '\(name)' is not a file name") }
            guard !shard.isEmpty, !shard.contains("/"), shard != "..", shard != "." else {
                throw SafetensorsError(file: url.path, "weight_map entry '\(name)' names '\(shard)', which is not a file in the folder")
            }
            map.append((name, shard))
        }
        return map
    }
}

/// The tensor list of a checkpoint read from headers alone.
public struct CheckpointHeaders: Sendable {
    public let tensors: [String: TensorInfo]
    public let names: [String]
    public let metadata: [String: String]
}
