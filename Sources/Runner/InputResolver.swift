import Foundation
import CellKit
import Recipe
import Store

/// A finished (ran or cached) cell's outputs: where they are and what they hash to.
struct CellOutputs: Sendable {
    var entry: URL
    var tree: TreeDigest
}

/// A cell with its inputs found and hashed and its cache key computed. While an upstream cell
/// has not produced its outputs yet (planning only), `pendingUpstreams` names it and `key` is nil.
struct ResolvedCell: Sendable {
    var spec: CellSpec
    var type: any Cell.Type
    var inputs: [InputRecord]
    var urls: [String: [URL]]
    var pendingUpstreams: [String]
    var pendingParameters: Set<String>
    /// Input files absent from disk whose digest came from the last manifest (a package made
    /// without `--with-inputs`): enough to find the cached outputs, not to run the cell.
    var recordedInputs: [InputRecord] = []
    var material: KeyMaterial
    var key: Digest? { pendingUpstreams.isEmpty ? material.key : nil }

    /// Throws when the cell must run but an input is only known by its recorded digest.
    func requireInputFiles(recipeFolder: URL) throws {
        guard let missing = recordedInputs.first else { return }
        let url = missing.source.hasPrefix("/") ? URL(fileURLWithPath: missing.source)
            : recipeFolder.appendingPathComponent(missing.source).standardizedFileURL
        throw RunnerError.missingInputNotCached(cell: spec.id, parameter: missing.parameter, source: missing.source, path: url.path)
    }
}

/// Turns a cell's parameters into cache-key material: input parameters are found on disk (a
/// path relative to the recipe's folder) or in an upstream cell's outputs (`@cell/path`) and
/// replaced by their digests; everything else stays as written.
struct InputResolver {
    var recipeFolder: URL
    var statCache: StatCache
    var cellarVersion: String
    var threads: Int
    /// The last manifest's input records by cell id: a missing input file falls back on them.
    var recorded: [String: [InputRecord]] = [:]

    func resolve(_ spec: CellSpec, type: any Cell.Type, outputs: [String: CellOutputs]) throws -> ResolvedCell {
        var parameters: [String: JSONValue] = [:]
        var digests: [String: [Digest]] = [:]
        var records: [InputRecord] = []
        var urls: [String: [URL]] = [:]
        var pending: [String] = []
        var pendingParameters = Set<String>()
        var recordedInputs: [InputRecord] = []
        for entry in spec.parameters.entries {
            let schema = type.schema.parameter(entry.key)
            guard schema?.isInput == true else {
                parameters[entry.key] = Self.normalised(entry.node.value, as: schema?.type)
                continue
            }
            var normalised: [JSONValue] = []
            for source in Self.strings(entry.node.value) {
                if let reference = InputReference.parse(source), outputs[reference.cell] == nil {
                    if !pending.contains(reference.cell) { pending.append(reference.cell) }
                    pendingParameters.insert(entry.key)
                    normalised.append(.string(source))
                    continue
                }
                let (record, url, fromManifest) = try resolveInput(source, parameter: entry.key, cell: spec.id, outputs: outputs)
                if fromManifest { recordedInputs.append(record) }
                records.append(record)
                urls[entry.key, default: []].append(url)
                digests[entry.key, default: []].append(record.sha256)
                normalised.append(.string("sha256:\(record.sha256)"))
            }
            if case .array = entry.node.value { parameters[entry.key] = .array(normalised) }
            else { parameters[entry.key] = normalised.first ?? .null }
        }
        let material = KeyMaterial(
            format: KeyMaterial.currentFormat, kind: type.kind, kindVersion: type.version, parameters: parameters,
            inputs: digests, cellarVersion: cellarVersion, extras: type.cacheKeyExtras(threads: threads))
        return ResolvedCell(spec: spec, type: type, inputs: records, urls: urls, pendingUpstreams: pending,
                            pendingParameters: pendingParameters, recordedInputs: recordedInputs, material: material)
    }

    private func resolveInput(_ source: String, parameter: String, cell: String,
                              outputs: [String: CellOutputs]) throws -> (InputRecord, URL, fromManifest: Bool) {
        if let reference = InputReference.parse(source), let upstream = outputs[reference.cell] {
            if reference.path.isEmpty {
                let size = upstream.tree.files.reduce(0) { $0 + $1.size }
                return (InputRecord(parameter: parameter, source: source, cell: reference.cell,
                                    sha256: upstream.tree.digest, size: size, directory: true), upstream.entry, false)
            }
            let path = reference.path.hasSuffix("/") ? String(reference.path.dropLast()) : reference.path
            let url = upstream.entry.appendingPathComponent(path)
            if let file = upstream.tree.files.first(where: { $0.path == path }) {
                return (InputRecord(parameter: parameter, source: source, cell: reference.cell, sha256: file.sha256,
                                    size: file.size, directory: false), url, false)
            }
            // A folder inside the outputs: its files, relative to it, hashed like a tree.
            let prefix = path + "/"
            let inside = upstream.tree.files.filter { $0.path.hasPrefix(prefix) }.map {
                (path: String($0.path.dropFirst(prefix.count)), sha256: $0.sha256, size: $0.size)
            }
            guard !inside.isEmpty else {
                throw RunnerError.missingUpstreamFile(cell: cell, parameter: parameter, reference: source, upstream: reference.cell)
            }
            return (InputRecord(parameter: parameter, source: source, cell: reference.cell,
                                sha256: TreeListing.digest(of: inside.map { ($0.path, $0.sha256) }), size: inside.reduce(0) { $0 + $1.size },
                                directory: true), url, false)
        }
        let url = source.hasPrefix("/") ? URL(fileURLWithPath: source)
            : recipeFolder.appendingPathComponent(source).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            // Absent (a package unpacked without its inputs): the last manifest's digest still
            // names the cache entry. The caller refuses to run the cell on it.
            if let record = recorded[cell]?.first(where: { $0.cell == nil && $0.parameter == parameter && $0.source == source }) {
                return (record, url, true)
            }
            throw RunnerError.missingInput(cell: cell, parameter: parameter, source: source, path: url.path)
        }
        if isDirectory.boolValue {
            let tree = try digestTree(at: url, statCache: statCache)
            return (InputRecord(parameter: parameter, source: source, cell: nil, sha256: tree.digest,
                                size: tree.files.reduce(0) { $0 + $1.size }, directory: true), url, false)
        }
        let digest = try statCache.digest(of: url)
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        return (InputRecord(parameter: parameter, source: source, cell: nil, sha256: digest, size: size,
                            directory: false), url, false)
    }

    /// The cells a cell reads from, in the order its parameters name them.
    static func upstreams(of spec: CellSpec, type: any Cell.Type) -> [String] {
        var out: [String] = []
        for entry in spec.parameters.entries where type.schema.parameter(entry.key)?.isInput == true {
            for s in strings(entry.node.value) {
                if let r = InputReference.parse(s), !out.contains(r.cell) { out.append(r.cell) }
            }
        }
        return out
    }

    static func strings(_ value: TOMLValue) -> [String] {
        switch value {
        case .string(let s): return [s]
        case .array(let a): return a.flatMap { strings($0.value) }
        default: return []
        }
    }

    /// Integers written where the schema wants a number become floats, so `1` and `1.0` share a key.
    static func normalised(_ value: TOMLValue, as type: ParameterType?) -> JSONValue {
        switch (value, type) {
        case (.integer(let i), .float?): return .double(Double(i))
        case (.array(let a), .array(let element)?): return .array(a.map { normalised($0.value, as: element) })
        default: return JSONValue(value)
        }
    }
}
