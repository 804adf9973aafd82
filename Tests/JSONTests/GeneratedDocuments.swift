import TestSupport

/// Random JSON texts for parity tests: unique keys per object, strings mixing raw UTF-8 and
/// every escape form, numbers in every literal shape (big integers, -0, exponents).
struct GeneratedDocuments {
    private var random: SplitMix64
    /// Leave out what canonical form spells differently from Python by design (\b, \f, and
    /// floats outside the range where Swift's shortest form and Python's repr agree).
    var canonicalSafe = false

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { random.next() }
    mutating func below(_ n: Int) -> Int { random.below(n) }
    mutating func pick<T>(_ items: [T]) -> T { random.pick(items) }

    mutating func document() -> String { value(depth: 0) }

    mutating func value(depth: Int) -> String {
        switch below(depth > 3 ? 4 : 7) {
        case 0: return string().text
        case 1: return number()
        case 2: return pick(["true", "false", "null"])
        case 3: return string().text
        case 4, 5:
            let n = below(5)
            return "[" + (0..<n).map { _ in space() + value(depth: depth + 1) + space() }.joined(separator: ",") + "]"
        default:
            var seen = Set<[UInt8]>()
            var members: [String] = []
            for _ in 0..<below(5) {
                let key = string()
                guard seen.insert(Array(key.decoded.utf8)).inserted else { continue }
                members.append(space() + key.text + space() + ":" + space() + value(depth: depth + 1))
            }
            return "{" + members.joined(separator: ",") + space() + "}"
        }
    }

    mutating func space() -> String { pick(["", "", "", " ", "\n", "\t", "\r\n  "]) }

    mutating func number() -> String {
        let sign = below(3) == 0 ? "-" : ""
        if canonicalSafe {
            switch below(3) {
            case 0: return sign + String(below(1_000_000))
            case 1: return sign + pick(["9223372036854775807", "0", "12345678901234"])
            default: return sign + String(below(100_000)) + "." + String(below(1000)) + pick(["", "e-2", "E+3", "e1"])
            }
        }
        switch below(6) {
        case 0: return sign + String(below(1_000_000))
        case 1: return pick(["-0", "-0.0", "0.0", "0e0", "-0E-0"])
        case 2: return sign + pick(["9223372036854775807", "9223372036854775808", "123456789012345678901234567890", "18446744073709551616"])
        case 3: return "-9223372036854775808"
        case 4: return sign + String(below(100)) + "." + String(below(100_000)) + pick(["", "e5", "E-7", "e+300", "e-320", "e22", "E15", "e16"])
        default: return sign + pick(["1e308", "5e-324", "2.2250738585072014e-308", "1.7976931348623157e308", "0.1", "1E400"].dropLast())
        }
    }

    /// A string literal and the text it stands for.
    mutating func string() -> (text: String, decoded: String) {
        var text = "\"", decoded = ""
        for _ in 0..<below(8) {
            let scalar: Unicode.Scalar = pick(canonicalSafe ? Self.safeAlphabet : Self.alphabet)
            decoded.unicodeScalars.append(scalar)
            text += escaped(scalar)
        }
        return (text + "\"", decoded)
    }

    static let alphabet: [Unicode.Scalar] = ["a", "Z", " ", "\"", "\\", "/", "\u{0}", "\u{8}", "\u{C}", "\n", "\r", "\t", "\u{1F}",
                                             "\u{7F}", "é", "ß", "日", "\u{301}", "\u{2028}", "\u{FEFF}", "\u{FFFF}", "😀", "\u{10FFFF}"]
    static let safeAlphabet: [Unicode.Scalar] = alphabet.filter { $0 != "\u{8}" && $0 != "\u{C}" }

    mutating func escaped(_ s: Unicode.Scalar) -> String {
        func hex(_ v: UInt32) -> String {
            let h = String(v, radix: 16, uppercase: below(2) == 0)
            return "\\u" + String(repeating: "0", count: 4 - h.count) + h
        }
        let named: [Unicode.Scalar: String] = ["\"": "\\\"", "\\": "\\\\", "/": "\\/", "\u{8}": "\\b", "\u{C}": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"]
        let mustEscape = s == "\"" || s == "\\" || s.value < 0x20
        if !mustEscape && below(2) == 0 { return String(s) }
        if let n = named[s], below(2) == 0 { return n }
        if s.value >= 0x10000 {
            let v = s.value - 0x10000
            return hex(0xD800 + (v >> 10)) + hex(0xDC00 + (v & 0x3FF))
        }
        return hex(s.value)
    }
}
