/// The four TOML string forms: "basic", """multi-line basic""", 'literal', '''multi-line literal'''.
extension TOMLScanner {
    /// Reads a string starting at the cursor (which is on `"` or `'`). Keys may not be
    /// multi-line, so `allowMultiline` is false for them.
    mutating func scanString(allowMultiline: Bool) throws(TOMLError) -> String {
        let start = position
        let quote = peek ?? 0
        let triple = quote == UInt8(ascii: "\"") ? starts(with: "\"\"\"") : starts(with: "'''")
        if triple {
            guard allowMultiline else { throw error("a key cannot be a multi-line string") }
            advance(3)
            return try scanMultiline(quote: quote, start: start)
        }
        advance()
        var out: [UInt8] = []
        while true {
            guard let b = peek else { throw error("unterminated string (opened at \(start))") }
            if b == quote { advance(); break }
            if b == 0x0A || b == 0x0D { throw error("unterminated string (opened at \(start)): a single-line string cannot contain a newline") }
            if TOMLScanner.isForbiddenControl(b) {
                throw error("control character \(TOMLScanner.describe(b)) must be escaped in a string")
            }
            if b == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
                try scanEscape(into: &out)
                continue
            }
            out.append(b)
            advance()
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func scanMultiline(quote: UInt8, start: SourcePosition) throws(TOMLError) -> String {
        let basic = quote == UInt8(ascii: "\"")
        // A newline right after the opening delimiter is trimmed.
        _ = try takeNewline()
        var out: [UInt8] = []
        while true {
            guard let b = peek else { throw error("unterminated multi-line string (opened at \(start))") }
            if b == quote {
                var run = 0
                while peek == quote { advance(); run += 1 }
                if run < 3 { out.append(contentsOf: repeatElement(quote, count: run)); continue }
                // Up to two quotes may sit right before the closing delimiter.
                guard run <= 5 else { throw error("too many quotes at the end of a multi-line string") }
                out.append(contentsOf: repeatElement(quote, count: run - 3))
                return String(decoding: out, as: UTF8.self)
            }
            if b == 0x0A || b == 0x0D {
                guard try takeNewline() else { throw error("carriage return not followed by a line feed") }
                out.append(0x0A)
                continue
            }
            if TOMLScanner.isForbiddenControl(b) {
                throw error("control character \(TOMLScanner.describe(b)) must be escaped in a string")
            }
            if basic && b == UInt8(ascii: "\\") {
                if try takeLineEndingBackslash() { continue }
                try scanEscape(into: &out)
                continue
            }
            out.append(b)
            advance()
        }
    }

    /// A `\` followed by optional whitespace and a newline swallows all whitespace and
    /// newlines up to the next visible character.
    private mutating func takeLineEndingBackslash() throws(TOMLError) -> Bool {
        var k = 1
        while let b = peek(k), b == 0x20 || b == 0x09 { k += 1 }
        guard peek(k) == 0x0A || (peek(k) == 0x0D && peek(k + 1) == 0x0A) else { return false }
        advance(k)
        while true {
            skipWhitespace()
            if try !takeNewline() { return true }
        }
    }

    private mutating func scanEscape(into out: inout [UInt8]) throws(TOMLError) {
        let escapeStart = position
        advance() // the backslash
        guard let c = peek else { throw error("unterminated escape sequence") }
        let simple: UInt8?
        switch c {
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        default: simple = nil
        }
        if let simple { out.append(simple); advance(); return }
        let digits: Int
        switch c {
        case UInt8(ascii: "u"): digits = 4
        case UInt8(ascii: "U"): digits = 8
        default:
            let shown = c < 0x80 && !TOMLScanner.isForbiddenControl(c) ? String(UnicodeScalar(c)) : TOMLScanner.describe(c)
            throw error("invalid escape sequence '\\\(shown)'", at: escapeStart)
        }
        advance()
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let h = peek, let d = TOMLScanner.hexValue(h) else {
                throw error("escape \\\(UnicodeScalar(c)) needs \(digits) hexadecimal digits", at: escapeStart)
            }
            value = value << 4 | UInt32(d)
            advance()
        }
        guard let scalar = UnicodeScalar(value) else {
            throw error("escape \\\(UnicodeScalar(c)) names U+\(String(value, radix: 16, uppercase: true)), which is not a Unicode scalar value", at: escapeStart)
        }
        out.append(contentsOf: Array(String(Character(scalar)).utf8))
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }
}
