import Foundation

/// tokenizer.json "normalizer": rewrites each stretch of text between added tokens before it is split.
indirect enum Normalizer: Sendable {
    case sequence([Normalizer])
    case nfc, nfd, nfkc, nfkd, lowercase
    /// Prepends its string to non-empty text (SentencePiece's dummy prefix "▁").
    case prepend([UInt8])
    case replace(pattern: [UInt8], content: [UInt8])
    case strip(left: Bool, right: Bool)

    static func parse(_ json: JSONValue, file: String, place: String) throws(TokenizerError) -> Normalizer? {
        if json.isNull { return nil }
        func fail(_ m: String) -> TokenizerError { TokenizerError(file: file, place: place, message: m) }
        guard let type = json["type"]?.string else { throw fail("expected an object with a string \"type\"") }
        switch type {
        case "Sequence":
            guard let items = json["normalizers"]?.array else { throw fail("Sequence normalizer needs a \"normalizers\" array") }
            var out: [Normalizer] = []
            for (i, item) in items.enumerated() {
                if let n = try parse(item, file: file, place: "\(place).normalizers[\(i)]") { out.append(n) }
            }
            return .sequence(out)
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "Prepend":
            guard let s = json["prepend"]?.string else { throw fail("Prepend normalizer needs a string \"prepend\"") }
            return .prepend(Array(s.utf8))
        case "Replace":
            guard let pattern = json["pattern"]?["String"]?.string else {
                throw fail("Replace normalizer: only {\"String\": ...} patterns are supported")
            }
            guard let content = json["content"]?.string else { throw fail("Replace normalizer needs a string \"content\"") }
            return .replace(pattern: Array(pattern.utf8), content: Array(content.utf8))
        case "Strip":
            return .strip(left: json["strip_left"]?.bool ?? false, right: json["strip_right"]?.bool ?? false)
        default:
            throw fail("unsupported normalizer type \"\(type)\"")
        }
    }

    func apply(_ text: [UInt8]) -> [UInt8] {
        switch self {
        case .sequence(let items):
            var t = text
            for n in items { t = n.apply(t) }
            return t
        case .nfc: return Array(String(decoding: text, as: UTF8.self).precomposedStringWithCanonicalMapping.utf8)
        case .nfd: return Array(String(decoding: text, as: UTF8.self).decomposedStringWithCanonicalMapping.utf8)
        case .nfkc: return Array(String(decoding: text, as: UTF8.self).precomposedStringWithCompatibilityMapping.utf8)
        case .nfkd: return Array(String(decoding: text, as: UTF8.self).decomposedStringWithCompatibilityMapping.utf8)
        case .lowercase:
            var out = ""
            for u in String(decoding: text, as: UTF8.self).unicodeScalars { out += u.properties.lowercaseMapping }
            return Array(out.utf8)
        case .prepend(let p): return text.isEmpty ? text : p + text
        case .replace(let pattern, let content): return replaceAll(text, pattern, content)
        case .strip(let left, let right):
            var s = 0, e = text.count
            text.withUnsafeBufferPointer { p in
                if left {
                    while s < e { let (c, l) = decodeScalar(p, s); guard isRustWhitespace(c) else { break }; s += l }
                }
                if right {
                    while e > s {
                        var b = e - 1
                        while b > s && p[b] & 0xC0 == 0x80 { b -= 1 }
                        let (c, _) = decodeScalar(p, b)
                        guard isRustWhitespace(c) else { break }
                        e = b
                    }
                }
            }
            return Array(text[s..<e])
        }
    }
}

/// Rust's `char::is_whitespace` (the White_Space property).
@inline(__always)
func isRustWhitespace(_ scalar: UInt32) -> Bool {
    UnicodeClasses.shared.classOf(scalar) & UnicodeClasses.whitespace != 0
}

/// Every non-overlapping occurrence of `pattern` (left to right) replaced by `content`.
func replaceAll(_ text: [UInt8], _ pattern: [UInt8], _ content: [UInt8]) -> [UInt8] {
    guard !pattern.isEmpty, text.count >= pattern.count else { return text }
    var out: [UInt8] = []
    out.reserveCapacity(text.count + text.count / 2)
    var i = 0
    let n = text.count, m = pattern.count
    while i < n {
        if text[i] == pattern[0] && i + m <= n {
            var hit = true
            for k in 1..<max(m, 1) where text[i + k] != pattern[k] { hit = false; break }
            if hit { out.append(contentsOf: content); i += m; continue }
        }
        out.append(text[i]); i += 1
    }
    return out
}
