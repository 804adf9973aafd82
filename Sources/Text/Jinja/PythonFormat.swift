/// Python's `str()` and `repr()` of values, which is what `{{ x }}`, `|string` and `~` print.
enum PythonFormat {
    static func str(_ v: Value) -> String {
        switch v {
        case .undefined: ""
        case .string(let s): s
        default: repr(v)
        }
    }

    static func repr(_ v: Value) -> String {
        switch v {
        case .undefined: "Undefined"
        case .none: "None"
        case .bool(let b): b ? "True" : "False"
        case .int(let i): String(i)
        case .double(let d): float(d)
        case .string(let s): quoted(s)
        case .list(let l): "[" + l.map(repr).joined(separator: ", ") + "]"
        case .tuple(let l): "(" + l.map(repr).joined(separator: ", ") + (l.count == 1 ? ",)" : ")")
        case .dict(let d): "{" + d.items.map { repr($0.0) + ": " + repr($0.1) }.joined(separator: ", ") + "}"
        case .namespace(let n): n.loopLabel ?? "<Namespace " + repr(.dict(n.attributes)) + ">"
        case .lazy(let l): l.kind.isGenerator ? "<\(l.kind.rawValue) object>" : "\(l.kind.rawValue)(" + repr(.list(l.items)) + ")"
        case .callable(let c): c.isMacro ? "<Macro '\(c.name)'>" : "<function \(c.name)>"
        }
    }

    /// `repr(float)`: the shortest round-tripping digits, fixed notation for decimal exponents
    /// -4...15 ("1.0", "0.0001", "1000000000000000.0"), scientific otherwise ("1e+16", "1e-05").
    static func float(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        // Swift's description already gives the shortest round-trip digits; only the layout differs.
        var text = Substring(d.description)
        var negative = false
        if text.hasPrefix("-") { negative = true; text = text.dropFirst() }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = text[..<e]
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = parts.first.map(String.init) ?? ""
        let fractionPart = parts.count > 1 ? String(parts[1]) : ""
        var digits = Array(integerPart + fractionPart)
        var point = integerPart.count + exponent
        while let first = digits.first, first == "0" { digits.removeFirst(); point -= 1 }
        while let last = digits.last, last == "0" { digits.removeLast() }
        let sign = negative ? "-" : ""
        if digits.isEmpty { return sign + "0.0" }
        let scientific = point - 1
        if scientific >= -4 && scientific < 16 {
            if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + String(digits) }
            if point >= digits.count { return sign + String(digits) + String(repeating: "0", count: point - digits.count) + ".0" }
            return sign + String(digits[..<point]) + "." + String(digits[point...])
        }
        var mantissa = String(digits[0])
        if digits.count > 1 { mantissa += "." + String(digits[1...]) }
        let e = abs(scientific)
        return sign + mantissa + "e" + (scientific < 0 ? "-" : "+") + (e < 10 ? "0" : "") + String(e)
    }

    /// `repr(str)`: single quotes unless the text has a ' and no ".
    static func quoted(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(u) == quote { out += "\\" + String(quote) }
                else if u.value < 0x20 || u.value == 0x7F || (u.value >= 0x80 && u.value <= 0xA0) || u.value == 0xAD {
                    out += "\\x" + hex(u.value, 2)
                } else if u.properties.generalCategory == .lineSeparator || u.properties.generalCategory == .paragraphSeparator
                            || u.properties.generalCategory == .format || u.properties.generalCategory == .unassigned
                            || u.properties.generalCategory == .privateUse || u.properties.generalCategory == .surrogate
                            || (u.properties.generalCategory == .spaceSeparator && u != " ") {
                    out += u.value <= 0xFFFF ? "\\u" + hex(u.value, 4) : "\\U" + hex(u.value, 8)
                } else { out.unicodeScalars.append(u) }
            }
        }
        out.append(quote)
        return out
    }

    static func hex(_ v: UInt32, _ width: Int) -> String {
        let h = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - h.count)) + h
    }

    /// Python's `str.isspace()` characters: what `strip()`/`split()` without arguments remove.
    static func isSpace(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }
}
