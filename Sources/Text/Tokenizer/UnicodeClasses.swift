/// The character classes the pre-tokenizer regexes use, for every Unicode scalar, in a compact
/// two-level table built once from the standard library's Unicode properties.
///
/// \p{L} = general category L*, \p{N} = N*, \s = White_Space (Oniguruma's \s in Unicode mode is
/// the same set), punctuation = what `tokenizers`' Punctuation pre-tokenizer splits on: ASCII
/// punctuation (which includes the symbols $+<=>^`|~) or any P* category.
struct UnicodeClasses: Sendable {
    static let letter: UInt8 = 1
    static let number: UInt8 = 2
    static let whitespace: UInt8 = 4
    static let punctuation: UInt8 = 8

    static let shared = UnicodeClasses()

    /// blockIndex[scalar >> 8] * 256 + (scalar & 255) indexes `classes`.
    private let blockIndex: [UInt16]
    private let classes: [UInt8]

    private init() {
        var blocks: [[UInt8]: UInt16] = [:]
        var index: [UInt16] = []
        var table: [UInt8] = []
        index.reserveCapacity(0x1100)
        for block in 0..<0x1100 {
            var values = [UInt8](repeating: 0, count: 256)
            for low in 0..<256 {
                guard let scalar = Unicode.Scalar(UInt32(block << 8 | low)) else { continue }
                values[low] = UnicodeClasses.compute(scalar)
            }
            if let existing = blocks[values] {
                index.append(existing)
            } else {
                let n = UInt16(table.count / 256)
                blocks[values] = n
                table.append(contentsOf: values)
                index.append(n)
            }
        }
        blockIndex = index
        classes = table
    }

    private static func compute(_ s: Unicode.Scalar) -> UInt8 {
        var c: UInt8 = 0
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: c |= letter
        case .decimalNumber, .letterNumber, .otherNumber: c |= number
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            // tokenizers' Punctuation pre-tokenizer reads Unicode 9.0 tables (the
            // unicode_categories crate): later punctuation is not punctuation to it.
            if let age = s.properties.age, (age.major, age.minor) <= (9, 0) { c |= punctuation }
        default: break
        }
        if s.value < 0x80, let ascii = UInt8(exactly: s.value),
           (0x21...0x2F).contains(ascii) || (0x3A...0x40).contains(ascii) || (0x5B...0x60).contains(ascii) || (0x7B...0x7E).contains(ascii) {
            c |= punctuation
        }
        if s.properties.isWhitespace { c |= whitespace }
        return c
    }

    @inline(__always)
    func classOf(_ scalar: UInt32) -> UInt8 {
        guard scalar < 0x110000 else { return 0 }
        return classes.withUnsafeBufferPointer { t in
            blockIndex.withUnsafeBufferPointer { b in t[Int(b[Int(scalar >> 8)]) << 8 | Int(scalar & 255)] }
        }
    }
}

/// Decodes the scalar starting at `i` of well-formed UTF-8 and returns it with its length.
@inline(__always)
func decodeScalar(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (scalar: UInt32, length: Int) {
    let b0 = UInt32(p[i])
    if b0 < 0x80 { return (b0, 1) }
    if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | UInt32(p[i + 1] & 0x3F), 2) }
    if b0 < 0xF0 { return ((b0 & 0x0F) << 12 | UInt32(p[i + 1] & 0x3F) << 6 | UInt32(p[i + 2] & 0x3F), 3) }
    return ((b0 & 0x07) << 18 | UInt32(p[i + 1] & 0x3F) << 12 | UInt32(p[i + 2] & 0x3F) << 6 | UInt32(p[i + 3] & 0x3F), 4)
}

@inline(__always)
func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
    if scalar < 0x80 { out.append(UInt8(scalar)) }
    else if scalar < 0x800 { out.append(UInt8(0xC0 | scalar >> 6)); out.append(UInt8(0x80 | scalar & 0x3F)) }
    else if scalar < 0x10000 {
        out.append(UInt8(0xE0 | scalar >> 12)); out.append(UInt8(0x80 | (scalar >> 6) & 0x3F)); out.append(UInt8(0x80 | scalar & 0x3F))
    } else {
        out.append(UInt8(0xF0 | scalar >> 18)); out.append(UInt8(0x80 | (scalar >> 12) & 0x3F))
        out.append(UInt8(0x80 | (scalar >> 6) & 0x3F)); out.append(UInt8(0x80 | scalar & 0x3F))
    }
}
