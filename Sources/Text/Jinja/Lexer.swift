/// One lexical token inside a `{{ }}` or `{% %}` tag.
struct Token {
    enum Kind: Equatable { case name, string, integer, float, op, end }
    let kind: Kind
    /// The name, operator, decoded string literal or number text.
    let text: String
    /// Byte offset in the normalized source.
    let offset: Int

    func isOp(_ s: String) -> Bool { kind == .op && text == s }
    func isName(_ s: String) -> Bool { kind == .name && text == s }

    /// How jinja2 names a token in "unexpected ..." messages.
    var describe: String {
        switch kind {
        case .end: "end of tag"
        case .string: "string"
        default: "'\(text)'"
        }
    }
}

/// The template split into literal text and tags, with whitespace control already applied.
enum Segment {
    case text(String)
    /// `{{ ... }}`: the tokens, ending with an `.end` token at the closing delimiter.
    case output([Token], offset: Int)
    /// `{% ... %}`.
    case statement([Token], offset: Int)
}

/// Splits a template the way jinja2's lexer does with `trim_blocks` and `lstrip_blocks` on:
/// newlines normalized to "\n", one final newline dropped, `-`/`+` whitespace control, the
/// first newline after a block or comment tag removed, and indentation before a block or
/// comment tag that starts a line removed.
struct Lexer {
    let source: [UInt8]
    private var position = 0
    private var segments: [Segment] = []

    /// `text` is normalized here; `Lexer.normalize` gives the text positions refer to.
    init(normalized source: [UInt8]) { self.source = source }

    static func normalize(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var previousCR = false
        for b in text.utf8 {
            if b == 0x0D { out.append(0x0A); previousCR = true; continue }
            if b == 0x0A && previousCR { previousCR = false; continue }
            previousCR = false
            out.append(b)
        }
        if out.last == 0x0A { out.removeLast() }
        return out
    }

    static func tokenize(_ source: [UInt8]) throws(LocatedError) -> [Segment] {
        var lexer = Lexer(normalized: source)
        try lexer.run()
        return lexer.segments
    }

    private func byte(_ i: Int) -> UInt8? { i < source.count ? source[i] : nil }

    private func starts(_ s: String, at i: Int) -> Bool {
        var j = i
        for b in s.utf8 { guard byte(j) == b else { return false }; j += 1 }
        return true
    }

    /// Python `\s` at byte `i`: the scalar and its length when it is whitespace.
    private func whitespaceLength(at i: Int) -> Int {
        guard let b = byte(i) else { return 0 }
        if b < 0x80 { return (0x09...0x0D).contains(b) || (0x1C...0x20).contains(b) ? 1 : 0 }
        let (scalar, length) = decodeScalar(at: i)
        return scalar.map(PythonFormat.isSpace) == true ? length : 0
    }

    private func decodeScalar(at i: Int) -> (Unicode.Scalar?, Int) {
        guard let b = byte(i) else { return (nil, 0) }
        let length = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
        guard i + length <= source.count else { return (nil, 1) }
        let s = String(decoding: source[i..<i + length], as: UTF8.self)
        return (s.unicodeScalars.first, length)
    }

    private func skipWhitespace(_ i: inout Int) {
        while true { let n = whitespaceLength(at: i); if n == 0 { return }; i += n }
    }

    private mutating func run() throws(LocatedError) {
        var lineStarting = true
        while position < source.count {
            // The next tag opener.
            var i = position
            var opener: UInt8 = 0
            while i + 1 < source.count {
                if source[i] == UInt8(ascii: "{"), [UInt8(ascii: "{"), UInt8(ascii: "%"), UInt8(ascii: "#")].contains(source[i + 1]) {
                    opener = source[i + 1]; break
                }
                i += 1
            }
            if opener == 0 {
                emitText(source[position...])
                return
            }
            let sign = byte(i + 2).flatMap { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") ? $0 : nil }
            var text = source[position..<i]
            if sign == UInt8(ascii: "-") {
                text = rstrip(text)
            } else if sign != UInt8(ascii: "+") && opener != UInt8(ascii: "{") {
                let lineStart = (text.lastIndex(of: 0x0A).map { $0 + 1 }) ?? text.startIndex
                if lineStart > text.startIndex || lineStarting, lineStart < text.endIndex, isAllWhitespace(text[lineStart...]) {
                    text = text[..<lineStart]
                }
            }
            emitText(text)
            let bodyStart = i + 2 + (sign == nil ? 0 : 1)
            switch opener {
            case UInt8(ascii: "#"): try comment(from: bodyStart, opener: i)
            case UInt8(ascii: "%"):
                if let rawBodyStart = rawOpening(at: bodyStart) { try raw(from: rawBodyStart, opener: i) }
                else { try tag(from: bodyStart, opener: i, isBlock: true) }
            default: try tag(from: bodyStart, opener: i, isBlock: false)
            }
            lineStarting = position > 0 && source[position - 1] == 0x0A
        }
    }

    private mutating func emitText(_ bytes: ArraySlice<UInt8>) {
        guard !bytes.isEmpty else { return }
        segments.append(.text(String(decoding: bytes, as: UTF8.self)))
    }

    private func rstrip(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let s = String(decoding: bytes, as: UTF8.self)
        var scalars = Substring(s).unicodeScalars
        while let last = scalars.last, PythonFormat.isSpace(last) { scalars.removeLast() }
        return bytes.prefix(String(Substring(scalars)).utf8.count)
    }

    private func isAllWhitespace(_ bytes: ArraySlice<UInt8>) -> Bool {
        String(decoding: bytes, as: UTF8.self).unicodeScalars.allSatisfy(PythonFormat.isSpace)
    }

    /// `{# ... #}`, `{#- ... -#}`: the comment ends at the first `#}`.
    private mutating func comment(from start: Int, opener: Int) throws(LocatedError) {
        var i = start
        while i + 1 < source.count, !(source[i] == UInt8(ascii: "#") && source[i + 1] == UInt8(ascii: "}")) { i += 1 }
        guard i + 1 < source.count else { throw LocatedError(.syntax, "missing end of comment tag", at: opener) }
        var end = i + 2
        if i > start, source[i - 1] == UInt8(ascii: "-") { skipWhitespace(&end) }
        else if byte(end) == 0x0A { end += 1 }
        position = end
    }

    /// After `{%` (and its sign): the body start of a `raw` tag, if this is one.
    private func rawOpening(at start: Int) -> Int? {
        var i = start
        skipWhitespace(&i)
        guard starts("raw", at: i) else { return nil }
        i += 3
        skipWhitespace(&i)
        if starts("-%}", at: i) { i += 3; skipWhitespace(&i); return i }
        if starts("%}", at: i) { return i + 2 }
        return nil
    }

    /// The text up to `{% endraw %}`, with the same whitespace rules as any block tag.
    private mutating func raw(from start: Int, opener: Int) throws(LocatedError) {
        // jinja2 quirk: a `raw` tag that ends the template is no error.
        if start >= source.count { position = start; return }
        var i = start
        while i + 1 < source.count {
            if source[i] == UInt8(ascii: "{"), source[i + 1] == UInt8(ascii: "%") {
                var j = i + 2
                let sign = byte(j).flatMap { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") ? $0 : nil }
                if sign != nil { j += 1 }
                skipWhitespace(&j)
                if starts("endraw", at: j) {
                    j += 6
                    skipWhitespace(&j)
                    var end: Int
                    if starts("+%}", at: j) { end = j + 3 }
                    else if starts("-%}", at: j) { end = j + 3; skipWhitespace(&end) }
                    else if starts("%}", at: j) { end = j + 2; if byte(end) == 0x0A { end += 1 } }
                    else { i += 1; continue }
                    var body = source[start..<i]
                    if sign == UInt8(ascii: "-") { body = rstrip(body) }
                    else if sign != UInt8(ascii: "+") {
                        let lineStart = (body.lastIndex(of: 0x0A).map { $0 + 1 }) ?? body.startIndex
                        if lineStart > body.startIndex, lineStart < body.endIndex, isAllWhitespace(body[lineStart...]) {
                            body = body[..<lineStart]
                        }
                    }
                    emitText(body)
                    position = end
                    return
                }
            }
            i += 1
        }
        throw LocatedError(.syntax, "missing end of raw directive", at: opener)
    }

    private static let operators = ["//", "**", "==", "!=", "<=", ">=", "+", "-", "/", "*", "%", "~", "<", ">", "=",
                                    ".", ",", ":", "|", "(", ")", "[", "]", "{", "}", ";"]

    private mutating func tag(from start: Int, opener: Int, isBlock: Bool) throws(LocatedError) {
        var tokens: [Token] = []
        var i = start
        var brackets: [UInt8] = []
        while true {
            skipWhitespace(&i)
            guard i < source.count else {
                throw LocatedError(.syntax, isBlock ? "unexpected end of template: a '{%' tag is not closed" : "unexpected end of template: a '{{' tag is not closed", at: opener)
            }
            if brackets.isEmpty {
                if isBlock {
                    if starts("+%}", at: i) { tokens.append(Token(kind: .end, text: "%}", offset: i)); position = i + 3; break }
                    if starts("-%}", at: i) { tokens.append(Token(kind: .end, text: "%}", offset: i)); i += 3; skipWhitespace(&i); position = i; break }
                    if starts("%}", at: i) {
                        tokens.append(Token(kind: .end, text: "%}", offset: i)); i += 2
                        if byte(i) == 0x0A { i += 1 }
                        position = i; break
                    }
                } else {
                    if starts("-}}", at: i) { tokens.append(Token(kind: .end, text: "}}", offset: i)); i += 3; skipWhitespace(&i); position = i; break }
                    if starts("}}", at: i) { tokens.append(Token(kind: .end, text: "}}", offset: i)); position = i + 2; break }
                }
            }
            let b = source[i]
            if b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") {
                tokens.append(try stringLiteral(at: &i))
            } else if isDigit(b) {
                tokens.append(try number(at: &i))
            } else if isNameStart(at: i) {
                let s = i
                while i < source.count, isNameContinue(at: i) { i += scalarLength(at: i) }
                tokens.append(Token(kind: .name, text: String(decoding: source[s..<i], as: UTF8.self), offset: s))
            } else if let op = Lexer.operators.first(where: { starts($0, at: i) }) {
                switch op {
                case "(", "[", "{": brackets.append(op.utf8.first!)
                case ")", "]", "}":
                    let expected: UInt8 = op == ")" ? UInt8(ascii: "(") : op == "]" ? UInt8(ascii: "[") : UInt8(ascii: "{")
                    guard brackets.last == expected else { throw LocatedError(.syntax, "unexpected '\(op)'", at: i) }
                    brackets.removeLast()
                default: break
                }
                tokens.append(Token(kind: .op, text: op, offset: i))
                i += op.utf8.count
            } else {
                let (scalar, _) = decodeScalar(at: i)
                throw LocatedError(.syntax, "unexpected character '\(scalar.map { String(Character($0)) } ?? "?")'", at: i)
            }
        }
        segments.append(isBlock ? .statement(tokens, offset: opener) : .output(tokens, offset: opener))
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private func scalarLength(at i: Int) -> Int { max(1, decodeScalar(at: i).1) }

    private func isNameStart(at i: Int) -> Bool {
        let b = source[i]
        if b < 0x80 { return b == UInt8(ascii: "_") || (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "z")) }
        return decodeScalar(at: i).0?.properties.isXIDStart == true
    }

    private func isNameContinue(at i: Int) -> Bool {
        let b = source[i]
        if b < 0x80 { return isDigit(b) || b == UInt8(ascii: "_") || (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "z")) }
        return decodeScalar(at: i).0?.properties.isXIDContinue == true
    }

    /// Integers and floats (`1`, `1_000`, `1.5`, `1e3`, `1.5e-3`).
    private func isHexDigit(_ b: UInt8) -> Bool {
        isDigit(b) || (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "f"))
    }

    private func number(at i: inout Int) throws(LocatedError) -> Token {
        let s = i
        func digits(_ i: inout Int) {
            while i < source.count, isDigit(source[i]) || (source[i] == UInt8(ascii: "_") && i + 1 < source.count && isDigit(source[i + 1])) { i += 1 }
        }
        digits(&i)
        var isFloat = false
        if byte(i) == UInt8(ascii: "."), let next = byte(i + 1), isDigit(next) {
            i += 1; digits(&i); isFloat = true
        }
        if byte(i) == UInt8(ascii: "e") || byte(i) == UInt8(ascii: "E") {
            var j = i + 1
            if byte(j) == UInt8(ascii: "+") || byte(j) == UInt8(ascii: "-") { j += 1 }
            if let d = byte(j), isDigit(d) { i = j; digits(&i); isFloat = true }
        }
        var text = String(decoding: source[s..<i], as: UTF8.self).replacingUnderscores()
        if !isFloat, source[s] == UInt8(ascii: "0") {
            // Python integer syntax: 0x/0o/0b prefixes; otherwise a leading 0 allows only zeros.
            if let p = byte(s + 1), [UInt8(ascii: "x"), UInt8(ascii: "X"), UInt8(ascii: "o"), UInt8(ascii: "O"), UInt8(ascii: "b"), UInt8(ascii: "B")].contains(p) {
                var j = s + 2
                while j < source.count, isHexDigit(source[j]) || source[j] == UInt8(ascii: "_") { j += 1 }
                i = j
                text = String(decoding: source[s..<i], as: UTF8.self).replacingUnderscores()
            } else if text.contains(where: { $0 != "0" }) {
                throw LocatedError(.syntax, "leading zeros in an integer literal are not permitted", at: s)
            }
        }
        return Token(kind: isFloat ? .float : .integer, text: text, offset: s)
    }

    /// A quoted literal, decoded as jinja2 does (Python's unicode-escape: \n, \t, \xhh, \uhhhh,
    /// \\, \', \"; an unknown escape such as \d keeps its backslash).
    private func stringLiteral(at i: inout Int) throws(LocatedError) -> Token {
        let start = i
        let quote = source[i]
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < source.count else { throw LocatedError(.syntax, "unterminated string literal", at: start) }
            let b = source[i]
            if b == quote { i += 1; break }
            if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
            guard let e = byte(i + 1) else { throw LocatedError(.syntax, "unterminated string literal", at: start) }
            i += 2
            func appendScalar(_ v: UInt32) {
                out.append(contentsOf: Array(String(Character(UnicodeScalar(v) ?? "\u{FFFD}")).utf8))
            }
            func hexValue(_ count: Int) throws(LocatedError) -> UInt32 {
                guard i + count <= source.count,
                      let v = UInt32(String(decoding: source[i..<i + count], as: UTF8.self), radix: 16) else {
                    throw LocatedError(.syntax, "truncated \\x, \\u or \\U escape in string literal", at: i - 2)
                }
                i += count
                return v
            }
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): out.append(e)
            case 0x0A: break
            case UInt8(ascii: "x"): appendScalar(try hexValue(2))
            case UInt8(ascii: "u"): appendScalar(try hexValue(4))
            case UInt8(ascii: "U"): appendScalar(try hexValue(8))
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var v = UInt32(e - UInt8(ascii: "0"))
                var n = 1
                while n < 3, let d = byte(i), d >= UInt8(ascii: "0"), d <= UInt8(ascii: "7") { v = v * 8 + UInt32(d - UInt8(ascii: "0")); i += 1; n += 1 }
                appendScalar(v)
            default: out.append(UInt8(ascii: "\\")); out.append(e)
            }
        }
        return Token(kind: .string, text: String(decoding: out, as: UTF8.self), offset: start)
    }
}

private extension String {
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
