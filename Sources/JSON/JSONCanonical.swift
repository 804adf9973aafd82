/// The forms the Runner hashes and shows. `canonical` is the byte-exact text a cache key
/// hashes: keys sorted by UTF-8 bytes, no whitespace, only \" \\ \n \r \t escaped by name and
/// other controls as \u00xx, doubles in Swift's shortest round-trip form (the same on every
/// platform; `1e+16` where Python writes `1e+16` too, but `1e+15` where Python writes
/// `1000000000000000.0`), non-finite doubles as strings. These bytes must not change: every
/// cached cell's key depends on them.
extension JSONValue {
    public var canonical: String {
        var out = ""
        writeCanonical(into: &out)
        return out
    }

    private func writeCanonical(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .number(let d):
            // JSON has no inf/nan; spell them as strings so the key stays well defined.
            if d.isFinite { out += d.description } else { JSONValue.string(d.description).writeCanonical(into: &out) }
        case .string(let s): JSONValue.canonicalEscape(s, into: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() { if i > 0 { out += "," }; v.writeCanonical(into: &out) }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, pair) in JSONValue.sortedByKey(o).enumerated() {
                if i > 0 { out += "," }
                JSONValue.canonicalEscape(pair.key, into: &out)
                out += ":"
                pair.value.writeCanonical(into: &out)
            }
            out += "}"
        }
    }

    private static func canonicalEscape(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += JSONWriter.hexEscape(u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }

    /// Indented, key-sorted JSON for people and `--json` output, with a final newline; scalars
    /// as in `canonical`.
    public var pretty: String {
        var out = ""
        writePretty(into: &out, indent: "")
        return out + "\n"
    }

    private func writePretty(into out: inout String, indent: String) {
        let inner = indent + "  "
        switch self {
        case .array(let a) where !a.isEmpty:
            out += "[\n"
            for (i, v) in a.enumerated() {
                out += inner
                v.writePretty(into: &out, indent: inner)
                out += i + 1 < a.count ? ",\n" : "\n"
            }
            out += indent + "]"
        case .object(let o) where !o.isEmpty:
            out += "{\n"
            let pairs = JSONValue.sortedByKey(o)
            for (i, pair) in pairs.enumerated() {
                out += inner + JSONValue.string(pair.key).canonical + ": "
                pair.value.writePretty(into: &out, indent: inner)
                out += i + 1 < pairs.count ? ",\n" : "\n"
            }
            out += indent + "}"
        default:
            out += canonical
        }
    }

    /// Equality for "what changed" messages: numbers compare by value (a manifest read back
    /// from disk cannot tell `1` from `1.0`) and object members regardless of order.
    public func sameValue(as other: JSONValue) -> Bool {
        switch (self, other) {
        case (.integer(let a), .number(let b)), (.number(let b), .integer(let a)): return Double(a) == b
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.sameValue(as: $1) }
        case (.object, .object):
            guard let a = dictionary, let b = other.dictionary, a.count == b.count else { return false }
            return a.allSatisfy { k, v in b[k].map { v.sameValue(as: $0) } ?? false }
        default: return self == other
        }
    }

    /// Short human form for messages: the canonical text, cut to a readable length.
    public var brief: String {
        let c = canonical
        return c.count <= 60 ? c : String(c.prefix(57)) + "..."
    }
}

/// Codable through a single value, for manifests decoded with Foundation's JSONDecoder:
/// objects come back with sorted keys (a keyed container has no order).
extension JSONValue: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .integer(let i): try c.encode(i)
        case .number(let d): if d.isFinite { try c.encode(d) } else { try c.encode(d.description) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object: try c.encode(dictionary ?? [:])
        }
    }
}
