/// Writes a parsed table back as TOML (every table inline), for the fuzzer's round-trip oracle.
enum TOMLEmitter {
    static func document(_ table: TOMLTable) -> String {
        table.entries.map { key($0.key) + " = " + value($0.node.value) + "\n" }.joined()
    }

    static func value(_ v: TOMLValue) -> String {
        switch v {
        case .string(let s): return string(s)
        case .integer(let i): return String(i)
        case .float(let f):
            if f.isNaN { return "nan" }
            if f.isInfinite { return f < 0 ? "-inf" : "inf" }
            return "\(f)"
        case .boolean(let b): return b ? "true" : "false"
        case .datetime(let d): return d.rfc3339
        case .array(let items): return "[" + items.map { value($0.value) }.joined(separator: ", ") + "]"
        case .table(let t): return "{" + t.entries.map { key($0.key) + " = " + value($0.node.value) }.joined(separator: ", ") + "}"
        }
    }

    static func key(_ k: String) -> String { string(k) }

    static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
