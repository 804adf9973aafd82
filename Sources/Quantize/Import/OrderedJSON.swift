import Foundation

/// Just enough JSON output for config files: keys keep the order they are written in (as
/// transformers writes them) and float32 metadata prints as its shortest decimal (1e-05, not
/// 9.999999747378752e-06).
enum OrderedJSON {
    case null
    case bool(Bool)
    case int(Int)
    /// A number already formatted as JSON.
    case number(String)
    case string(String)
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])

    static func float(_ x: Float) -> OrderedJSON { .number(x.isFinite ? "\(x)" : "null") }
    static func double(_ x: Double) -> OrderedJSON { .number(x.isFinite ? "\(x)" : "null") }

    func serialized(indent: Int = 0) -> String {
        let pad = String(repeating: " ", count: indent + 2), end = String(repeating: " ", count: indent)
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .number(let s): return s
        case .string(let s): return Self.quoted(s)
        case .array(let a):
            if a.isEmpty { return "[]" }
            return "[\n" + a.map { pad + $0.serialized(indent: indent + 2) }.joined(separator: ",\n") + "\n\(end)]"
        case .object(let members):
            if members.isEmpty { return "{}" }
            return "{\n" + members.map { pad + Self.quoted($0.0) + ": " + $0.1.serialized(indent: indent + 2) }.joined(separator: ",\n") + "\n\(end)}"
        }
    }

    var data: Data { Data((serialized() + "\n").utf8) }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
