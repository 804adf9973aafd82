/// New tokens for one sequence slot, appended after what the slot's cache already holds.
public struct SequenceInput: Sendable {
    public var slot: Int
    public var tokens: [Int32]
    public init(slot: Int, tokens: [Int32]) { self.slot = slot; self.tokens = tokens }
}

/// Which positions get logits: computing the LM head (vocab × hidden per row) only where a
/// caller reads it is most of the saving when scoring prompts.
public enum LogitRows: Sendable {
    /// The last new token of every sequence.
    case last
    /// Every new token.
    case all
    /// Per sequence, indices into its new tokens.
    case positions([[Int]])
    /// No logits (prefix warm-up).
    case none
}

/// A run of consecutive rows of the packed batch that belong to one slot.
struct Piece {
    var slot: Int
    var row: Int        // first row in the packed batch
    var count: Int
    var start: Int      // position of the first row in its sequence
}

/// The packed batch: every new token of every sequence as one row.
struct PackedBatch {
    var rows: Int
    var tokens: [Int32]      // [rows]
    var positions: [Int32]   // [rows]
    var pieces: [Piece]
    var logitRows: [Int]     // rows whose logits are returned, in output order

    /// The pieces that fall in rows [lo, hi), cut at the boundaries.
    func pieces(in range: Range<Int>) -> [Piece] {
        pieces.compactMap { p in
            let lo = max(p.row, range.lowerBound), hi = min(p.row + p.count, range.upperBound)
            guard lo < hi else { return nil }
            return Piece(slot: p.slot, row: lo, count: hi - lo, start: p.start + (lo - p.row))
        }
    }
}
