import Foundation
import Recipe

/// Everything a running cell may see. Input parameters arrive already resolved to files on
/// disk: a recipe-relative path becomes an absolute URL, `@cell/path` becomes the file inside
/// that cell's cached outputs.
public struct CellContext: Sendable {
    public var cellID: String
    /// The cell's parameters exactly as written in the recipe (minus `id` and `kind`).
    public var parameters: TOMLTable
    /// Resolved locations of input parameters, by parameter name (one URL per string; arrays
    /// keep their order).
    public var inputs: [String: [URL]]
    /// Write every output here; it becomes the cell's cache entry.
    public var outputDirectory: URL
    /// The folder holding the recipe (for messages and relative paths).
    public var recipeFile: URL
    /// Worker threads the run may use (`--threads`).
    public var threads: Int
    /// Reports progress (rows done of total); a no-op outside a terminal.
    public var progress: @Sendable (_ done: Int, _ total: Int) -> Void
    /// A line for the console block (not cached).
    public var log: @Sendable (String) -> Void

    public init(cellID: String, parameters: TOMLTable, inputs: [String: [URL]], outputDirectory: URL,
                recipeFile: URL, threads: Int,
                progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in },
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.cellID = cellID; self.parameters = parameters; self.inputs = inputs
        self.outputDirectory = outputDirectory; self.recipeFile = recipeFile; self.threads = threads
        self.progress = progress; self.log = log
    }
}

/// A cell's own failure: which cell, and one sentence saying what was wrong.
public struct CellError: Error, Sendable, CustomStringConvertible {
    public var cellID: String
    public var message: String
    public init(cellID: String, _ message: String) { self.cellID = cellID; self.message = message }
    public var description: String { "cell '\(cellID)': \(message)" }
}

extension CellContext {
    public func string(_ name: String) -> String? {
        if case .string(let s)? = parameters[name]?.value { return s } else { return nil }
    }
    public func integer(_ name: String) -> Int? {
        if case .integer(let i)? = parameters[name]?.value { return Int(i) } else { return nil }
    }
    public func double(_ name: String) -> Double? {
        switch parameters[name]?.value {
        case .float(let d)?: d
        case .integer(let i)?: Double(i)
        default: nil
        }
    }
    public func bool(_ name: String) -> Bool? {
        if case .boolean(let b)? = parameters[name]?.value { return b } else { return nil }
    }
    public func strings(_ name: String) -> [String]? {
        switch parameters[name]?.value {
        case .string(let s)?: return [s]
        case .array(let a)?: return a.compactMap { if case .string(let s) = $0.value { s } else { nil } }
        default: return nil
        }
    }
    /// The single resolved file of an input parameter.
    public func input(_ name: String) -> URL? { inputs[name]?.first }

    public func require<T>(_ value: T?, _ name: String) throws -> T {
        guard let value else { throw CellError(cellID: cellID, "parameter '\(name)' is missing") }
        return value
    }
}
