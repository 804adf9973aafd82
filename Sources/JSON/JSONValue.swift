/// A JSON document as the package reads and writes it. Objects keep their members in file
/// order (config.json and chat templates are written back in that order), and a number keeps
/// Python's distinction: a literal without fraction or exponent that fits in Int is `.integer`,
/// everything else `.number` (templates print `1` and `1.0` differently, safetensors offsets
/// must be integers). Keys are compared by their exact UTF-8 bytes, never by Swift's canonical
/// equivalence: two vocabulary entries that differ only in normalization form are different.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    /// Structural equality: `.integer(1)` is not `.number(1)` (see `sameValue(as:)`).
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.integer(let x), .integer(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x.utf8.elementsEqual(y.utf8)
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key.utf8.elementsEqual($1.key.utf8) && $0.value == $1.value }
        default: return false
        }
    }

    /// The member named `key` of an object (first match, byte-exact), or nil.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for m in members where m.key.utf8.elementsEqual(key.utf8) { return m.value }
        return nil
    }

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var members: [(key: String, value: JSONValue)]? { if case .object(let o) = self { o } else { nil } }
    public var isNull: Bool { if case .null = self { true } else { false } }

    /// Either kind of number as a Double.
    public var double: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .number(let d): d
        default: nil
        }
    }

    /// The number as an exact integer (`2` or `2.0`), or nil when it is not one.
    public var int: Int? {
        switch self {
        case .integer(let i): return i
        case .number(let d):
            guard d.rounded() == d, abs(d) < 9.0e15 else { return nil }
            return Int(d)
        default: return nil
        }
    }
}

extension JSONValue {
    /// An object from a dictionary, members sorted by key bytes so the order is reproducible.
    public static func object(_ dictionary: [String: JSONValue]) -> JSONValue {
        .object(dictionary.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { (key: $0.key, value: $0.value) })
    }

    public static func int<I: BinaryInteger>(_ value: I) -> JSONValue { .integer(Int(value)) }
    public static func double(_ value: Double) -> JSONValue { .number(value) }

    /// A float32 as its shortest decimal (1e-05, not 9.999999747378752e-06), as transformers
    /// writes config.json; non-finite values become null since JSON has no spelling for them.
    public static func float(_ value: Float) -> JSONValue {
        guard value.isFinite else { return .null }
        return .number(Double(value.description) ?? Double(value))
    }

    /// The object's members as a dictionary (the first of byte-equal keys wins).
    public var dictionary: [String: JSONValue]? {
        guard case .object(let members) = self else { return nil }
        var out: [String: JSONValue] = [:]
        for m in members where out[m.key] == nil { out[m.key] = m.value }
        return out
    }
}
