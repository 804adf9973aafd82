import Foundation

/// A strict RFC 8259 JSON reader straight to JinjaValue, keeping object key order. Unlike the
/// Text module's JSONValue (numbers as Double), a number without a fraction or exponent stays
/// `.int` and one with them `.double`, as Python's json.loads does: templates print `1` and `1.0`.
enum JinjaJSONReader {
    /// Nesting deeper than this is refused rather than overflowing the stack.
    static let maximumDepth = 512

    static func parse(_ data: Data, file: String) throws(JSONError) -> JinjaValue {
        let bytes = [UInt8](data)
        var reader = Reader(bytes: bytes, file: file)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.position = 3 }
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.position == bytes.count else { throw reader.error("unexpected text after the JSON value") }
        return value
    }

    struct Reader {
        let bytes: [UInt8]
        let file: String
        var position = 0

        func error(_ message: String, at offset: Int? = nil) -> JSONError {
            let end = min(offset ?? position, bytes.count)
            var line = 1, lineStart = 0
            for i in 0..<end where bytes[i] == 0x0A { line += 1; lineStart = i + 1 }
            let column = String(decoding: bytes[lineStart..<end], as: UTF8.self).unicodeScalars.count + 1
            return JSONError(file: file, line: line, column: column, offset: end, message: message)
        }

        mutating func skipWhitespace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        var describeCurrent: String {
            guard position < bytes.count else { return "end of input" }
            let b = bytes[position]
            return b >= 0x20 && b < 0x7F ? "'\(Character(UnicodeScalar(b)))'" : "byte 0x\(String(b, radix: 16))"
        }

        mutating func value(depth: Int) throws(JSONError) -> JinjaValue {
            guard depth < JinjaJSONReader.maximumDepth else { throw error("nesting deeper than \(JinjaJSONReader.maximumDepth) levels") }
            guard position < bytes.count else { throw error("expected a value, found end of input") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .none
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw error("expected a value, found \(describeCurrent)")
            }
        }

        mutating func literal(_ word: String) throws(JSONError) {
            let w = Array(word.utf8)
            guard position + w.count <= bytes.count, Array(bytes[position..<position + w.count]) == w else {
                throw error("expected '\(word)'")
            }
            position += w.count
        }

        mutating func object(depth: Int) throws(JSONError) -> JinjaValue {
            position += 1
            var pairs: [(key: String, value: JinjaValue)] = []
            var index: [String: Int] = [:]
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .dict(pairs) }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw error("expected a string key, found \(describeCurrent)")
                }
                let key = try string()
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                    throw error("expected ':' after key, found \(describeCurrent)")
                }
                position += 1
                skipWhitespace()
                let v = try value(depth: depth + 1)
                // Index by the UTF-8 bytes: Swift String equality folds canonically equivalent text.
                let raw = key.utf8.map { String(format: "%02x", $0) }.joined()
                if let i = index[raw] { pairs[i].value = v } else { index[raw] = pairs.count; pairs.append((key, v)) }
                skipWhitespace()
                guard position < bytes.count else { throw error("expected ',' or '}', found end of input") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .dict(pairs) }
                throw error("expected ',' or '}', found \(describeCurrent)")
            }
        }

        mutating func array(depth: Int) throws(JSONError) -> JinjaValue {
            position += 1
            var items: [JinjaValue] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth + 1))
                skipWhitespace()
                guard position < bytes.count else { throw error("expected ',' or ']', found end of input") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                throw error("expected ',' or ']', found \(describeCurrent)")
            }
        }

        mutating func hex4() throws(JSONError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw error("truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[position]
                let d: UInt32
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
                default: throw error("invalid hex digit in \\u escape")
                }
                v = v << 4 | d
                position += 1
            }
            return v
        }

        mutating func string() throws(JSONError) -> String {
            let start = position
            position += 1
            var out: [UInt8] = []
            while true {
                guard position < bytes.count else { throw error("unterminated string", at: start) }
                let b = bytes[position]
                if b == UInt8(ascii: "\"") { position += 1; break }
                if b < 0x20 { throw error("control character in string (escape it)") }
                if b != UInt8(ascii: "\\") { out.append(b); position += 1; continue }
                position += 1
                guard position < bytes.count else { throw error("unterminated escape", at: start) }
                let e = bytes[position]
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
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), position + 6 <= bytes.count,
                       bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                        let save = position
                        position += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else { position = save }
                    }
                    // A lone surrogate cannot be stored in a Swift String; Python would keep it.
                    let scalar = UnicodeScalar(code) ?? "\u{FFFD}"
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw error("invalid escape '\\\(Character(UnicodeScalar(e)))'", at: position - 2)
                }
            }
            guard let s = String(validating: out, as: UTF8.self) else { throw error("invalid UTF-8 in string", at: start) }
            return s
        }

        mutating func number() throws(JSONError) -> JinjaValue {
            let start = position
            var isInteger = true
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            func digits(_ r: inout Reader) -> Int {
                let s = r.position
                while r.position < r.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(r.bytes[r.position]) { r.position += 1 }
                return r.position - s
            }
            let intStart = position
            let n = digits(&self)
            guard n > 0 else { throw error("expected digits") }
            if n > 1, bytes[intStart] == UInt8(ascii: "0") { throw error("leading zero in number", at: intStart) }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1; isInteger = false
                guard digits(&self) > 0 else { throw error("expected digits after '.'") }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                position += 1; isInteger = false
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
                guard digits(&self) > 0 else { throw error("expected exponent digits") }
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            if isInteger, let i = Int(text) { return .int(i) }
            guard let d = Double(text) else { throw error("number out of range", at: start) }
            return .double(d)
        }
    }
}
