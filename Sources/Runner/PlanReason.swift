import Foundation

/// Why a cell will run (or may run). `code` is the stable name used in `--json`.
public enum PlanReason: Sendable, Equatable, CustomStringConvertible {
    /// No earlier run of the recipe had a cell with this id.
    case newCell
    /// `--from CELL` or `--only CELL` forces it.
    case forced(option: String)
    case kindChanged(from: String, to: String)
    case kindVersionChanged(kind: String, from: Int, to: Int)
    case parameterChanged(name: String, from: JSONValue?, to: JSONValue?)
    case inputFileChanged(parameter: String, path: String)
    case upstreamChanged(cell: String)
    /// The upstream cell will run first; this one reruns only if that changes its outputs.
    case upstreamWillRun(cell: String)
    case cellarVersionChanged(from: String, to: String)
    case extraChanged(name: String, from: String?, to: String?)
    /// Same key as last time, but the cache entry is gone (deleted by hand, or never committed).
    case cacheEntryMissing
    /// The key differs from last time's yet none of the above explains it (a manifest from
    /// another key format).
    case keyChanged

    public var code: String {
        switch self {
        case .newCell: "new-cell"
        case .forced: "forced"
        case .kindChanged: "kind-changed"
        case .kindVersionChanged: "kind-version-changed"
        case .parameterChanged: "parameter-changed"
        case .inputFileChanged: "input-file-changed"
        case .upstreamChanged: "upstream-changed"
        case .upstreamWillRun: "upstream-will-run"
        case .cellarVersionChanged: "cellar-version-changed"
        case .extraChanged: "extra-changed"
        case .cacheEntryMissing: "cache-entry-missing"
        case .keyChanged: "key-changed"
        }
    }

    public var description: String {
        switch self {
        case .newCell: return "new cell"
        case .forced(let option): return "forced by \(option)"
        case .kindChanged(let a, let b): return "kind changed from \(a) to \(b)"
        case .kindVersionChanged(let kind, let a, let b): return "\(kind) cell code changed (version \(a) → \(b))"
        case .parameterChanged(let name, let a, let b):
            switch (a, b) {
            case (nil, let b?): return "parameter \(name) added (\(b.brief))"
            case (let a?, nil): return "parameter \(name) removed (was \(a.brief))"
            case (let a?, let b?): return "parameter \(name) changed (\(a.brief) → \(b.brief))"
            default: return "parameter \(name) changed"
            }
        case .inputFileChanged(let parameter, let path): return "input file \(path) changed (\(parameter))"
        case .upstreamChanged(let cell): return "upstream cell \(cell)'s outputs changed"
        case .upstreamWillRun(let cell):
            return "upstream cell \(cell) will run first; this cell reruns only if \(cell)'s outputs change"
        case .cellarVersionChanged(let a, let b): return "cellar version changed (\(a) → \(b))"
        case .extraChanged(let name, let a, let b): return "\(name) changed (\(a ?? "unset") → \(b ?? "unset"))"
        case .cacheEntryMissing: return "cache entry missing"
        case .keyChanged: return "cache key changed"
        }
    }
}

/// A cell as `cellar plan` sees it.
public struct PlannedCell: Sendable {
    public enum Status: String, Sendable {
        case cached
        case willRun = "will run"
        /// Waits on an upstream cell that will run; stays cached if its outputs do not change.
        case mayRun = "may run"
    }
    public var id: String
    public var kind: String
    /// Unknown while an upstream cell's outputs are unknown.
    public var key: String?
    public var status: Status
    public var reasons: [PlanReason]
    /// Facts worth saying about a cached cell (an input known only by its recorded digest).
    public var notes: [String] = []
}

extension PlanReason {
    /// What changed between last run's key material and this one's, in a fixed order.
    static func differences(previous: CellRecord, kind: String, material: KeyMaterial,
                            inputs: [InputRecord], pendingParameters: Set<String>) -> [PlanReason] {
        let old = previous.keyMaterial
        if old.kind != material.kind { return [.kindChanged(from: old.kind, to: material.kind)] }
        var out: [PlanReason] = []
        if old.kindVersion != material.kindVersion {
            out.append(.kindVersionChanged(kind: kind, from: old.kindVersion, to: material.kindVersion))
        }
        if old.cellarVersion != material.cellarVersion {
            out.append(.cellarVersionChanged(from: old.cellarVersion, to: material.cellarVersion))
        }
        let inputNames = Set(material.inputs.keys).union(old.inputs.keys).union(pendingParameters)
        for name in Set(old.parameters.keys).union(material.parameters.keys).sorted() where !inputNames.contains(name) {
            let a = old.parameters[name], b = material.parameters[name]
            let same = a.flatMap { a in b.map { a.sameValue(as: $0) } } ?? (a == nil && b == nil)
            if !same { out.append(.parameterChanged(name: name, from: a, to: b)) }
        }
        // Inputs compare by digest, position by position, so a renamed file with the same bytes
        // is no change at all. A parameter waiting on an upstream cell is covered by
        // `upstreamWillRun`.
        var seenUpstream = Set<String>()
        for name in inputNames.sorted() where !pendingParameters.contains(name) {
            let now = inputs.filter { $0.parameter == name }
            let before = previous.inputs.filter { $0.parameter == name }
            guard now.count == before.count else {
                out.append(.parameterChanged(name: name, from: before.isEmpty ? nil : .array(before.map { .string($0.source) }),
                                             to: now.isEmpty ? nil : .array(now.map { .string($0.source) })))
                continue
            }
            for (input, earlier) in zip(now, before) where input.sha256 != earlier.sha256 {
                if let cell = input.cell {
                    if seenUpstream.insert(cell).inserted { out.append(.upstreamChanged(cell: cell)) }
                } else {
                    out.append(.inputFileChanged(parameter: name, path: input.source))
                }
            }
        }
        for name in Set(old.extras.keys).union(material.extras.keys).sorted() where old.extras[name] != material.extras[name] {
            out.append(.extraChanged(name: name, from: old.extras[name], to: material.extras[name]))
        }
        return out
    }
}
