import Foundation
import Store

/// Everything a cell's cache key is computed from. The key is the sha256 of `json.canonical`.
///
/// The cell id is deliberately absent (renaming a cell keeps its cache), and input parameters
/// appear as digests of what they name (renaming a file with the same bytes keeps it too).
/// The manifest keeps this per cell so the next `cellar plan` can say what changed.
public struct KeyMaterial: Sendable, Codable, Equatable {
    /// Bump when the key's own layout changes.
    public static let currentFormat = 1

    public var format: Int
    public var kind: String
    public var kindVersion: Int
    /// The recipe's parameters with input parameters replaced by "sha256:<hex>" strings and
    /// integers written for float parameters turned into floats.
    public var parameters: [String: JSONValue]
    /// Digest of every input, by parameter name, in the order written.
    public var inputs: [String: [Digest]]
    public var cellarVersion: String
    /// What the cell kind declares matters beyond the above (`Cell.cacheKeyExtras`).
    public var extras: [String: String]

    enum CodingKeys: String, CodingKey {
        case format, kind, parameters, inputs, extras
        case kindVersion = "kind_version"
        case cellarVersion = "cellar_version"
    }

    public var json: JSONValue {
        .object([
            "format": .int(Int64(format)),
            "kind": .string(kind),
            "kind_version": .int(Int64(kindVersion)),
            "parameters": .object(parameters),
            "inputs": .object(inputs.mapValues { .array($0.map { .string($0.description) }) }),
            "cellar_version": .string(cellarVersion),
            "extras": .object(extras.mapValues { .string($0) }),
        ])
    }

    public var key: Digest { SHA256.hash(Data(json.canonical.utf8)) }
}
