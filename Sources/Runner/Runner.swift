import Foundation
import CellKit
import Recipe
import Store

/// What `cellar run` was asked to do beyond the recipe.
public struct RunOptions: Sendable {
    /// Rerun this cell and every cell after it, even when cached.
    public var from: String?
    /// Run just this cell (forced); the cells it reads must be cached. The manifest is left as is.
    public var only: String?
    public var threads: Int
    /// Joins every cache key: a new cellar may write different bytes.
    public var cellarVersion: String

    public init(from: String? = nil, only: String? = nil, threads: Int, cellarVersion: String) {
        self.from = from; self.only = only; self.threads = threads; self.cellarVersion = cellarVersion
    }
}

/// What happens during a run, in order, for the console.
public enum RunEvent: Sendable {
    case cellStarted(index: Int, total: Int, id: String, kind: String, willRun: Bool)
    case log(cell: String, line: String)
    case progress(cell: String, done: Int, total: Int)
    case cellFinished(index: Int, total: Int, record: CellRecord)
}

public struct RunResult: Sendable {
    public var manifest: Manifest
    public var manifestURL: URL
    /// False for `--only`, which leaves the last full run's manifest in place.
    public var manifestWritten: Bool
    /// Input files actually read and hashed (the stat cache vouched for the rest).
    public var inputFilesHashed: Int = 0
    /// Files copied into `artifacts/<recipe>/` from exporting cells (write, eval), as paths
    /// relative to that folder.
    public var exported: [String] = []
    /// The notebook report, when this run wrote one (not for `--only`).
    public var reportURL: URL?
}

/// Plans and runs a recipe against its artifacts folder.
///
/// Cells run in recipe order. A cell's key is computed once everything it reads is known, so
/// a cell whose inputs come out byte-identical to last time stays cached even when an upstream
/// cell reran (DVC semantics). The whole run holds the artifacts folder's lock, so concurrent
/// runs take turns and the later one finds the earlier one's cache.
public final class Runner: Sendable {
    public let recipe: Recipe
    public let registry: CellRegistry
    public let options: RunOptions

    public init(recipe: Recipe, registry: CellRegistry, options: RunOptions) {
        self.recipe = recipe; self.registry = registry; self.options = options
    }

    public var artifacts: URL { recipe.artifactsDirectory }
    public var manifestURL: URL { recipeFolder.appendingPathComponent("manifest.json") }
    public var reportURL: URL { recipeFolder.appendingPathComponent("report.ipynb") }
    /// `artifacts/<recipe name>/`: the manifest, the report and exported outputs.
    public var recipeFolder: URL { artifacts.appendingPathComponent(recipe.name) }
    var store: ArtifactStore { ArtifactStore(root: artifacts) }
    var lockURL: URL { artifacts.appendingPathComponent(".lock") }
    var statCacheURL: URL { store.cacheDirectory.appendingPathComponent("statcache.json") }

    // MARK: plan

    /// Per cell: cached, will run (and why), or may run (waits on an upstream that will run).
    /// Reads the artifacts folder but writes nothing except the stat cache.
    public func plan() throws -> [PlannedCell] {
        let types = try cellTypes()
        let fromIndex = try index(of: options.from, option: "--from")
        let statCache = StatCache(file: statCacheURL)
        let resolver = InputResolver(recipeFolder: recipe.file.deletingLastPathComponent(), statCache: statCache,
                                     cellarVersion: options.cellarVersion, threads: options.threads)
        let previous = previousManifest()
        var outputs: [String: CellOutputs] = [:]
        var planned: [PlannedCell] = []
        for (i, spec) in recipe.cells.enumerated() {
            let resolved = try RunnerError.naming(spec.id) { try resolver.resolve(spec, type: types[i], outputs: outputs) }
            let forced = fromIndex.map { i >= $0 } ?? false
            if let key = resolved.key, !forced, let entry = store.entry(for: key) {
                let tree = try RunnerError.naming(spec.id) { try digestTree(at: entry, statCache: statCache) }
                outputs[spec.id] = CellOutputs(entry: entry, tree: tree)
                planned.append(PlannedCell(id: spec.id, kind: spec.kind, key: key.description, status: .cached, reasons: []))
                continue
            }
            var reasons = forced ? [PlanReason.forced(option: "--from \(options.from ?? "")")] : []
            // Forced and cached: the force is the whole story.
            if !(forced && resolved.key.flatMap { store.entry(for: $0) } != nil) {
                reasons += changes(resolved, previous: previous)
            }
            reasons += resolved.pendingUpstreams.map { .upstreamWillRun(cell: $0) }
            let onlyWaiting = reasons.allSatisfy { if case .upstreamWillRun = $0 { true } else { false } }
            planned.append(PlannedCell(id: spec.id, kind: spec.kind, key: resolved.key?.description,
                                       status: onlyWaiting && !reasons.isEmpty ? .mayRun : .willRun, reasons: reasons))
        }
        try? statCache.save()
        return planned
    }

    /// Why `resolved` is not cached, compared with the same cell id in the last manifest.
    private func changes(_ resolved: ResolvedCell, previous: Manifest?) -> [PlanReason] {
        guard let before = previous?.predicate.cells.first(where: { $0.id == resolved.spec.id }) else {
            return [.newCell]
        }
        let diff = PlanReason.differences(previous: before, kind: resolved.spec.kind, material: resolved.material,
                                          inputs: resolved.inputs, pendingParameters: resolved.pendingParameters)
        if !diff.isEmpty || !resolved.pendingUpstreams.isEmpty { return diff }
        return resolved.key == before.key ? [.cacheEntryMissing] : [.keyChanged]
    }

    // MARK: run

    public func run(_ observe: @escaping @Sendable (RunEvent) -> Void = { _ in }) throws -> RunResult {
        let types = try cellTypes()
        let fromIndex = try index(of: options.from, option: "--from")
        let onlyIndex = try index(of: options.only, option: "--only")
        try ensureManifestFolderName()
        do { try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true) } catch {
            throw RunnerError.io("cannot create the artifacts folder \(artifacts.path): \(error.localizedDescription)")
        }
        return try FileLock(lockURL).withLock {
            store.removeAbandonedStaging()
            let started = Date()
            let statCache = StatCache(file: statCacheURL)
            defer { try? statCache.save() }
            let resolver = InputResolver(recipeFolder: recipe.file.deletingLastPathComponent(), statCache: statCache,
                                         cellarVersion: options.cellarVersion, threads: options.threads)
            let previous = previousManifest()
            let needed = onlyIndex.map { dependencyClosure(of: $0, types: types) }
            let selected = recipe.cells.indices.filter { needed?.contains($0) ?? true }
            var outputs: [String: CellOutputs] = [:]
            var records: [CellRecord] = []
            var inputFilesHashed = 0
            var exports: [(id: String, entry: URL, files: [FileDigest])] = []
            for (n, i) in selected.enumerated() {
                let spec = recipe.cells[i]
                let hashedBefore = statCache.hashedFileCount
                let resolved = try RunnerError.naming(spec.id) { try resolver.resolve(spec, type: types[i], outputs: outputs) }
                inputFilesHashed += statCache.hashedFileCount - hashedBefore
                guard let key = resolved.key else {
                    throw RunnerError.io("cell '\(spec.id)' reads cell '\(resolved.pendingUpstreams.first ?? "?")', which has not run")
                }
                let forced = (fromIndex.map { i >= $0 } ?? false) || onlyIndex == i
                let start = Date()
                let cached = forced ? nil : store.entry(for: key)
                if onlyIndex != nil && onlyIndex != i && cached == nil {
                    throw RunnerError.upstreamNotCached(cell: recipe.cells[onlyIndex ?? i].id, upstream: spec.id)
                }
                observe(.cellStarted(index: n, total: selected.count, id: spec.id, kind: spec.kind, willRun: cached == nil))
                var record: CellRecord
                if let cached {
                    let tree = try RunnerError.naming(spec.id) { try digestTree(at: cached, statCache: statCache) }
                    outputs[spec.id] = CellOutputs(entry: cached, tree: tree)
                    let earlier = previous?.predicate.cells.first { $0.key == key }
                    record = makeRecord(resolved, key: key, tree: tree, status: .cached,
                                        summary: CellSummary(lines: earlier?.summary ?? [], metrics: earlier?.metrics ?? [:]))
                } else {
                    let (entry, tree, summary, identical) = try execute(resolved, key: key, previous: previous, observe: observe)
                    outputs[spec.id] = CellOutputs(entry: entry, tree: tree)
                    record = makeRecord(resolved, key: key, tree: tree, status: .ran, summary: summary)
                    record.byteIdentical = forced ? identical : nil
                }
                record.seconds = (Date().timeIntervalSince(start) * 1000).rounded() / 1000
                records.append(record)
                if types[i].exportsOutputs, let out = outputs[spec.id] { exports.append((spec.id, out.entry, out.tree.files)) }
                observe(.cellFinished(index: n, total: selected.count, record: record))
            }
            let manifest = try makeManifest(records, started: started)
            do { try FileManager.default.createDirectory(at: recipeFolder, withIntermediateDirectories: true) } catch {
                throw RunnerError.io("cannot create \(recipeFolder.path): \(error.localizedDescription)")
            }
            // Every cell succeeded: only now do exported files replace the last run's.
            var exported: [String] = []
            for e in exports {
                exported += try ExportedOutputs.copy(files: e.files, from: e.entry, into: recipeFolder, cell: e.id)
            }
            guard onlyIndex == nil else {
                return RunResult(manifest: manifest, manifestURL: manifestURL, manifestWritten: false,
                                 inputFilesHashed: inputFilesHashed, exported: exported)
            }
            do {
                try AtomicFile.write(try manifest.encoded(), to: manifestURL)
            } catch {
                throw RunnerError.io("cannot write the manifest \(manifestURL.path): \(error)")
            }
            do {
                try AtomicFile.write(Data(NotebookReport.render(recipe: recipe, manifest: manifest).utf8), to: reportURL)
            } catch {
                throw RunnerError.io("cannot write the report \(reportURL.path): \(error)")
            }
            return RunResult(manifest: manifest, manifestURL: manifestURL, manifestWritten: true,
                             inputFilesHashed: inputFilesHashed, exported: exported, reportURL: reportURL)
        }
    }

    /// Runs one cell into a staging folder and commits it under its key. Returns whether the
    /// new bytes equal the earlier outputs (the cache entry being replaced, else the last
    /// manifest's outputs for this cell id); nil when there was nothing to compare with.
    private func execute(_ resolved: ResolvedCell, key: Digest, previous: Manifest?,
                         observe: @escaping @Sendable (RunEvent) -> Void)
        throws -> (URL, TreeDigest, CellSummary, Bool?) {
        let spec = resolved.spec
        let id = spec.id
        let staging = try RunnerError.naming(id) { try store.makeStaging() }
        let context = CellContext(
            cellID: id, parameters: spec.parameters, inputs: resolved.urls, outputDirectory: staging,
            recipeFile: recipe.file, threads: options.threads,
            progress: { done, total in observe(.progress(cell: id, done: done, total: total)) },
            log: { line in observe(.log(cell: id, line: line)) })
        let summary: CellSummary
        do { summary = try resolved.type.init().run(context) } catch {
            try? FileManager.default.removeItem(at: staging)
            throw RunnerError.cellFailed(cell: id, kind: spec.kind, message: RunnerError.message(of: error, cell: id))
        }
        return try RunnerError.naming(id) {
            let tree: TreeDigest
            do { tree = try digestTree(at: staging) } catch {
                store.discard(staging: staging)
                throw error
            }
            var earlier: Digest? = previous?.predicate.cells.first { $0.id == id }?.outputs.digest
            if let existing = store.entry(for: key) {
                let old = try digestTree(at: existing)
                earlier = old.digest
                if old.digest != tree.digest {
                    // A forced rerun wrote different bytes: the cache keeps the newest, and the
                    // manifest says they differed. Move the old entry aside first so a crash
                    // leaves no entry rather than a mixed one.
                    let trash = try store.makeStaging()
                    try FileManager.default.moveItem(at: existing, to: trash.appendingPathComponent("replaced"))
                    store.discard(staging: trash)
                }
            }
            let entry = try store.commit(staging: staging, key: key)
            return (entry, tree, summary, earlier.map { $0 == tree.digest })
        }
    }

    // MARK: pieces

    private func cellTypes() throws -> [any Cell.Type] {
        try recipe.cells.map { spec in
            guard let type = registry[spec.kind] else { throw RunnerError.unknownKind(cell: spec.id, kind: spec.kind) }
            return type
        }
    }

    private func index(of id: String?, option: String) throws -> Int? {
        guard let id else { return nil }
        guard let i = recipe.cells.firstIndex(where: { $0.id == id }) else {
            throw RunnerError.unknownCell(option: option, id: id, known: recipe.cells.map(\.id))
        }
        return i
    }

    /// The cell at `index` and every cell it reads from, directly or not.
    private func dependencyClosure(of index: Int, types: [any Cell.Type]) -> Set<Int> {
        var out: Set<Int> = [index]
        var queue = [index]
        while let i = queue.popLast() {
            for upstream in InputResolver.upstreams(of: recipe.cells[i], type: types[i]) {
                if let j = recipe.cells.firstIndex(where: { $0.id == upstream }), out.insert(j).inserted { queue.append(j) }
            }
        }
        return out
    }

    private func previousManifest() -> Manifest? {
        FileManager.default.fileExists(atPath: manifestURL.path) ? try? Manifest.read(manifestURL) : nil
    }

    /// The recipe module already refuses names that cannot be a folder; these two would
    /// collide with the cache and the lock file.
    private func ensureManifestFolderName() throws {
        let name = recipe.name
        if name == "cache" || name.hasPrefix(".") || name.isEmpty || name.contains("/") {
            throw RunnerError.badRecipeName(name)
        }
    }

    private func makeRecord(_ r: ResolvedCell, key: Digest, tree: TreeDigest, status: CellRecord.Status,
                            summary: CellSummary) -> CellRecord {
        CellRecord(id: r.spec.id, kind: r.spec.kind, key: key, parameters: JSONValue.object(r.spec.parameters),
                   inputs: r.inputs, outputs: OutputRecord(digest: tree.digest, files: tree.files), status: status,
                   seconds: 0, byteIdentical: nil, summary: summary.lines,
                   metrics: summary.metrics.filter { $0.value.isFinite }, keyMaterial: r.material)
    }

    private func makeManifest(_ records: [CellRecord], started: Date) throws -> Manifest {
        let recipeDigest: Digest
        do { recipeDigest = try SHA256.hash(file: recipe.file) } catch {
            throw RunnerError.io("cannot read the recipe \(recipe.file.path): \(error)")
        }
        let time = ISO8601DateFormatter()
        let predicate = RunPredicate(
            recipe: RecipeRecord(name: recipe.name,
                                 path: relativePath(of: recipe.file, from: manifestURL.deletingLastPathComponent()),
                                 sha256: recipeDigest),
            rootDigest: TreeListing.rootDigest(records.map { ($0.key, $0.outputs.digest) }),
            cells: records,
            environment: EnvironmentRecord.current(cellarVersion: options.cellarVersion, threads: options.threads),
            run: RunRecord(started: time.string(from: started), finished: time.string(from: Date()), from: options.from))
        return Manifest(predicate: predicate)
    }
}

/// `file` relative to `folder` ("../../recipe.toml"), so a copied artifacts tree still finds it.
func relativePath(of file: URL, from folder: URL) -> String {
    let a = folder.standardizedFileURL.resolvingSymlinksInPath().pathComponents
    let b = file.standardizedFileURL.resolvingSymlinksInPath().pathComponents
    var common = 0
    while common < a.count && common < b.count && a[common] == b[common] { common += 1 }
    if common <= 1 { return file.standardizedFileURL.path }
    return (Array(repeating: "..", count: a.count - common) + b[common...]).joined(separator: "/")
}
