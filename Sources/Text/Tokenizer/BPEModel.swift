import Foundation

/// tokenizer.json "model" of type BPE: initial symbols from the vocabulary (bytes through the
/// byte-level table, or characters with SentencePiece's byte fallback and unknown token), then
/// merges applied lowest rank first, leftmost first among equals.
final class BPEModel: Sendable {
    struct Merge: Sendable { var rank: Int32; var id: Int32 }

    /// id → token bytes.
    let tokens: [[UInt8]]
    let vocabulary: [[UInt8]: Int32]
    /// (left id << 32 | right id) → merge.
    let merges: [UInt64: Merge]
    /// Token id of each single-scalar token, for scalars below `denseLimit`; -1 when absent.
    let denseScalarIDs: [Int32]
    let sparseScalarIDs: [UInt32: Int32]
    /// Token id of each byte's byte-level character; -1 when absent.
    let byteLevelIDs: [Int32]
    /// Token id of "<0xXX>" for each byte; -1 when absent.
    let byteFallbackIDs: [Int32]
    let unknownID: Int32?
    let fuseUnknown: Bool
    let byteFallback: Bool
    let ignoreMerges: Bool
    let cache = WordCache()

    static let denseLimit: UInt32 = 0x3000

    convenience init(_ json: JSONValue, file: String) throws(TokenizerError) {
        func fail(_ place: String, _ m: String) -> TokenizerError { TokenizerError(file: file, place: place, message: m) }
        if let type = json["type"]?.string, type != "BPE" { throw fail("model.type", "unsupported model type \"\(type)\" (only BPE)") }
        if let p = json["continuing_subword_prefix"]?.string, !p.isEmpty { throw fail("model.continuing_subword_prefix", "not supported") }
        if let p = json["end_of_word_suffix"]?.string, !p.isEmpty { throw fail("model.end_of_word_suffix", "not supported") }
        if let d = json["dropout"], !d.isNull, d.double != 0 { throw fail("model.dropout", "BPE dropout is not supported") }
        guard let vocab = json["vocab"]?.members else { throw fail("model.vocab", "expected an object mapping tokens to ids") }
        var vocabulary: [[UInt8]: Int32] = [:]
        vocabulary.reserveCapacity(vocab.count)
        var maxID = -1
        var entries: [([UInt8], Int32)] = []
        entries.reserveCapacity(vocab.count)
        for (key, value) in vocab {
            guard let id = value.int, id >= 0, id < Int(Int32.max) else { throw fail("model.vocab[\(JSONWriter.quoted(key))]", "expected a non-negative integer id") }
            // Ids index a dense table: refuse one far beyond the vocabulary's size.
            guard id < max(4 * vocab.count, 1 << 16) else {
                throw fail("model.vocab[\(JSONWriter.quoted(key))]", "id \(id) is far beyond the vocabulary's \(vocab.count) entries")
            }
            let bytes = Array(key.utf8)
            vocabulary[bytes] = Int32(id)
            entries.append((bytes, Int32(id)))
            maxID = max(maxID, id)
        }
        var tokens = [[UInt8]](repeating: [], count: maxID + 1)
        for (bytes, id) in entries { tokens[Int(id)] = bytes }
        try self.init(tokens: tokens, vocabulary: vocabulary, mergesJSON: json["merges"], file: file,
                      unknown: json["unk_token"]?.string, fuseUnknown: json["fuse_unk"]?.bool ?? false,
                      byteFallback: json["byte_fallback"]?.bool ?? false, ignoreMerges: json["ignore_merges"]?.bool ?? false)
    }

    init(tokens: [[UInt8]], vocabulary: [[UInt8]: Int32], mergesJSON: JSONValue?, file: String,
         unknown: String?, fuseUnknown: Bool, byteFallback: Bool, ignoreMerges: Bool) throws(TokenizerError) {
        func fail(_ place: String, _ m: String) -> TokenizerError { TokenizerError(file: file, place: place, message: m) }
        self.tokens = tokens
        self.vocabulary = vocabulary
        var merges: [UInt64: Merge] = [:]
        let list = mergesJSON?.array ?? []
        merges.reserveCapacity(list.count)
        for (rank, item) in list.enumerated() {
            let left: [UInt8], right: [UInt8]
            if let s = item.string {
                let bytes = Array(s.utf8)
                guard let space = bytes.firstIndex(of: 0x20) else { throw fail("model.merges[\(rank)]", "expected \"left right\"") }
                left = Array(bytes[..<space]); right = Array(bytes[(space + 1)...])
            } else if let pair = item.array, pair.count == 2, let l = pair[0].string, let r = pair[1].string {
                left = Array(l.utf8); right = Array(r.utf8)
            } else { throw fail("model.merges[\(rank)]", "expected \"left right\" or [left, right]") }
            guard let l = vocabulary[left], let r = vocabulary[right] else {
                throw fail("model.merges[\(rank)]", "merge part not in the vocabulary")
            }
            guard let m = vocabulary[left + right] else { throw fail("model.merges[\(rank)]", "merged token not in the vocabulary") }
            merges[UInt64(UInt32(l)) << 32 | UInt64(UInt32(r))] = Merge(rank: Int32(rank), id: m)
        }
        self.merges = merges
        var dense = [Int32](repeating: -1, count: Int(BPEModel.denseLimit))
        var sparse: [UInt32: Int32] = [:]
        for (bytes, id) in vocabulary {
            let scalars = String(decoding: bytes, as: UTF8.self).unicodeScalars
            guard scalars.count == 1, let s = scalars.first?.value else { continue }
            if s < BPEModel.denseLimit { dense[Int(s)] = id } else { sparse[s] = id }
        }
        denseScalarIDs = dense
        sparseScalarIDs = sparse
        byteLevelIDs = ByteLevel.byteToScalar.map { s in s < BPEModel.denseLimit ? dense[Int(s)] : -1 }
        byteFallbackIDs = (0..<256).map { b in
            vocabulary[Array(String(format: "<0x%02X>", b).utf8)] ?? -1
        }
        if let unknown {
            guard let u = vocabulary[Array(unknown.utf8)] else { throw fail("model.unk_token", "\"\(unknown)\" is not in the vocabulary") }
            unknownID = u
        } else { unknownID = nil }
        self.fuseUnknown = fuseUnknown
        self.byteFallback = byteFallback
        self.ignoreMerges = ignoreMerges
    }

    @inline(__always)
    func scalarID(_ s: UInt32) -> Int32 {
        s < BPEModel.denseLimit ? denseScalarIDs[Int(s)] : (sparseScalarIDs[s] ?? -1)
    }

    /// Appends the ids of one word. `byteMapped` words are raw bytes that each stand for their
    /// byte-level character.
    func tokenize(_ word: UnsafeBufferPointer<UInt8>, byteMapped: Bool, scratch: inout BPEScratch, into out: inout [Int32]) {
        if word.isEmpty { return }
        let key: [UInt8]? = word.count <= 64 ? Array(word) : nil
        if let key, let hit = cache.lookup(key, byteMapped) { out.append(contentsOf: hit); return }
        let start = out.count
        if ignoreMerges {
            let id: Int32? = byteMapped ? vocabulary[word.flatMap { b in
                var u: [UInt8] = []; appendUTF8(ByteLevel.byteToScalar[Int(b)], to: &u); return u }] : vocabulary[Array(word)]
            if let id { out.append(id); if let key { cache.store(key, byteMapped, [id]) }; return }
        }
        scratch.symbols.removeAll(keepingCapacity: true)
        if byteMapped {
            for b in word {
                let id = byteLevelIDs[Int(b)]
                if id >= 0 { scratch.symbols.append(id) } else if let u = unknownID { scratch.symbols.append(u) }
            }
        } else {
            initialSymbols(word, into: &scratch.symbols)
        }
        applyMerges(&scratch)
        out.append(contentsOf: scratch.symbols)
        if let key { cache.store(key, byteMapped, Array(out[start...])) }
    }

    /// Characters to ids, with byte fallback and (fused) unknowns exactly as tokenizers does it.
    private func initialSymbols(_ word: UnsafeBufferPointer<UInt8>, into symbols: inout [Int32]) {
        var pendingUnknown = false
        var i = 0
        while i < word.count {
            let (s, l) = decodeScalar(word, i)
            let id = scalarID(s)
            if id >= 0 {
                if pendingUnknown, let u = unknownID { symbols.append(u); pendingUnknown = false }
                symbols.append(id)
            } else {
                var handled = false
                if byteFallback {
                    var all = true
                    for k in i..<(i + l) where byteFallbackIDs[Int(word[k])] < 0 { all = false; break }
                    if all {
                        for k in i..<(i + l) { symbols.append(byteFallbackIDs[Int(word[k])]) }
                        handled = true
                    }
                }
                if !handled, let u = unknownID {
                    if pendingUnknown && !fuseUnknown { symbols.append(u) }
                    pendingUnknown = true
                }
            }
            i += l
        }
        if pendingUnknown, let u = unknownID { symbols.append(u) }
    }

    @inline(__always)
    private func merge(_ a: Int32, _ b: Int32) -> Merge? {
        merges[UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))]
    }

    /// Lowest rank first, leftmost among equal ranks: a binary heap of (rank, position) over a
    /// linked list of symbols; stale heap entries are skipped when popped.
    private func applyMerges(_ s: inout BPEScratch) {
        let n = s.symbols.count
        if n < 2 { return }
        s.next.removeAll(keepingCapacity: true)
        s.prev.removeAll(keepingCapacity: true)
        s.alive.removeAll(keepingCapacity: true)
        s.heap.removeAll(keepingCapacity: true)
        for i in 0..<n { s.next.append(Int32(i + 1)); s.prev.append(Int32(i - 1)); s.alive.append(true) }
        s.next[n - 1] = -1
        for i in 0..<(n - 1) {
            if let m = merge(s.symbols[i], s.symbols[i + 1]) { s.push(UInt64(UInt32(m.rank)) << 32 | UInt64(i)) }
        }
        while let top = s.pop() {
            let rank = Int32(truncatingIfNeeded: top >> 32)
            let pos = Int(top & 0xFFFF_FFFF)
            guard s.alive[pos] else { continue }
            let nextPos = Int(s.next[pos])
            guard nextPos >= 0, let m = merge(s.symbols[pos], s.symbols[nextPos]), m.rank == rank else { continue }
            s.symbols[pos] = m.id
            s.alive[nextPos] = false
            let after = s.next[nextPos]
            s.next[pos] = after
            if after >= 0 { s.prev[Int(after)] = Int32(pos) }
            let before = s.prev[pos]
            if before >= 0, let l = merge(s.symbols[Int(before)], m.id) { s.push(UInt64(UInt32(l.rank)) << 32 | UInt64(before)) }
            if after >= 0, let r = merge(m.id, s.symbols[Int(after)]) { s.push(UInt64(UInt32(r.rank)) << 32 | UInt64(pos)) }
        }
        var w = 0
        var i = 0
        while i >= 0 { s.symbols[w] = s.symbols[i]; w += 1; i = Int(s.next[i]) }
        s.symbols.removeLast(n - w)
    }
}

/// Reusable buffers for one encode call.
struct BPEScratch {
    var symbols: [Int32] = []
    var next: [Int32] = []
    var prev: [Int32] = []
    var alive: [Bool] = []
    var heap: [UInt64] = []

    mutating func push(_ v: UInt64) {
        heap.append(v)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if heap[parent] <= heap[i] { break }
            heap.swapAt(parent, i); i = parent
        }
    }

    mutating func pop() -> UInt64? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if heap.isEmpty { return top }
        heap[0] = last
        var i = 0
        let n = heap.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n && heap[l] < heap[m] { m = l }
            if r < n && heap[r] < heap[m] { m = r }
            if m == i { break }
            heap.swapAt(m, i); i = m
        }
        return top
    }
}

/// Word → ids, shared by all threads: 16 shards with a lock each, so threads encoding in
/// parallel rarely wait on one another; each shard stops growing at a fixed size.
final class WordCache: @unchecked Sendable {
    private final class Shard {
        let lock = NSLock()
        var entries: [[UInt8]: [Int32]] = [:]
        var mappedEntries: [[UInt8]: [Int32]] = [:]
    }
    private let shards = (0..<16).map { _ in Shard() }
    static let capacityPerShard = 2_000

    @inline(__always)
    private func shard(_ key: [UInt8]) -> Shard {
        // FNV-1a over at most the first 8 bytes and the length: cheap and spreads words well.
        var h: UInt32 = 2_166_136_261 ^ UInt32(truncatingIfNeeded: key.count)
        for b in key.prefix(8) { h = (h ^ UInt32(b)) &* 16_777_619 }
        return shards[Int(h >> 28)]
    }

    func lookup(_ key: [UInt8], _ byteMapped: Bool) -> [Int32]? {
        let s = shard(key)
        s.lock.lock(); defer { s.lock.unlock() }
        return byteMapped ? s.mappedEntries[key] : s.entries[key]
    }

    func store(_ key: [UInt8], _ byteMapped: Bool, _ ids: [Int32]) {
        let s = shard(key)
        s.lock.lock(); defer { s.lock.unlock() }
        if byteMapped {
            if s.mappedEntries.count < WordCache.capacityPerShard { s.mappedEntries[key] = ids }
        } else if s.entries.count < WordCache.capacityPerShard { s.entries[key] = ids }
    }
}
