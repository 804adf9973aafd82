import Foundation
import Recipe

/// One kind of recipe cell (install, import, quantize, load, prompt, choose, ...).
///
/// A cell reads its parameters and inputs from a `CellContext` and writes every output file
/// under `context.outputDirectory`, a private staging folder. It must not touch anything else:
/// the runner hashes the staging folder and moves it into the cache in one rename, so an
/// interrupted cell leaves nothing behind. Cells hold no state across runs; what a later cell
/// needs travels as files.
public protocol Cell: Sendable {
    static var schema: CellSchema { get }
    /// Bump when the cell's code changes the bytes it writes, so old cache entries stop matching.
    static var version: Int { get }
    /// What else, beyond parameters, inputs and `version`, changes the bytes this cell writes:
    /// e.g. `["threads": "\(threads)"]` for a cell whose float sums depend on the thread
    /// split. It joins the cache key. The default is nothing.
    static func cacheKeyExtras(threads: Int) -> [String: String]
    /// True for kinds whose outputs are what the user came for (a submission, metrics): after
    /// a successful run the runner copies them into `artifacts/<recipe name>/`. Default false.
    static var exportsOutputs: Bool { get }
    init()
    func run(_ context: CellContext) throws -> CellSummary
}

extension Cell {
    public static var kind: String { schema.kind }
    public static func cacheKeyExtras(threads: Int) -> [String: String] { [:] }
    public static var exportsOutputs: Bool { false }
}

/// What a finished cell says about itself: a few lines for the notebook-style console block
/// and the report, and named figures for the manifest and `--json`.
public struct CellSummary: Sendable, Equatable {
    public var lines: [String]
    public var metrics: [String: Double]
    public init(lines: [String] = [], metrics: [String: Double] = [:]) {
        self.lines = lines; self.metrics = metrics
    }
}

/// The kinds a runner knows, keyed by `kind`. The executable registers the real kinds; tests
/// may add their own.
public struct CellRegistry: Sendable {
    public private(set) var kinds: [String: any Cell.Type] = [:]
    public init(_ types: [any Cell.Type] = []) { for t in types { register(t) } }
    public mutating func register(_ type: any Cell.Type) { kinds[type.schema.kind] = type }
    public subscript(kind: String) -> (any Cell.Type)? { kinds[kind] }
    public var schemas: [String: CellSchema] { kinds.mapValues { $0.schema } }
}
