/// What a cell kind accepts: the recipe validator checks every `[[cell]]` against its kind's
/// schema before anything runs, so a typo fails in milliseconds rather than an hour in.
public indirect enum ParameterType: Sendable, Equatable, CustomStringConvertible {
    case string
    case integer
    /// Accepts integers too (TOML writes `1` and `1.0` differently; users should not care).
    case float
    case boolean
    case array(ParameterType)
    case table
    /// A string or an array of strings.
    case stringOrStrings
    /// Anything; the cell checks it.
    case any

    public var description: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a number"
        case .boolean: "a boolean"
        case .array(let t): "an array of \(t.plural)"
        case .table: "a table"
        case .stringOrStrings: "a string or an array of strings"
        case .any: "a value"
        }
    }
    var plural: String {
        switch self {
        case .string: "strings"
        case .integer: "integers"
        case .float: "numbers"
        case .boolean: "booleans"
        case .array(let t): "arrays of \(t.plural)"
        case .table: "tables"
        case .stringOrStrings: "strings or arrays of strings"
        case .any: "values"
        }
    }
}

public struct ParameterSpec: Sendable, Equatable {
    public var name: String
    public var type: ParameterType
    public var required: Bool
    /// The string value (or each string, for arrays) names a file or folder the cell reads: a
    /// path relative to the recipe's folder, or `@cell` / `@cell/path/inside` naming an earlier
    /// cell's output. The runner hashes it into the cell's cache key.
    public var isInput: Bool
    public var help: String

    public init(_ name: String, _ type: ParameterType, required: Bool = false, isInput: Bool = false,
                help: String = "") {
        self.name = name; self.type = type; self.required = required; self.isInput = isInput; self.help = help
    }
}

/// A cell kind's name and parameters, as the validator and `cellar plan` see it.
public struct CellSchema: Sendable, Equatable {
    public var kind: String
    public var summary: String
    public var parameters: [ParameterSpec]
    public init(kind: String, summary: String, parameters: [ParameterSpec]) {
        self.kind = kind; self.summary = summary; self.parameters = parameters
    }
    public func parameter(_ name: String) -> ParameterSpec? { parameters.first { $0.name == name } }
}
