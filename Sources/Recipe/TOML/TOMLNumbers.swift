/// Integers, floats and the words true/false/inf/nan: everything that is not a string, array,
/// inline table or date-time.
enum TOMLNumbers {
    /// Parses a scalar token (already cut out of the input) or returns a message saying why not.
    static func parse(_ token: [UInt8]) -> Result<TOMLValue, Message> {
        let text = String(decoding: token, as: UTF8.self)
        switch text {
        case "true": return .success(.boolean(true))
        case "false": return .success(.boolean(false))
        case "inf", "+inf": return .success(.float(.infinity))
        case "-inf": return .success(.float(-.infinity))
        case "nan", "+nan", "-nan": return .success(.float(.nan))
        default: break
        }
        guard let first = token.first else { return .failure(Message("expected a value")) }
        guard first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || TOMLScanner.isDigit(first) else {
            return .failure(Message("expected a value, found '\(text)' (strings need quotes)"))
        }
        if token.count > 2 && first == UInt8(ascii: "0") {
            switch token[1] {
            case UInt8(ascii: "x"): return prefixed(token, radix: 16, text: text)
            case UInt8(ascii: "o"): return prefixed(token, radix: 8, text: text)
            case UInt8(ascii: "b"): return prefixed(token, radix: 2, text: text)
            default: break
            }
        }
        if token.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            return float(token, text: text)
        }
        return decimal(token, text: text)
    }

    struct Message: Error { var text: String; init(_ t: String) { text = t } }

    /// Digits with single underscores only between digits. Returns the digits without them.
    private static func digits(_ part: ArraySlice<UInt8>, radix: Int) -> [UInt8]? {
        guard let f = part.first, let l = part.last, f != UInt8(ascii: "_"), l != UInt8(ascii: "_") else { return nil }
        var out: [UInt8] = []
        var previousUnderscore = false
        for b in part {
            if b == UInt8(ascii: "_") {
                if previousUnderscore { return nil }
                previousUnderscore = true
                continue
            }
            previousUnderscore = false
            guard let v = TOMLScanner.hexValue(b), Int(v) < radix else { return nil }
            out.append(b)
        }
        return out
    }

    private static func prefixed(_ token: [UInt8], radix: Int, text: String) -> Result<TOMLValue, Message> {
        let name = radix == 16 ? "hexadecimal" : radix == 8 ? "octal" : "binary"
        guard let ds = digits(token[2...], radix: radix) else {
            return .failure(Message("invalid \(name) integer '\(text)'"))
        }
        guard let v = Int64(String(decoding: ds, as: UTF8.self), radix: radix) else {
            return .failure(Message("integer '\(text)' does not fit in 64 bits"))
        }
        return .success(.integer(v))
    }

    private static func decimal(_ token: [UInt8], text: String) -> Result<TOMLValue, Message> {
        var body = token[...]
        var negative = false
        if let s = body.first, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") {
            negative = s == UInt8(ascii: "-")
            body = body.dropFirst()
        }
        guard let ds = digits(body, radix: 10) else { return .failure(Message("invalid integer '\(text)'")) }
        if ds.count > 1 && ds[0] == UInt8(ascii: "0") {
            return .failure(Message("integer '\(text)' has a leading zero"))
        }
        guard let v = Int64((negative ? "-" : "") + String(decoding: ds, as: UTF8.self)) else {
            return .failure(Message("integer '\(text)' does not fit in 64 bits"))
        }
        return .success(.integer(v))
    }

    /// sign? int-part ( '.' digits )? ( [eE] sign? digits )?, with at least one of the two.
    private static func float(_ token: [UInt8], text: String) -> Result<TOMLValue, Message> {
        let bad = Message("invalid number '\(text)'")
        var rest = token[...]
        var normalized: [UInt8] = []
        if let s = rest.first, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") {
            normalized.append(s)
            rest = rest.dropFirst()
        }
        let intEnd = rest.firstIndex { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } ?? rest.endIndex
        guard let intDigits = digits(rest[rest.startIndex..<intEnd], radix: 10) else { return .failure(bad) }
        if intDigits.count > 1 && intDigits[0] == UInt8(ascii: "0") {
            return .failure(Message("number '\(text)' has a leading zero"))
        }
        normalized += intDigits
        rest = rest[intEnd...]
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            let fracEnd = rest.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } ?? rest.endIndex
            guard let frac = digits(rest[rest.startIndex..<fracEnd], radix: 10) else { return .failure(bad) }
            normalized.append(UInt8(ascii: "."))
            normalized += frac
            rest = rest[fracEnd...]
        }
        if let e = rest.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            rest = rest.dropFirst()
            normalized.append(UInt8(ascii: "e"))
            if let s = rest.first, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") {
                normalized.append(s)
                rest = rest.dropFirst()
            }
            guard let exp = digits(rest, radix: 10) else { return .failure(bad) }
            normalized += exp
            rest = rest[rest.endIndex...]
        }
        guard rest.isEmpty, let v = Double(String(decoding: normalized, as: UTF8.self)) else { return .failure(bad) }
        return .success(.float(v))
    }
}
