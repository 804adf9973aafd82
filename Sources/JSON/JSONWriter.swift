/// Writes JSON as Python's `json.dumps(value, ensure_ascii=False, separators=(",", ":"))` does
/// (or with `indent`, as `json.dumps(value, ensure_ascii=False, indent=n)`): members in stored
/// order unless `sortKeys`, non-ASCII as UTF-8, floats as Python's repr (`1.0`, `1e-05`,
/// `1e+16`). Non-finite numbers, which JSON cannot spell, are written as null.
public enum JSONWriter {
    public static func serialize(_ value: JSONValue, indent: Int? = nil, sortKeys: Bool = false) -> String {
        var out = ""
        write(value, into: &out, indent: indent, sortKeys: sortKeys, level: 0)
        return out
    }

    /// A string literal with Python's escapes: \" \\ \b \f \n \r \t, other controls as \u00XX.
    public static func quoted(_ s: String) -> String {
        var out = ""
        appendQuoted(s, to: &out)
        return out
    }

    /// Appends `s` as a JSON string literal, escaped as Python's `json.dumps` does: \" \\ \b \f
    /// \n \r \t, other controls as \u00XX; with `asciiOnly` (its default ensure_ascii) every
    /// non-ASCII scalar as \uXXXX, surrogate pairs above U+FFFF; with `escapeDelete` U+007F as
    /// \u007f too (toml-test's encoder). The one JSON string writer: manifests, safetensors
    /// headers, Jinja's tojson and the TOML tests' tagged JSON all go through it.
    public static func appendQuoted(_ s: String, to out: inout String, asciiOnly: Bool = false, escapeDelete: Bool = false) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 || (escapeDelete && u.value == 0x7F) {
                    out += hexEscape(u.value)
                } else if asciiOnly && u.value > 0x7F {
                    if u.value > 0xFFFF {
                        let v = u.value - 0x10000
                        out += hexEscape(0xD800 + (v >> 10)) + hexEscape(0xDC00 + (v & 0x3FF))
                    } else {
                        out += hexEscape(u.value)
                    }
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    static func hexEscape(_ v: UInt32) -> String {
        let h = String(v, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - h.count) + h
    }

    /// Python's `repr(float)`: the shortest round-trip digits, positional for decimal exponents
    /// -4...15 (with `.0` when integral), otherwise `d.ddde±XX`.
    public static func pythonRepr(_ d: Double) -> String {
        guard d.isFinite else { return d.isNaN ? "NaN" : (d < 0 ? "-Infinity" : "Infinity") }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description already has the shortest digits; only the layout differs.
        var body = Substring(d.description)
        var sign = ""
        if body.first == "-" { sign = "-"; body = body.dropFirst() }
        var exponent = 0
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(body[body.index(after: e)...]) ?? 0
            body = body[..<e]
        }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        let whole = parts[0], fraction = parts.count > 1 ? parts[1] : ""
        var digits = Array(whole + fraction)
        // The value is 0.DIGITS × 10^point.
        var point = whole.count + exponent
        while digits.first == "0" { digits.removeFirst(); point -= 1 }
        while digits.last == "0" { digits.removeLast() }
        guard !digits.isEmpty else { return sign + "0.0" }
        let scientific = point - 1
        if scientific >= -4 && scientific < 16 {
            if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + String(digits) }
            if point >= digits.count { return sign + String(digits) + String(repeating: "0", count: point - digits.count) + ".0" }
            return sign + String(digits[..<point]) + "." + String(digits[point...])
        }
        let mantissa = digits.count == 1 ? String(digits) : String(digits[0]) + "." + String(digits[1...])
        let e = abs(scientific)
        return sign + mantissa + "e" + (scientific < 0 ? "-" : "+") + (e < 10 ? "0" : "") + String(e)
    }

    private static func write(_ value: JSONValue, into out: inout String, indent: Int?, sortKeys: Bool, level: Int) {
        func newline(_ l: Int) {
            if let indent { out += "\n" + String(repeating: " ", count: indent * l) }
        }
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .number(let d): out += d.isFinite ? pythonRepr(d) : "null"
        case .string(let s): out += quoted(s)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                newline(level + 1)
                write(item, into: &out, indent: indent, sortKeys: sortKeys, level: level + 1)
            }
            newline(level)
            out += "]"
        case .object(let unsorted):
            if unsorted.isEmpty { out += "{}"; return }
            let members = sortKeys ? JSONValue.sortedByKey(unsorted) : unsorted
            out += "{"
            for (i, m) in members.enumerated() {
                if i > 0 { out += "," }
                newline(level + 1)
                out += quoted(m.key)
                out += indent == nil ? ":" : ": "
                write(m.value, into: &out, indent: indent, sortKeys: sortKeys, level: level + 1)
            }
            newline(level)
            out += "}"
        }
    }
}

extension JSONValue {
    /// Members ordered by key bytes, which is also Python's code-point order; equal keys keep
    /// their file order.
    static func sortedByKey(_ members: [(key: String, value: JSONValue)]) -> [(key: String, value: JSONValue)] {
        members.enumerated().sorted { a, b in
            if a.element.key.utf8.elementsEqual(b.element.key.utf8) { return a.offset < b.offset }
            return a.element.key.utf8.lexicographicallyPrecedes(b.element.key.utf8)
        }.map(\.element)
    }
}
