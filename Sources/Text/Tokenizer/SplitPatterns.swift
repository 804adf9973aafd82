/// The split regexes of byte-level tokenizers, as hand-written scanners over UTF-8 that match
/// exactly what the regex engines match (leftmost alternative first, greedy, with the
/// `\s+(?!\S)` backtrack). Each scanner returns the end of the match that starts at `i`; every
/// pattern here matches at every position, so consecutive matches tile the text.
enum SplitPattern: Sendable, Equatable {
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    /// (Llama-3); with `maxDigits` 1 and `\p{N}` it is Qwen2's.
    case llama3(maxDigits: Int)
    /// `[0-9][0-9][0-9]` (Falcon): three ASCII digits; does not tile.
    case asciiDigitTriples
    /// A literal string.
    case literal([UInt8])

    static let gpt2Regex = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3Regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// Recognises the regexes we have scanners for; nil for any other.
    init?(regex: String) {
        switch regex {
        case SplitPattern.gpt2Regex: self = .gpt2
        case SplitPattern.llama3Regex: self = .llama3(maxDigits: 3)
        case SplitPattern.qwen2Regex: self = .llama3(maxDigits: 1)
        case "[0-9][0-9][0-9]": self = .asciiDigitTriples
        default: return nil
        }
    }

    /// The matches in `p` as (start, end) pairs, in order, non-overlapping.
    func matches(_ p: UnsafeBufferPointer<UInt8>, into out: inout [(Int, Int)]) {
        let n = p.count
        switch self {
        case .gpt2:
            var i = 0
            while i < n { let e = SplitPattern.gpt2End(p, i); out.append((i, e)); i = e }
        case .llama3(let maxDigits):
            var i = 0
            while i < n { let e = SplitPattern.llama3End(p, i, maxDigits: maxDigits); out.append((i, e)); i = e }
        case .asciiDigitTriples:
            var i = 0
            while i + 3 <= n {
                if isDigit(p[i]) && isDigit(p[i + 1]) && isDigit(p[i + 2]) { out.append((i, i + 3)); i += 3 } else { i += 1 }
            }
        case .literal(let needle):
            guard !needle.isEmpty else { return }
            var i = 0
            while i + needle.count <= n {
                var hit = true
                for k in 0..<needle.count where p[i + k] != needle[k] { hit = false; break }
                if hit { out.append((i, i + needle.count)); i += needle.count } else { i += 1 }
            }
        }
    }

    @inline(__always) private func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    @inline(__always)
    static func cls(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (UInt8, Int) {
        let b = p[i]
        if b < 0x80 { return (asciiClasses[Int(b)], 1) }
        let (s, l) = decodeScalar(p, i)
        return (UnicodeClasses.shared.classOf(s), l)
    }

    static let asciiClasses: [UInt8] = (0..<128).map { b -> UInt8 in
        UnicodeClasses.shared.classOf(UInt32(b))
    }

    /// End of a run of characters whose class intersects `mask` (or, with `negate`, does not).
    @inline(__always)
    static func runEnd(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, mask: UInt8, negate: Bool, limit: Int = Int.max) -> Int {
        var i = start, count = 0
        while i < p.count && count < limit {
            let (c, l) = cls(p, i)
            if ((c & mask) != 0) == negate { break }
            i += l; count += 1
        }
        return i
    }

    static let L = UnicodeClasses.letter, N = UnicodeClasses.number, S = UnicodeClasses.whitespace

    /// End of the whitespace-led match at `i` for `\s+(?!\S)|\s+`.
    @inline(__always)
    static func whitespaceEnd(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        var j = i, last = i, count = 0
        while j < p.count {
            let (c, l) = cls(p, j)
            if c & S == 0 { break }
            last = j; j += l; count += 1
        }
        if j == p.count || count < 2 { return j }
        return last
    }

    static func gpt2End(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        let n = p.count
        let b = p[i]
        if b == UInt8(ascii: "'") && i + 1 < n {
            let b1 = p[i + 1]
            if b1 == UInt8(ascii: "s") || b1 == UInt8(ascii: "t") || b1 == UInt8(ascii: "m") || b1 == UInt8(ascii: "d") { return i + 2 }
            if i + 2 < n {
                let b2 = p[i + 2]
                if (b1 == UInt8(ascii: "r") && b2 == UInt8(ascii: "e")) || (b1 == UInt8(ascii: "v") && b2 == UInt8(ascii: "e"))
                    || (b1 == UInt8(ascii: "l") && b2 == UInt8(ascii: "l")) { return i + 3 }
            }
        }
        var start = i
        if b == 0x20 && i + 1 < n {
            let (c1, _) = cls(p, i + 1)
            if c1 & S == 0 { start = i + 1 }
        }
        let (c, _) = cls(p, start)
        if c & L != 0 { return runEnd(p, start, mask: L, negate: false) }
        if c & N != 0 { return runEnd(p, start, mask: N, negate: false) }
        if c & S == 0 { return runEnd(p, start, mask: L | N | S, negate: true) }
        return whitespaceEnd(p, i)
    }

    static func llama3End(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, maxDigits: Int) -> Int {
        let n = p.count
        let b = p[i]
        if b == UInt8(ascii: "'") && i + 1 < n {
            let b1 = p[i + 1] | 0x20
            if b1 == UInt8(ascii: "s") || b1 == UInt8(ascii: "t") || b1 == UInt8(ascii: "m") || b1 == UInt8(ascii: "d") { return i + 2 }
            // (?i) folds U+017F LATIN SMALL LETTER LONG S to s.
            if p[i + 1] == 0xC5 && i + 2 < n && p[i + 2] == 0xBF { return i + 3 }
            if i + 2 < n {
                let b2 = p[i + 2] | 0x20
                if (b1 == UInt8(ascii: "r") && b2 == UInt8(ascii: "e")) || (b1 == UInt8(ascii: "v") && b2 == UInt8(ascii: "e"))
                    || (b1 == UInt8(ascii: "l") && b2 == UInt8(ascii: "l")) { return i + 3 }
            }
        }
        let (c, l) = cls(p, i)
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if c & L != 0 { return runEnd(p, i, mask: L, negate: false) }
        let isNewline = b == 0x0A || b == 0x0D
        if !isNewline && c & N == 0 && i + l < n {
            let (c1, _) = cls(p, i + l)
            if c1 & L != 0 { return runEnd(p, i + l, mask: L, negate: false) }
        }
        // \p{N}{1,maxDigits}
        if c & N != 0 { return runEnd(p, i, mask: N, negate: false, limit: maxDigits) }
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        var start = -1
        if c & S == 0 { start = i } else if b == 0x20 && i + 1 < n {
            let (c1, _) = cls(p, i + 1)
            if c1 & (S | L | N) == 0 { start = i + 1 }
        }
        if start >= 0 {
            var e = runEnd(p, start, mask: L | N | S, negate: true)
            while e < n && (p[e] == 0x0A || p[e] == 0x0D) { e += 1 }
            return e
        }
        // \s*[\r\n]+ : the whitespace run up to and including its last newline.
        var j = i, lastNewlineEnd = -1
        while j < n {
            let (cj, lj) = cls(p, j)
            if cj & S == 0 { break }
            if p[j] == 0x0A || p[j] == 0x0D { lastNewlineEnd = j + 1 }
            j += lj
        }
        if lastNewlineEnd > 0 { return lastNewlineEnd }
        return whitespaceEnd(p, i)
    }
}
