import Foundation

/// A strict RFC 8259 parser: no comments, no trailing commas, no NaN, no leading zeros, no
/// control characters inside strings; nesting and size bounded so hostile input can neither
/// overflow the stack nor make us allocate without limit.
public enum JSONParser {
    /// What to do with an object that names the same key twice.
    public enum DuplicateKeys: Sendable {
        /// Keep every member in file order; the subscript finds the first (tokenizer.json).
        case keepAll
        /// Keep the first position with the last value, as Python's json.loads (chat templates).
        case lastWins
        /// Refuse the document (safetensors headers and index files, where two readings of one
        /// tensor name would be ambiguous). Keys Swift treats as equal count as duplicates.
        case reject
    }

    /// What to do with a \u escape of a surrogate that has no partner.
    public enum LoneSurrogates: Sendable {
        case reject
        /// Python keeps them, but a Swift String cannot hold one: U+FFFD stands in.
        case replace
    }

    public struct Options: Sendable {
        public var duplicateKeys: DuplicateKeys
        public var loneSurrogates: LoneSurrogates
        public var maximumDepth: Int
        public var maximumBytes: Int
        /// Skip a leading UTF-8 byte order mark (some hand-edited config files carry one).
        public var allowsByteOrderMark: Bool

        public init(duplicateKeys: DuplicateKeys = .keepAll, loneSurrogates: LoneSurrogates = .reject,
                    maximumDepth: Int = 512, maximumBytes: Int = 1 << 30, allowsByteOrderMark: Bool = false) {
            self.duplicateKeys = duplicateKeys
            self.loneSurrogates = loneSurrogates
            self.maximumDepth = maximumDepth
            self.maximumBytes = maximumBytes
            self.allowsByteOrderMark = allowsByteOrderMark
        }

        public static let standard = Options()
        /// For file headers: duplicates refused, shallow nesting.
        public static let header = Options(duplicateKeys: .reject, maximumDepth: 64)
        /// As Python's json.loads reads tokenizer_config.json for chat templates.
        public static let python = Options(duplicateKeys: .lastWins, loneSurrogates: .replace, allowsByteOrderMark: true)
    }

    /// Kept for callers that name the default depth cap.
    public static let maximumDepth = Options.standard.maximumDepth

    public static func parse(_ bytes: UnsafeRawBufferPointer, file: String = "<json>", options: Options = .standard) throws(JSONError) -> JSONValue {
        let buffer = bytes.bindMemory(to: UInt8.self)
        var reader = Reader(bytes: buffer, file: file, options: options)
        guard buffer.count <= options.maximumBytes else {
            throw reader.error("document of \(buffer.count) bytes is larger than the \(options.maximumBytes)-byte limit", at: 0)
        }
        if options.allowsByteOrderMark, buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { reader.position = 3 }
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        if reader.position != buffer.count { throw reader.error("unexpected content after the JSON value") }
        return value
    }

    public static func parse(_ bytes: [UInt8], file: String = "<json>", options: Options = .standard) throws(JSONError) -> JSONValue {
        let result: Result<JSONValue, JSONError> = bytes.withUnsafeBytes { b in
            do throws(JSONError) { return .success(try parse(b, file: file, options: options)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    public static func parse(_ data: Data, file: String = "<json>", options: Options = .standard) throws(JSONError) -> JSONValue {
        let result: Result<JSONValue, JSONError> = data.withUnsafeBytes { b in
            do throws(JSONError) { return .success(try parse(b, file: file, options: options)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    public static func parse(_ text: String, file: String = "<json>", options: Options = .standard) throws(JSONError) -> JSONValue {
        try parse(Data(text.utf8), file: file, options: options)
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        let file: String
        let options: Options
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>, file: String, options: Options) {
            self.bytes = bytes
            self.file = file
            self.options = options
        }

        /// Line and column (in Unicode scalars, counting from 1) are computed only on failure.
        func error(_ message: String, at offset: Int? = nil) -> JSONError {
            let end = min(offset ?? position, bytes.count)
            var line = 1, column = 1
            for i in 0..<end {
                if bytes[i] == 0x0A { line += 1; column = 1 } else if bytes[i] & 0xC0 != 0x80 { column += 1 }
            }
            return JSONError(file: file, line: line, column: column, offset: end, message: message)
        }

        var describeCurrent: String {
            guard position < bytes.count else { return "the end of the file" }
            let b = bytes[position]
            return b >= 0x20 && b < 0x7F ? "'\(Character(UnicodeScalar(b)))'" : "byte 0x\(String(b, radix: 16))"
        }

        mutating func skipSpace() {
            while position < bytes.count {
                let b = bytes[position]
                if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { position += 1 } else { break }
            }
        }

        mutating func value(depth: Int) throws(JSONError) -> JSONValue {
            guard depth < options.maximumDepth else { throw error("nesting deeper than \(options.maximumDepth) levels") }
            guard position < bytes.count else { throw error("expected a value, found the end of the file") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw error("expected a value (object, array, string, number, true, false or null), found \(describeCurrent)")
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
            var seen: [String: Int] = [:]
            var seenBytes: [[UInt8]: Int] = [:]
            skipSpace()
            if position < bytes.count && bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipSpace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw error("expected a string key in object, found \(describeCurrent)")
                }
                let keyOffset = position
                let key = try string()
                skipSpace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                    throw error("expected ':' after object key, found \(describeCurrent)")
                }
                position += 1
                skipSpace()
                let v = try value(depth: depth + 1)
                switch options.duplicateKeys {
                case .keepAll:
                    members.append((key, v))
                case .reject:
                    guard seen.updateValue(members.count, forKey: key) == nil else {
                        throw error("duplicate key \"\(key)\"", at: keyOffset)
                    }
                    members.append((key, v))
                case .lastWins:
                    // By UTF-8 bytes: Swift String equality folds canonically equivalent text.
                    let raw = Array(key.utf8)
                    if let i = seenBytes[raw] { members[i].value = v } else { seenBytes[raw] = members.count; members.append((key, v)) }
                }
                skipSpace()
                guard position < bytes.count else { throw error("unterminated object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
                throw error("expected ',' or '}' in object, found \(describeCurrent)")
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
                throw error("expected ',' or ']' in array, found \(describeCurrent)")
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
                case UInt8(ascii: "u"): appendScalar(try unicodeEscape(), to: &out)
                default: throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))'", at: position - 2)
                }
            }
            guard let s = String(validating: out, as: UTF8.self) else { throw error("invalid UTF-8 in string", at: start) }
            return s
        }

        /// The scalar of a \u escape (the \u already read), joining a surrogate pair.
        mutating func unicodeEscape() throws(JSONError) -> Unicode.Scalar {
            let code = try hex4()
            let replace = options.loneSurrogates == .replace
            if code >= 0xD800 && code < 0xDC00 {
                guard position + 6 <= bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    if replace { return "\u{FFFD}" }
                    throw error("unpaired high surrogate in \\u escape")
                }
                let save = position
                position += 2
                let low = try hex4()
                guard low >= 0xDC00 && low < 0xE000 else {
                    if replace { position = save; return "\u{FFFD}" }
                    throw error("expected a low surrogate after a high surrogate")
                }
                return Unicode.Scalar(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)) ?? "\u{FFFD}"
            }
            if code >= 0xDC00 && code < 0xE000 {
                if replace { return "\u{FFFD}" }
                throw error("unpaired low surrogate in \\u escape")
            }
            return Unicode.Scalar(code) ?? "\u{FFFD}"
        }

        func appendScalar(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
            let v = scalar.value
            switch v {
            case ..<0x80: out.append(UInt8(v))
            case ..<0x800: out += [UInt8(0xC0 | v >> 6), UInt8(0x80 | v & 0x3F)]
            case ..<0x10000: out += [UInt8(0xE0 | v >> 12), UInt8(0x80 | v >> 6 & 0x3F), UInt8(0x80 | v & 0x3F)]
            default: out += [UInt8(0xF0 | v >> 18), UInt8(0x80 | v >> 12 & 0x3F), UInt8(0x80 | v >> 6 & 0x3F), UInt8(0x80 | v & 0x3F)]
            }
        }

        /// A malformed number is reported where its longest valid prefix ends, as Python's
        /// json.loads does ("1." at the dot, "01" at the second digit, "-" at the sign).
        mutating func number() throws(JSONError) -> JSONValue {
            let start = position
            var isInteger = true
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            func digits(_ r: inout Reader) -> Int {
                var n = 0
                while r.position < r.bytes.count, r.bytes[r.position] >= 0x30, r.bytes[r.position] <= 0x39 { r.position += 1; n += 1 }
                return n
            }
            guard position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 else { throw error("expected a digit", at: start) }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
                if position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 { throw error("leading zeros are not allowed in numbers") }
            } else { _ = digits(&self) }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                let dot = position
                position += 1
                isInteger = false
                guard digits(&self) > 0 else { throw error("expected a digit after the decimal point", at: dot) }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                let e = position
                position += 1
                isInteger = false
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
                guard digits(&self) > 0 else { throw error("expected a digit in the exponent", at: e) }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            // Integers beyond Int become Doubles (Python would keep them exact).
            if isInteger, let i = Int(text) { return .integer(i) }
            guard let d = Double(text), d.isFinite else { throw error("number out of range", at: start) }
            return .number(d)
        }
    }
}
