import Foundation
import Recipe

/// A JSON value, used for recipe parameters in cache keys and the manifest.
///
/// `canonical` is the byte-exact form a cache key hashes: object keys sorted by their UTF-8
/// bytes, no whitespace, strings escaped minimally, doubles in Swift's shortest round-trip
/// form (the same on every platform). Integers and doubles stay distinct there; when two
/// values are compared for a "why will this rerun" message they compare by number instead,
/// since a manifest read back from disk cannot tell `1` from `1.0`.
public indirect enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public var canonical: String {
        var out = ""
        write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            // JSON has no inf/nan; spell them as strings so the key stays well defined.
            if d.isFinite { out += d.description } else { JSONValue.string(d.description).write(into: &out) }
        case .string(let s): JSONValue.escape(s, into: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() { if i > 0 { out += "," }; v.write(into: &out) }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, pair) in o.sorted(by: { JSONValue.utf8Order($0.key, $1.key) }).enumerated() {
                if i > 0 { out += "," }
                JSONValue.escape(pair.key, into: &out)
                out += ":"
                pair.value.write(into: &out)
            }
            out += "}"
        }
    }

    static func utf8Order(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    private static func escape(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }

    /// Equality for "what changed" messages: numbers compare by value.
    public func sameValue(as other: JSONValue) -> Bool {
        switch (self, other) {
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)): return Double(a) == b
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.sameValue(as: $1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.allSatisfy { k, v in b[k].map { v.sameValue(as: $0) } ?? false }
        default: return self == other
        }
    }

    /// Short human form for messages: the canonical text, cut to a readable length.
    public var brief: String {
        let c = canonical
        return c.count <= 60 ? c : String(c.prefix(57)) + "..."
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): if d.isFinite { try c.encode(d) } else { try c.encode(d.description) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

extension JSONValue {
    /// A TOML value as JSON: tables become objects, datetimes their TOML text.
    public init(_ toml: TOMLValue) {
        switch toml {
        case .string(let s): self = .string(s)
        case .integer(let i): self = .int(i)
        case .float(let d): self = .double(d)
        case .boolean(let b): self = .bool(b)
        case .datetime(let dt): self = .string(dt.tomlText)
        case .array(let a): self = .array(a.map { JSONValue($0.value) })
        case .table(let t): self = .object(JSONValue.object(t))
        }
    }

    public static func object(_ table: TOMLTable) -> [String: JSONValue] {
        var o: [String: JSONValue] = [:]
        for e in table.entries { o[e.key] = JSONValue(e.node.value) }
        return o
    }
}

extension TOMLDateTime {
    /// The RFC 3339 text of the value, as TOML writes it (for keys and the manifest).
    var tomlText: String {
        func two(_ v: Int?) -> String { let s = String(v ?? 0); return s.count < 2 ? "0" + s : s }
        var date = ""
        if let year { date = String(repeating: "0", count: max(0, 4 - String(year).count)) + "\(year)-\(two(month))-\(two(day))" }
        var time = ""
        if hour != nil {
            time = "\(two(hour)):\(two(minute)):\(two(second))"
            if let fraction { time += "." + fraction }
        }
        var out = [date, time].filter { !$0.isEmpty }.joined(separator: "T")
        if let offsetMinutes {
            if offsetMinutes == 0 { out += "Z" } else {
                let m = abs(offsetMinutes)
                out += (offsetMinutes < 0 ? "-" : "+") + "\(two(m / 60)):\(two(m % 60))"
            }
        }
        return out
    }
}

extension JSONValue {
    /// Indented, key-sorted JSON for people and `--json` output, with a final newline.
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
            let pairs = o.sorted { JSONValue.utf8Order($0.key, $1.key) }
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
}
