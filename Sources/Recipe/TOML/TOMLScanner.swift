/// A cursor over a TOML document's UTF-8 bytes that knows its line and column.
///
/// Columns count Unicode scalars, not bytes, so a message points where an editor does. The
/// whole input is checked for valid UTF-8 before any scanning, so the parser can treat every
/// byte >= 0x80 as part of a well-formed scalar.
struct TOMLScanner {
    let bytes: [UInt8]
    let file: String
    private(set) var index = 0
    private(set) var line = 1
    private(set) var column = 1

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    var position: SourcePosition { SourcePosition(line: line, column: column) }
    var atEnd: Bool { index >= bytes.count }
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }
    func peek(_ offset: Int) -> UInt8? {
        let i = index + offset
        return i < bytes.count ? bytes[i] : nil
    }

    /// True when the bytes at the cursor spell `literal`.
    func starts(with literal: StaticString) -> Bool {
        literal.withUTF8Buffer { lit in
            guard index + lit.count <= bytes.count else { return false }
            for k in 0..<lit.count where bytes[index + k] != lit[k] { return false }
            return true
        }
    }

    mutating func advance() {
        guard index < bytes.count else { return }
        let b = bytes[index]
        if b == 0x0A {
            line += 1
            column = 1
        } else if b & 0xC0 != 0x80 {
            column += 1
        }
        index += 1
    }

    mutating func advance(_ count: Int) { for _ in 0..<count { advance() } }

    /// Consumes `byte` if it is next.
    mutating func take(_ byte: UInt8) -> Bool {
        if peek == byte { advance(); return true }
        return false
    }

    func error(_ message: String, at position: SourcePosition? = nil) -> TOMLError {
        TOMLError(file: file, position: position ?? self.position, message: message)
    }

    /// Skips spaces and tabs.
    mutating func skipWhitespace() {
        while let b = peek, b == 0x20 || b == 0x09 { advance() }
    }

    /// Consumes a newline (LF or CRLF) if one is next. A CR not followed by LF is an error.
    mutating func takeNewline() throws(TOMLError) -> Bool {
        if peek == 0x0A { advance(); return true }
        if peek == 0x0D {
            guard peek(1) == 0x0A else { throw error("carriage return not followed by a line feed") }
            advance(2)
            return true
        }
        return false
    }

    /// Consumes a `#` comment up to (not including) the end of the line. Control characters
    /// other than tab are not allowed in comments.
    mutating func skipComment() throws(TOMLError) {
        guard peek == UInt8(ascii: "#") else { return }
        advance()
        while let b = peek, b != 0x0A {
            if b == 0x0D && peek(1) == 0x0A { return }
            if TOMLScanner.isForbiddenControl(b) {
                throw error("control character \(TOMLScanner.describe(b)) is not allowed in a comment")
            }
            advance()
        }
    }

    /// Skips whitespace, comments and newlines (inside arrays).
    mutating func skipWhitespaceCommentsAndNewlines() throws(TOMLError) {
        while true {
            skipWhitespace()
            try skipComment()
            if try !takeNewline() { return }
        }
    }

    /// Control characters TOML forbids in comments and strings: U+0000–U+001F except tab, and DEL.
    static func isForbiddenControl(_ b: UInt8) -> Bool {
        (b < 0x20 && b != 0x09) || b == 0x7F
    }

    static func describe(_ b: UInt8) -> String {
        let hex = String(b, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    static func isBareKeyByte(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
            || b == 0x5F || b == 0x2D
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
}

extension TOMLScanner {
    /// The position of the first byte that is not well-formed UTF-8 (overlong forms, surrogates
    /// and values above U+10FFFF are rejected), or nil when the whole input is valid.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> (index: Int, line: Int, column: Int)? {
        var i = 0, line = 1, column = 1
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            var length = 0
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch b {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return (i, line, column)
            }
            if length > 1 {
                guard i + length <= n else { return (i, line, column) }
                let second = bytes[i + 1]
                guard second >= low && second <= high else { return (i, line, column) }
                for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { return (i, line, column) }
            }
            if b == 0x0A { line += 1; column = 1 } else { column += 1 }
            i += length
        }
        return nil
    }
}
