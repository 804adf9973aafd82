/// tokenizer.json "decoder": turns the tokens of some ids back into text. Each step maps the
/// list of token strings (UTF-8 bytes here) to a new list; the result is their concatenation.
indirect enum Decoder: Sendable {
    case sequence([Decoder])
    case byteLevel
    case replace(pattern: [UInt8], content: [UInt8])
    case byteFallback
    case fuse
    case strip(content: UInt32, start: Int, stop: Int)
    case metaspace(replacement: [UInt8], prependFirst: Bool)

    static func parse(_ json: JSONValue, file: String, place: String) throws(TokenizerError) -> Decoder? {
        if json.isNull { return nil }
        func fail(_ m: String) -> TokenizerError { TokenizerError(file: file, place: place, message: m) }
        guard let type = json["type"]?.string else { throw fail("expected an object with a string \"type\"") }
        switch type {
        case "Sequence":
            guard let items = json["decoders"]?.array else { throw fail("Sequence decoder needs a \"decoders\" array") }
            var out: [Decoder] = []
            for (i, item) in items.enumerated() {
                if let d = try parse(item, file: file, place: "\(place).decoders[\(i)]") { out.append(d) }
            }
            return .sequence(out)
        case "ByteLevel": return .byteLevel
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "Replace":
            guard let pattern = json["pattern"]?["String"]?.string, let content = json["content"]?.string else {
                throw fail("Replace decoder needs a {\"String\": ...} pattern and a string content")
            }
            return .replace(pattern: Array(pattern.utf8), content: Array(content.utf8))
        case "Strip":
            guard let c = json["content"]?.string, c.unicodeScalars.count == 1, let scalar = c.unicodeScalars.first else {
                throw fail("Strip decoder needs a one-character \"content\"")
            }
            return .strip(content: scalar.value, start: json["start"]?.int ?? 0, stop: json["stop"]?.int ?? 0)
        case "Metaspace":
            let replacement = json["replacement"]?.string ?? "\u{2581}"
            let scheme = json["prepend_scheme"]?.string ?? ((json["add_prefix_space"]?.bool ?? true) ? "always" : "never")
            return .metaspace(replacement: Array(replacement.utf8), prependFirst: scheme != "never")
        default: throw fail("unsupported decoder type \"\(type)\"")
        }
    }

    func apply(_ tokens: [[UInt8]]) -> [[UInt8]] {
        switch self {
        case .sequence(let items):
            var t = tokens
            for d in items { t = d.apply(t) }
            return t
        case .byteLevel:
            var bytes: [UInt8] = []
            for t in tokens { bytes += ByteLevel.bytes(of: t) ?? t }
            return [Array(String(decoding: bytes, as: UTF8.self).utf8)]
        case .replace(let pattern, let content):
            return tokens.map { replaceAll($0, pattern, content) }
        case .fuse:
            return [tokens.flatMap { $0 }]
        case .byteFallback:
            var out: [[UInt8]] = []
            var pending: [UInt8] = []
            func flush() {
                guard !pending.isEmpty else { return }
                if String(validating: pending, as: UTF8.self) != nil { out.append(pending) }
                else { for _ in pending { out.append(Array("\u{FFFD}".utf8)) } }
                pending.removeAll()
            }
            for t in tokens {
                if let b = Decoder.fallbackByte(t) { pending.append(b) } else { flush(); out.append(t) }
            }
            flush()
            return out
        case .strip(let content, let start, let stop):
            return tokens.map { t in
                var scalars = Array(String(decoding: t, as: UTF8.self).unicodeScalars.map(\.value))
                var s = 0
                while s < start && s < scalars.count && scalars[s] == content { s += 1 }
                var e = scalars.count, removed = 0
                while removed < stop && e > s && scalars[e - 1] == content { e -= 1; removed += 1 }
                scalars = Array(scalars[s..<e])
                var out: [UInt8] = []
                for c in scalars { appendUTF8(c, to: &out) }
                return out
            }
        case .metaspace(let replacement, let prependFirst):
            return tokens.enumerated().map { i, t in
                var r = replaceAll(t, replacement, [0x20])
                if i == 0 && prependFirst && r.first == 0x20 { r.removeFirst() }
                return r
            }
        }
    }

    /// The byte of a "<0xXX>" token.
    static func fallbackByte(_ t: [UInt8]) -> UInt8? {
        guard t.count == 6, t[0] == UInt8(ascii: "<"), t[1] == UInt8(ascii: "0"), t[2] == UInt8(ascii: "x"),
              t[5] == UInt8(ascii: ">") else { return nil }
        func hex(_ b: UInt8) -> UInt8? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        guard let h = hex(t[3]), let l = hex(t[4]) else { return nil }
        return h << 4 | l
    }
}
