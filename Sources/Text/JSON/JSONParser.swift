import Foundation

/// A strict RFC 8259 parser: no comments, no trailing commas, no NaN, no lone surrogates, no
/// control characters inside strings, nesting bounded so hostile input cannot overflow the stack.
public enum JSONParser {
    public static let maximumDepth = 512

    public static func parse(_ data: Data, file: String = "<json>") throws(JSONError) -> JSONValue {
        let bytes = [UInt8](data)
        return try bytes.withUnsafeBufferPointer { (buffer) throws(JSONError) -> JSONValue in
            var reader = Reader(bytes: buffer, file: file)
            reader.skipSpace()
            let value = try reader.value(depth: 0)
            reader.skipSpace()
            if reader.position != buffer.count { throw reader.error("unexpected content after the JSON value") }
            return value
        }
    }

    public static func parse(_ text: String, file: String = "<json>") throws(JSONError) -> JSONValue {
        try parse(Data(text.utf8), file: file)
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        let file: String
        var position = 0

        func error(_ message: String, at offset: Int? = nil) -> JSONError {
            let end = min(offset ?? position, bytes.count)
            var line = 1, column = 1
            for i in 0..<end {
                if bytes[i] == 0x0A { line += 1; column = 1 } else if bytes[i] & 0xC0 != 0x80 { column += 1 }
            }
            return JSONError(file: file, line: line, column: column, offset: end, message: message)
        }

        mutating func skipSpace() {
            while position < bytes.count {
                let b = bytes[position]
                if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { position += 1 } else { break }
            }
        }

        mutating func value(depth: Int) throws(JSONError) -> JSONValue {
            guard depth < JSONParser.maximumDepth else { throw error("nesting deeper than \(JSONParser.maximumDepth) levels") }
            guard position < bytes.count else { throw error("expected a value, found the end of the file") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw error("expected a value (object, array, string, number, true, false or null)")
            }
        }

        mutating func literal(_ word: StaticString) throws(JSONError) {
            let n = word.utf8CodeUnitCount
            guard position + n <= bytes.count else { throw error("expected '\(word)'") }
            let p = word.utf8Start
            for i in 0..<n where bytes[position + i] != p[i] { throw error("expected '\(word)'") }
            position += n
        }

        mutating func object(depth: Int) throws(JSONError) -> JSONValue {
            position += 1
            var members: [(key: String, value: JSONValue)] = []
            skipSpace()
            if position < bytes.count && bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipSpace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string key in object") }
                let key = try string()
                skipSpace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':' after object key") }
                position += 1
                skipSpace()
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard position < bytes.count else { throw error("unterminated object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
                throw error("expected ',' or '}' in object")
            }
        }

        mutating func array(depth: Int) throws(JSONError) -> JSONValue {
            position += 1
            var items: [JSONValue] = []
            skipSpace()
            if position < bytes.count && bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard position < bytes.count else { throw error("unterminated array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                throw error("expected ',' or ']' in array")
            }
        }

        mutating func hex4() throws(JSONError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw error("expected four hex digits after \\u") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[position]
                let d: UInt32
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
                default: throw error("expected a hex digit in \\u escape")
                }
                v = v << 4 | d
                position += 1
            }
            return v
        }

        mutating func string() throws(JSONError) -> String {
            let start = position
            position += 1
            // Fast path: no escapes, valid UTF-8.
            var i = position
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") {
                    let slice = UnsafeBufferPointer(rebasing: bytes[position..<i])
                    guard let s = String(validating: slice, as: UTF8.self) else { throw error("invalid UTF-8 in string", at: position) }
                    position = i + 1
                    return s
                }
                if b == UInt8(ascii: "\\") || b < 0x20 { break }
                i += 1
            }
            var out: [UInt8] = Array(bytes[position..<i])
            position = i
            while true {
                guard position < bytes.count else { throw error("unterminated string", at: start) }
                let b = bytes[position]
                if b == UInt8(ascii: "\"") { position += 1; break }
                if b < 0x20 { throw error("control character U+\(String(b, radix: 16, uppercase: true)) must be escaped in a string") }
                if b != UInt8(ascii: "\\") { out.append(b); position += 1; continue }
                position += 1
                guard position < bytes.count else { throw error("unterminated escape") }
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
                    if code >= 0xD800 && code < 0xDC00 {
                        guard position + 6 <= bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                            throw error("unpaired high surrogate in \\u escape")
                        }
                        position += 2
                        let low = try hex4()
                        guard low >= 0xDC00 && low < 0xE000 else { throw error("expected a low surrogate after a high surrogate") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if code >= 0xDC00 && code < 0xE000 {
                        throw error("unpaired low surrogate in \\u escape")
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw error("invalid code point in \\u escape") }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
                }
            }
            guard let s = String(validating: out, as: UTF8.self) else { throw error("invalid UTF-8 in string", at: start) }
            return s
        }

        mutating func number() throws(JSONError) -> Double {
            let start = position
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            func digits(_ r: inout Reader) -> Int {
                var n = 0
                while r.position < r.bytes.count, r.bytes[r.position] >= 0x30, r.bytes[r.position] <= 0x39 { r.position += 1; n += 1 }
                return n
            }
            guard position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 else { throw error("expected a digit") }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
                if position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 { throw error("leading zeros are not allowed in numbers") }
            } else { _ = digits(&self) }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                guard digits(&self) > 0 else { throw error("expected a digit after the decimal point") }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
                guard digits(&self) > 0 else { throw error("expected a digit in the exponent") }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            guard let d = Double(text), d.isFinite else { throw error("number out of range", at: start) }
            return d
        }
    }
}
