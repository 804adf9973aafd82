/// A small, strict JSON reader for file headers (safetensors, index files). Strict means RFC 8259
/// only: no comments, no trailing commas, no duplicate keys, no leading zeros, and a depth cap,
/// so a hostile header cannot make us recurse without bound or accept two readings of one key.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// Integer literals (no fraction or exponent) that fit in Int.
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Members in file order.
    case object([(String, JSONValue)])

    static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case let (.bool(x), .bool(y)): x == y
        case let (.integer(x), .integer(y)): x == y
        case let (.number(x), .number(y)): x == y
        case let (.string(x), .string(y)): x == y
        case let (.array(x), .array(y)): x == y
        case let (.object(x), .object(y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    static let maximumDepth = 64

    /// Parses exactly one JSON value (surrounding whitespace allowed).
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSONValue {
        var reader = JSONReader(bytes: bytes)
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.position == bytes.count else { throw JSONError(offset: reader.position, message: "unexpected data after the JSON value") }
        return value
    }

    static func parse(_ text: [UInt8]) throws(JSONError) -> JSONValue {
        let result: Result<JSONValue, JSONError> = text.withUnsafeBytes { b in
            do throws(JSONError) { return .success(try parse(b)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members.first { $0.0 == key }?.1 }
        return nil
    }
}

struct JSONError: Error, Sendable {
    /// Byte offset in the parsed text.
    let offset: Int
    let message: String
}

private struct JSONReader {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private var atEnd: Bool { position >= bytes.count }
    private var current: UInt8 { bytes[position] }

    mutating func skipWhitespace() {
        while !atEnd, current == 0x20 || current == 0x0A || current == 0x0D || current == 0x09 { position += 1 }
    }

    private func fail(_ message: String) -> JSONError { JSONError(offset: position, message: message) }

    mutating func value(depth: Int) throws(JSONError) -> JSONValue {
        guard depth < JSONValue.maximumDepth else { throw fail("nesting deeper than \(JSONValue.maximumDepth)") }
        guard !atEnd else { throw fail("unexpected end of JSON, expected a value") }
        switch current {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("unexpected character '\(Self.show(current))', expected a value")
        }
    }

    private static func show(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }

    private mutating func literal(_ word: StaticString) throws(JSONError) {
        let n = word.utf8CodeUnitCount
        guard position + n <= bytes.count else { throw fail("unexpected end of JSON in a literal") }
        let w = word.utf8Start
        for i in 0..<n where bytes[position + i] != w[i] { throw fail("invalid literal, expected \(word)") }
        position += n
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(JSONError) {
        skipWhitespace()
        guard !atEnd else { throw fail("unexpected end of JSON, expected \(what)") }
        guard current == byte else { throw fail("unexpected character '\(Self.show(current))', expected \(what)") }
        position += 1
    }

    private mutating func object(depth: Int) throws(JSONError) -> JSONValue {
        position += 1
        var members: [(String, JSONValue)] = []
        var keys = Set<String>()
        skipWhitespace()
        if !atEnd, current == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard !atEnd, current == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let keyOffset = position
            let key = try string()
            guard keys.insert(key).inserted else { throw JSONError(offset: keyOffset, message: "duplicate key \"\(key)\"") }
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            members.append((key, try value(depth: depth + 1)))
            skipWhitespace()
            guard !atEnd else { throw fail("unexpected end of JSON inside an object") }
            if current == UInt8(ascii: ",") { position += 1; continue }
            if current == UInt8(ascii: "}") { position += 1; return .object(members) }
            throw fail("unexpected character '\(Self.show(current))', expected ',' or '}'")
        }
    }

    private mutating func array(depth: Int) throws(JSONError) -> JSONValue {
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if !atEnd, current == UInt8(ascii: "]") { position += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try value(depth: depth + 1))
            skipWhitespace()
            guard !atEnd else { throw fail("unexpected end of JSON inside an array") }
            if current == UInt8(ascii: ",") { position += 1; continue }
            if current == UInt8(ascii: "]") { position += 1; return .array(elements) }
            throw fail("unexpected character '\(Self.show(current))', expected ',' or ']'")
        }
    }

    private mutating func hex4() throws(JSONError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = current
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid hex digit in \\u escape")
            }
            v = v << 4 | d
            position += 1
        }
        return v
    }

    private mutating func string() throws(JSONError) -> String {
        position += 1
        var out: [UInt8] = []
        while true {
            guard !atEnd else { throw fail("unterminated string") }
            let c = current
            if c == UInt8(ascii: "\"") { position += 1; break }
            if c < 0x20 { throw fail("control character in a string") }
            if c != UInt8(ascii: "\\") { out.append(c); position += 1; continue }
            position += 1
            guard !atEnd else { throw fail("unterminated escape") }
            let e = current
            position += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    guard position + 2 <= bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                        throw fail("unpaired surrogate in \\u escape")
                    }
                    position += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low < 0xE000 else { throw fail("unpaired surrogate in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw fail("unpaired surrogate in \\u escape")
                }
                guard let u = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                throw fail("invalid escape '\\\(Self.show(e))'")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
        return s
    }

    private mutating func number() throws(JSONError) -> JSONValue {
        let start = position
        var isInteger = true
        if current == UInt8(ascii: "-") { position += 1 }
        guard !atEnd, current >= UInt8(ascii: "0"), current <= UInt8(ascii: "9") else { throw fail("invalid number") }
        if current == UInt8(ascii: "0") {
            position += 1
            if !atEnd, current >= UInt8(ascii: "0"), current <= UInt8(ascii: "9") { throw fail("leading zero in a number") }
        } else {
            while !atEnd, current >= UInt8(ascii: "0"), current <= UInt8(ascii: "9") { position += 1 }
        }
        if !atEnd, current == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard !atEnd, current >= UInt8(ascii: "0"), current <= UInt8(ascii: "9") else { throw fail("digit expected after '.'") }
            while !atEnd, current >= UInt8(ascii: "0"), current <= UInt8(ascii: "9") { position += 1 }
        }
        if !atEnd, current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if !atEnd, current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard !atEnd, current >= UInt8(ascii: "0"), current <= UInt8(ascii: "9") else { throw fail("digit expected in exponent") }
            while !atEnd, current >= UInt8(ascii: "0"), current <= UInt8(ascii: "9") { position += 1 }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if isInteger, let i = Int(text) { return .integer(i) }
        guard let d = Double(text) else { throw JSONError(offset: start, message: "invalid number") }
        return .number(d)
    }
}
