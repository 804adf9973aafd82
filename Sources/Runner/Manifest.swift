import Foundation
import Store

/// `artifacts/<recipe name>/manifest.json`: an in-toto Statement (v1) whose predicate records
/// the run. docs/manifest.md describes every field; `Manifest.read` / `encoded()` are the only
/// way the runner touches the file.
public struct Manifest: Sendable, Codable {
    public static let statementType = "https://in-toto.io/Statement/v1"
    public static let runPredicateType = "https://cellar.dev/run/v1"

    public var type: String = Manifest.statementType
    /// Every output file: name "<cell id>/<path>", digest {"sha256": hex}.
    public var subject: [Subject]
    public var predicateType: String = Manifest.runPredicateType
    public var predicate: RunPredicate

    enum CodingKeys: String, CodingKey {
        case type = "_type", subject, predicateType, predicate
    }

    public struct Subject: Sendable, Codable, Equatable {
        public var name: String
        public var digest: [String: String]
    }

    public init(predicate: RunPredicate) {
        self.predicate = predicate
        subject = predicate.cells.flatMap { cell in
            cell.outputs.files.map { Subject(name: "\(cell.id)/\($0.path)", digest: ["sha256": $0.sha256.description]) }
        }
    }

    public static func read(_ url: URL) throws -> Manifest {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw RunnerError.io("cannot read manifest \(url.path): \(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw RunnerError.io("\(url.path) is not a cellar run manifest (\(Manifest.decodingPlace(error)))")
        }
    }

    /// Pretty, key-sorted JSON with a final newline.
    public func encoded() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try e.encode(self) + Data("\n".utf8)
    }

    /// The cache folder this manifest's `predicate.cache` points at.
    public func cacheDirectory(manifestURL: URL) -> URL {
        URL(fileURLWithPath: predicate.cache, relativeTo: manifestURL.deletingLastPathComponent()).standardizedFileURL
    }

    static func decodingPlace(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? c.debugDescription : "at \(p): \(c.debugDescription)"
        }
        switch e {
        case .keyNotFound(let k, let c): return "missing key '\(k.stringValue)' \(path(c))"
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): return path(c)
        @unknown default: return "\(e)"
        }
    }
}

public struct RunPredicate: Sendable, Codable {
    public static let currentFormat = 1
    public var format: Int = RunPredicate.currentFormat
    public var recipe: RecipeRecord
    /// The artifact cache, relative to the manifest's folder: outputs live at
    /// `<cache>/<cell key>/<path>`.
    public var cache: String = "../cache"
    /// sha256 over "<key> <outputs digest>\n" per cell, in recipe order.
    public var rootDigest: Digest
    public var cells: [CellRecord]
    public var environment: EnvironmentRecord
    public var run: RunRecord

    enum CodingKeys: String, CodingKey {
        case format, recipe, cache, cells, environment, run
        case rootDigest = "root_digest"
    }

    /// Recomputes the root digest from the cells (verify compares it to `rootDigest`).
    public var computedRootDigest: Digest {
        TreeListing.rootDigest(cells.map { ($0.key, $0.outputs.digest) })
    }
}

public struct RecipeRecord: Sendable, Codable, Equatable {
    public var name: String
    /// The recipe file relative to the manifest's folder (absolute when elsewhere on disk).
    public var path: String
    public var sha256: Digest
}

public struct CellRecord: Sendable, Codable {
    public enum Status: String, Sendable, Codable { case ran, cached }

    public var id: String
    public var kind: String
    public var key: Digest
    /// As written in the recipe (minus id and kind).
    public var parameters: [String: JSONValue]
    public var inputs: [InputRecord]
    public var outputs: OutputRecord
    public var status: Status
    public var seconds: Double
    /// Set when the cell was forced to rerun (`--from`, `--only`) and earlier outputs existed
    /// to compare with: were the new bytes the same?
    public var byteIdentical: Bool?
    public var summary: [String]
    public var metrics: [String: Double]
    /// What the key was computed from, so the next plan can say what changed.
    public var keyMaterial: KeyMaterial

    enum CodingKeys: String, CodingKey {
        case id, kind, key, parameters, inputs, outputs, status, seconds, summary, metrics
        case byteIdentical = "byte_identical"
        case keyMaterial = "key_material"
    }
}

/// One file or folder a cell read.
public struct InputRecord: Sendable, Codable, Equatable {
    public var parameter: String
    /// As written in the recipe: a path relative to the recipe's folder, or "@cell/path".
    public var source: String
    /// The upstream cell, for "@cell" references.
    public var cell: String?
    /// sha256 of the file, or for a folder the digest of its listing (as for outputs).
    public var sha256: Digest
    /// Bytes (all files, for a folder).
    public var size: Int
    public var directory: Bool
}

public struct OutputRecord: Sendable, Codable {
    /// Digest of the listing of `files` (sha256sum style, see docs/manifest.md).
    public var digest: Digest
    public var files: [FileDigest]
}

public struct RunRecord: Sendable, Codable {
    public var started: String
    public var finished: String
    public var from: String?
}
