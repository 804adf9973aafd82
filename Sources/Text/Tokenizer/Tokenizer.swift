import Foundation

/// A Hugging Face tokenizer (tokenizer.json, or built from GGUF metadata) that encodes and
/// decodes exactly as the `tokenizers` library does: added tokens split out first, then
/// normalizer, pre-tokenizer, BPE model, and the post-processor when special tokens are asked for.
public final class Tokenizer: Sendable {
    let model: BPEModel
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let postProcessor: PostProcessor
    let decoder: Decoder?
    public let addedTokens: [AddedToken]
    private let addedByID: [Int32: AddedToken]
    private let addedByContent: [[UInt8]: Int32]
    /// Added tokens matched in the raw text, and those matched after normalization.
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher

    public let bosToken: String?
    public let eosToken: String?

    /// Parses tokenizer.json; `file` names it in errors.
    public convenience init(tokenizerJSON: Data, file: String = "tokenizer.json") throws {
        let json: JSONValue
        do { json = try JSONParser.parse(tokenizerJSON, file: file) } catch { throw error }
        try self.init(json: json, file: file, bosToken: nil, eosToken: nil)
    }

    convenience init(json: JSONValue, file: String, bosToken: String?, eosToken: String?) throws(TokenizerError) {
        guard json.members != nil else { throw TokenizerError(file: file, place: "", message: "expected a JSON object at the top level") }
        guard let modelJSON = json["model"] else { throw TokenizerError(file: file, place: "model", message: "missing") }
        let model = try BPEModel(modelJSON, file: file)
        let normalizer = try Normalizer.parse(json["normalizer"] ?? .null, file: file, place: "normalizer")
        var added: [AddedToken] = []
        for (i, item) in (json["added_tokens"]?.array ?? []).enumerated() {
            guard let id = item["id"]?.int, id >= 0, id < Int(Int32.max), let content = item["content"]?.string, !content.isEmpty else {
                throw TokenizerError(file: file, place: "added_tokens[\(i)]", message: "expected an id and a non-empty content")
            }
            added.append(AddedToken(id: Int32(id), content: content, special: item["special"]?.bool ?? false,
                                    lstrip: item["lstrip"]?.bool ?? false, rstrip: item["rstrip"]?.bool ?? false,
                                    normalized: item["normalized"]?.bool ?? !(item["special"]?.bool ?? false),
                                    singleWord: item["single_word"]?.bool ?? false))
        }
        // tokenizers gives an added token the id its content has in the vocabulary, else the
        // next free id, whatever the file says; a consistent file is unaffected.
        var assigned: [[UInt8]: Int32] = [:]
        var highest: Int32? = nil
        let vocabularyCount = Int32(model.vocabulary.count)
        for i in added.indices {
            let key = Array(added[i].content.utf8)
            let id: Int32
            if let known = assigned[key] ?? model.vocabulary[key] { id = known } else if let h = highest {
                id = (h >= vocabularyCount || vocabularyCount == 0) ? h + 1 : vocabularyCount
            } else { id = vocabularyCount }
            added[i].id = id
            assigned[key] = id
            highest = max(highest ?? id, id)
        }
        try self.init(model: model, normalizer: normalizer,
                      preTokenizer: try PreTokenizer.parse(json["pre_tokenizer"] ?? .null, file: file, place: "pre_tokenizer"),
                      postProcessor: try PostProcessor.parse(json["post_processor"] ?? .null, file: file, place: "post_processor"),
                      decoder: try Decoder.parse(json["decoder"] ?? .null, file: file, place: "decoder"),
                      addedTokens: added, bosToken: bosToken, eosToken: eosToken)
    }

    init(model: BPEModel, normalizer: Normalizer?, preTokenizer: PreTokenizer?, postProcessor: PostProcessor,
         decoder: Decoder?, addedTokens: [AddedToken], bosToken: String?, eosToken: String?) throws(TokenizerError) {
        self.model = model
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.postProcessor = postProcessor
        self.decoder = decoder
        self.addedTokens = addedTokens
        var byID: [Int32: AddedToken] = [:], byContent: [[UInt8]: Int32] = [:]
        for t in addedTokens { byID[t.id] = t; byContent[Array(t.content.utf8)] = t.id }
        addedByID = byID
        addedByContent = byContent
        let raw = addedTokens.filter { !$0.normalized }
        let normalized = addedTokens.filter { $0.normalized }
        rawMatcher = AddedTokenMatcher(raw, patterns: raw.map { Array($0.content.utf8) })
        normalizedMatcher = AddedTokenMatcher(normalized, patterns: normalized.map { t in
            let bytes = Array(t.content.utf8)
            return normalizer?.apply(bytes) ?? bytes
        })
        self.bosToken = bosToken
        self.eosToken = eosToken
    }

    /// A copy of this tokenizer that reports other BOS/EOS tokens (from tokenizer_config.json or GGUF).
    func withSpecialTokens(bos: String?, eos: String?) throws(TokenizerError) -> Tokenizer {
        try Tokenizer(model: model, normalizer: normalizer, preTokenizer: preTokenizer, postProcessor: postProcessor,
                      decoder: decoder, addedTokens: addedTokens, bosToken: bos, eosToken: eos)
    }

    public var vocabularySize: Int {
        max(model.tokens.count, (addedTokens.map { Int($0.id) }.max() ?? -1) + 1)
    }

    public var bosID: Int32? { bosToken.flatMap { id($0) } }
    /// The ids that end generation: the EOS token's.
    public var eosIDs: [Int32] { eosToken.flatMap { id($0) }.map { [$0] } ?? [] }

    /// The token string of an id (added tokens first, like tokenizers), or nil when unknown.
    public func token(_ id: Int32) -> String? {
        if let a = addedByID[id] { return a.content }
        guard id >= 0, Int(id) < model.tokens.count, !model.tokens[Int(id)].isEmpty else { return nil }
        return String(decoding: model.tokens[Int(id)], as: UTF8.self)
    }

    public func id(_ token: String) -> Int32? {
        let bytes = Array(token.utf8)
        return addedByContent[bytes] ?? model.vocabulary[bytes]
    }

    public func isSpecial(_ id: Int32) -> Bool { addedByID[id]?.special ?? false }

    /// The bytes an id stands for in decoded text (byte-level characters and "<0xXX>" tokens
    /// become their bytes, "▁" a space), for showing tokens one by one.
    public func bytes(of id: Int32) -> [UInt8] {
        if let a = addedByID[id] { return Array(a.content.utf8) }
        guard id >= 0, Int(id) < model.tokens.count else { return [] }
        let t = model.tokens[Int(id)]
        if let b = Decoder.fallbackByte(t), model.byteFallback { return [b] }
        if usesByteLevel, let b = ByteLevel.bytes(of: t) { return b }
        return replaceAll(t, Array("\u{2581}".utf8), [0x20])
    }

    private var usesByteLevel: Bool {
        func has(_ d: Decoder?) -> Bool {
            switch d {
            case .byteLevel?: return true
            case .sequence(let items)?: return items.contains { has($0) }
            default: return false
            }
        }
        return has(decoder)
    }

    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(text.utf8.count / 3 + 4)
        if addSpecialTokens, case .template(let prefix, _) = postProcessor { out.append(contentsOf: prefix) }
        var scratch = BPEScratch()
        var list = PieceList()
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { raw in
            let segments = rawMatcher.isEmpty ? [(token: Int?.none, start: 0, end: raw.count)] : rawMatcher.split(raw)
            for segment in segments {
                if let t = segment.token { out.append(rawMatcher.tokens[t].id); continue }
                let slice = UnsafeBufferPointer(rebasing: raw[segment.start..<segment.end])
                if let normalizer {
                    let normalized = normalizer.apply(Array(slice))
                    normalized.withUnsafeBufferPointer { encodeNormalized($0, atStart: segment.start == 0, &list, &scratch, &out) }
                } else {
                    encodeNormalized(slice, atStart: segment.start == 0, &list, &scratch, &out)
                }
            }
        }
        if addSpecialTokens, case .template(_, let suffix) = postProcessor { out.append(contentsOf: suffix) }
        return out
    }

    private func encodeNormalized(_ text: UnsafeBufferPointer<UInt8>, atStart: Bool, _ list: inout PieceList,
                                  _ scratch: inout BPEScratch, _ out: inout [Int32]) {
        let segments = normalizedMatcher.isEmpty ? [(token: Int?.none, start: 0, end: text.count)] : normalizedMatcher.split(text)
        for segment in segments {
            if let t = segment.token { out.append(normalizedMatcher.tokens[t].id); continue }
            list.reset()
            list.append(UnsafeBufferPointer(rebasing: text[segment.start..<segment.end]), atStart: atStart && segment.start == 0)
            preTokenizer?.apply(&list)
            list.storage.withUnsafeBufferPointer { storage in
                for piece in list.pieces {
                    model.tokenize(UnsafeBufferPointer(rebasing: storage[piece.start..<piece.end]), byteMapped: piece.byteMapped,
                                   scratch: &scratch, into: &out)
                }
            }
        }
    }

    public func decode(_ ids: [Int32], skipSpecialTokens: Bool = false) -> String {
        var tokens: [[UInt8]] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            if let a = addedByID[id] {
                if skipSpecialTokens && a.special { continue }
                tokens.append(Array(a.content.utf8))
            } else if id >= 0, Int(id) < model.tokens.count, !model.tokens[Int(id)].isEmpty {
                tokens.append(model.tokens[Int(id)])
            }
        }
        guard let decoder else {
            return tokens.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
        }
        return String(decoding: decoder.apply(tokens).flatMap { $0 }, as: UTF8.self)
    }
}
