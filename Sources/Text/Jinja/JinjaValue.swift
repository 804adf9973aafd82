import Foundation

/// A value handed to a chat template: the JSON data model, with integers and floats kept
/// apart (Python prints `1` and `1.0` differently) and dictionaries keeping insertion order
/// (Python dicts do, and `tojson` / `items` expose it).
public indirect enum JinjaValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JinjaValue])
    /// Keys in insertion order; a repeated key keeps its first position and its last value,
    /// as `json.loads` does.
    case dict([(key: String, value: JinjaValue)])

    public static func == (a: JinjaValue, b: JinjaValue) -> Bool {
        switch (a, b) {
        case (.none, .none): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x == y
        case let (.string(x), .string(y)): return x.utf8.elementsEqual(y.utf8)
        case let (.array(x), .array(y)): return x == y
        case let (.dict(x), .dict(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key.utf8.elementsEqual($1.key.utf8) && $0.value == $1.value }
        default: return false
        }
    }

    /// Parses JSON text (UTF-8), keeping object key order; `file` names it in errors.
    public init(json: Data, file: String = "<json>") throws(JSONError) {
        self = try JinjaJSONReader.parse(json, file: file)
    }

    /// A dictionary from ordered pairs.
    public static func object(_ pairs: KeyValuePairs<String, JinjaValue>) -> JinjaValue {
        .dict(pairs.map { (key: $0.key, value: $0.value) })
    }

    /// The value for `key` when this is a dictionary.
    public subscript(key: String) -> JinjaValue? {
        guard case .dict(let pairs) = self else { return nil }
        return pairs.first { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var arrayValue: [JinjaValue]? { if case .array(let a) = self { a } else { nil } }
}
