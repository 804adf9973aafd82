/// Text on its way from the normalizer to the model: pieces (byte ranges into one shared
/// storage) that pre-tokenizers split further or rewrite, never merged again.
struct PieceList {
    struct Piece {
        var start: Int
        var end: Int
        /// True for the piece that begins at offset 0 of the original input (Metaspace's
        /// prepend_scheme "first" looks at it).
        var atStart: Bool
        /// The bytes still await the byte-level mapping; the BPE model maps them byte by byte.
        var byteMapped: Bool
    }

    var storage: [UInt8] = []
    var pieces: [Piece] = []

    mutating func reset() { storage.removeAll(keepingCapacity: true); pieces.removeAll(keepingCapacity: true) }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>, atStart: Bool) {
        let s = storage.count
        storage.append(contentsOf: bytes)
        if storage.count > s { pieces.append(Piece(start: s, end: storage.count, atStart: atStart, byteMapped: false)) }
    }

    /// The bytes after the byte-level mapping (each byte becomes one printable character).
    mutating func materializeByteMapping(_ index: Int) {
        let p = pieces[index]
        guard p.byteMapped else { return }
        let start = storage.count
        for i in p.start..<p.end { appendUTF8(ByteLevel.byteToScalar[Int(storage[i])], to: &storage) }
        pieces[index] = Piece(start: start, end: storage.count, atStart: p.atStart, byteMapped: false)
    }
}

/// Which side a matched delimiter goes to when a piece is split (tokenizers' SplitDelimiterBehavior).
enum SplitBehavior: String, Sendable {
    case removed = "Removed", isolated = "Isolated", mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext", contiguous = "Contiguous"

    /// Turns a tiling of the piece into (match?) segments into the kept pieces, as (start, end).
    func apply(_ segments: [(start: Int, end: Int, isMatch: Bool)], into out: inout [(Int, Int)]) {
        switch self {
        case .removed:
            for s in segments where !s.isMatch { out.append((s.start, s.end)) }
        case .isolated:
            for s in segments { out.append((s.start, s.end)) }
        case .contiguous:
            var i = 0
            while i < segments.count {
                var j = i
                if segments[i].isMatch { while j + 1 < segments.count && segments[j + 1].isMatch { j += 1 } }
                out.append((segments[i].start, segments[j].end))
                i = j + 1
            }
        case .mergedWithPrevious:
            // A match joins the piece before it unless that piece was itself a match.
            var previousMatch = false
            let first = out.count
            for s in segments {
                if s.isMatch && !previousMatch && out.count > first { out[out.count - 1].1 = s.end } else { out.append((s.start, s.end)) }
                previousMatch = s.isMatch
            }
        case .mergedWithNext:
            // Mirror image: a match joins the piece after it unless that one is a match too.
            var previousMatch = false
            var reversed: [(Int, Int)] = []
            for s in segments.reversed() {
                if s.isMatch && !previousMatch && !reversed.isEmpty { reversed[reversed.count - 1].0 = s.start } else { reversed.append((s.start, s.end)) }
                previousMatch = s.isMatch
            }
            out.append(contentsOf: reversed.reversed())
        }
    }
}
