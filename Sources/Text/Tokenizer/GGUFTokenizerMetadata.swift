import Foundation
import Tensors

/// The `tokenizer.ggml.*` metadata of a GGUF file as plain values, and its translation into the
/// tokenizer.json + tokenizer_config.json that Hugging Face's libraries load.
public struct GGUFTokenizerMetadata: Sendable {
    /// "gpt2" (byte-level BPE) or "llama" (SentencePiece-style BPE; needs merges).
    public var model: String
    /// The pre-tokenizer name llama.cpp uses ("smollm", "gpt-2", "llama-bpe", "qwen2", "falcon", "default"...).
    public var pre: String?
    public var tokens: [String]
    public var merges: [String]
    /// llama.cpp token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
    public var tokenTypes: [Int]
    public var bosID: Int?
    public var eosID: Int?
    public var unknownID: Int?
    public var paddingID: Int?
    public var addBOS: Bool?
    public var addEOS: Bool?
    public var addSpacePrefix: Bool?
    public var chatTemplate: String?
    /// Names the source in errors.
    public var file: String

    public init(model: String, pre: String?, tokens: [String], merges: [String], tokenTypes: [Int],
                bosID: Int? = nil, eosID: Int? = nil, unknownID: Int? = nil, paddingID: Int? = nil,
                addBOS: Bool? = nil, addEOS: Bool? = nil, addSpacePrefix: Bool? = nil, chatTemplate: String? = nil,
                file: String = "<gguf>") {
        self.model = model; self.pre = pre; self.tokens = tokens; self.merges = merges; self.tokenTypes = tokenTypes
        self.bosID = bosID; self.eosID = eosID; self.unknownID = unknownID; self.paddingID = paddingID
        self.addBOS = addBOS; self.addEOS = addEOS; self.addSpacePrefix = addSpacePrefix
        self.chatTemplate = chatTemplate; self.file = file
    }

    /// Reads the metadata of an opened GGUF file.
    public init(gguf: GGUFFile) throws(TokenizerError) {
        let file = gguf.url.path
        func fail(_ key: String, _ m: String) -> TokenizerError { TokenizerError(file: file, place: key, message: m) }
        guard let model = gguf.value("tokenizer.ggml.model")?.string else { throw fail("tokenizer.ggml.model", "missing (no tokenizer in this GGUF)") }
        guard let tokens = gguf.value("tokenizer.ggml.tokens")?.strings else { throw fail("tokenizer.ggml.tokens", "expected an array of strings") }
        let merges: [String]
        if let m = gguf.value("tokenizer.ggml.merges") {
            guard let s = m.strings else { throw fail("tokenizer.ggml.merges", "expected an array of strings") }
            merges = s
        } else { merges = [] }
        let types: [Int]
        if let t = gguf.value("tokenizer.ggml.token_type") {
            guard let i = t.ints else { throw fail("tokenizer.ggml.token_type", "expected an array of integers") }
            types = i
        } else { types = [] }
        self.init(model: model, pre: gguf.value("tokenizer.ggml.pre")?.string, tokens: tokens, merges: merges, tokenTypes: types,
                  bosID: gguf.value("tokenizer.ggml.bos_token_id")?.int, eosID: gguf.value("tokenizer.ggml.eos_token_id")?.int,
                  unknownID: gguf.value("tokenizer.ggml.unknown_token_id")?.int,
                  paddingID: gguf.value("tokenizer.ggml.padding_token_id")?.int,
                  addBOS: gguf.value("tokenizer.ggml.add_bos_token")?.bool, addEOS: gguf.value("tokenizer.ggml.add_eos_token")?.bool,
                  addSpacePrefix: gguf.value("tokenizer.ggml.add_space_prefix")?.bool,
                  chatTemplate: gguf.value("tokenizer.chat_template")?.string, file: file)
    }

    private func fail(_ key: String, _ m: String) -> TokenizerError { TokenizerError(file: file, place: key, message: m) }

    private func tokenName(_ id: Int?, _ key: String) throws(TokenizerError) -> String? {
        guard let id else { return nil }
        guard id >= 0 && id < tokens.count else { throw fail(key, "token id \(id) is outside the vocabulary of \(tokens.count)") }
        return tokens[id]
    }

    public var bosToken: String? { (try? tokenName(bosID, "tokenizer.ggml.bos_token_id")) ?? nil }
    public var eosToken: String? { (try? tokenName(eosID, "tokenizer.ggml.eos_token_id")) ?? nil }

    /// llama.cpp adds BOS by default for SentencePiece vocabularies, not for byte-level ones.
    public var addsBOS: Bool { addBOS ?? (model == "llama") }
    public var addsEOS: Bool { addEOS ?? false }

    /// The Hugging Face pre-tokenizer that matches llama.cpp's split for each `pre` name.
    private func byteLevelPreTokenizer() throws(TokenizerError) -> JSONValue {
        func byteLevel(_ useRegex: Bool) -> JSONValue {
            .object([("type", .string("ByteLevel")), ("add_prefix_space", .bool(false)), ("trim_offsets", .bool(true)), ("use_regex", .bool(useRegex))])
        }
        func split(_ regex: String) -> JSONValue {
            .object([("type", .string("Split")), ("pattern", .object([("Regex", .string(regex))])),
                     ("behavior", .string("Isolated")), ("invert", .bool(false))])
        }
        func sequence(_ items: [JSONValue]) -> JSONValue { .object([("type", .string("Sequence")), ("pretokenizers", .array(items))]) }
        switch pre ?? "default" {
        case "default", "gpt-2", "gpt2": return byteLevel(true)
        case "smollm": return sequence([.object([("type", .string("Digits")), ("individual_digits", .bool(true))]), byteLevel(true)])
        case "llama-bpe", "llama3", "llama-v3": return sequence([split(SplitPattern.llama3Regex), byteLevel(false)])
        case "qwen2": return sequence([split(SplitPattern.qwen2Regex), byteLevel(false)])
        case "falcon":
            return sequence([.object([("type", .string("Punctuation")), ("behavior", .string("Contiguous"))]), byteLevel(true),
                             .object([("type", .string("Digits")), ("individual_digits", .bool(false))]), split("[0-9][0-9][0-9]")])
        case let other: throw fail("tokenizer.ggml.pre", "no Hugging Face equivalent known for pre-tokenizer \"\(other)\"")
        }
    }

    /// tokenizer.json for this vocabulary.
    public func tokenizerJSON() throws(TokenizerError) -> JSONValue {
        guard !tokens.isEmpty else { throw fail("tokenizer.ggml.tokens", "empty vocabulary") }
        guard tokenTypes.isEmpty || tokenTypes.count == tokens.count else {
            throw fail("tokenizer.ggml.token_type", "has \(tokenTypes.count) entries for \(tokens.count) tokens")
        }
        var vocab: [(key: String, value: JSONValue)] = []
        vocab.reserveCapacity(tokens.count)
        var seen = Set<[UInt8]>()
        for (i, t) in tokens.enumerated() {
            // Duplicate strings cannot be keys of the vocabulary; the first id wins, like llama.cpp's text → id map.
            if seen.insert(Array(t.utf8)).inserted { vocab.append((t, .int(i))) }
        }
        var mergePairs: [JSONValue] = []
        mergePairs.reserveCapacity(merges.count)
        for (i, m) in merges.enumerated() {
            let parts = m.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw fail("tokenizer.ggml.merges[\(i)]", "expected \"left right\", got \(JSONWriter.quoted(m))") }
            mergePairs.append(.array([.string(String(parts[0])), .string(String(parts[1]))]))
        }
        var added: [JSONValue] = []
        for (i, type) in tokenTypes.enumerated() where type == 3 || type == 4 {
            added.append(.object([("id", .int(i)), ("content", .string(tokens[i])), ("single_word", .bool(false)),
                                  ("lstrip", .bool(false)), ("rstrip", .bool(false)), ("normalized", .bool(false)),
                                  ("special", .bool(type == 3))]))
        }
        let bos = try tokenName(bosID, "tokenizer.ggml.bos_token_id")
        let eos = try tokenName(eosID, "tokenizer.ggml.eos_token_id")
        var single: [JSONValue] = [], pair: [JSONValue] = []
        var specials: [(key: String, value: JSONValue)] = []
        func special(_ name: String, _ id: Int, _ typeID: Int) -> JSONValue {
            if !specials.contains(where: { $0.key == name }) {
                specials.append((name, .object([("id", .string(name)), ("ids", .array([.int(id)])), ("tokens", .array([.string(name)]))])))
            }
            return .object([("SpecialToken", .object([("id", .string(name)), ("type_id", .int(typeID))]))])
        }
        func sequence(_ name: String, _ typeID: Int) -> JSONValue {
            .object([("Sequence", .object([("id", .string(name)), ("type_id", .int(typeID))]))])
        }
        if addsBOS, let bos, let id = bosID { single.append(special(bos, id, 0)); pair.append(special(bos, id, 0)) }
        single.append(sequence("A", 0)); pair.append(sequence("A", 0))
        if addsEOS, let eos, let id = eosID { single.append(special(eos, id, 0)); pair.append(special(eos, id, 0)) }
        if addsBOS, let bos, let id = bosID { pair.append(special(bos, id, 1)) }
        pair.append(sequence("B", 1))
        if addsEOS, let eos, let id = eosID { pair.append(special(eos, id, 1)) }
        let postProcessor: JSONValue = (addsBOS || addsEOS)
            ? .object([("type", .string("TemplateProcessing")), ("single", .array(single)), ("pair", .array(pair)), ("special_tokens", .object(specials))])
            : .null

        let preTokenizer: JSONValue, decoder: JSONValue
        var modelJSON: [(key: String, value: JSONValue)] = [("type", .string("BPE")), ("dropout", .null)]
        switch model {
        case "gpt2":
            preTokenizer = try byteLevelPreTokenizer()
            decoder = .object([("type", .string("ByteLevel")), ("add_prefix_space", .bool(true)), ("trim_offsets", .bool(true)), ("use_regex", .bool(true))])
            modelJSON += [("unk_token", .null), ("continuing_subword_prefix", .null), ("end_of_word_suffix", .null),
                          ("fuse_unk", .bool(false)), ("byte_fallback", .bool(false)), ("ignore_merges", .bool(pre == "llama-bpe" || pre == "llama3"))]
        case "llama":
            guard !merges.isEmpty else { throw fail("tokenizer.ggml.merges", "SentencePiece vocabularies without merges (score-based) are not supported") }
            let prefix = addSpacePrefix ?? true
            preTokenizer = .object([("type", .string("Metaspace")), ("replacement", .string("\u{2581}")),
                                    ("prepend_scheme", .string(prefix ? "first" : "never")), ("split", .bool(false))])
            var steps: [JSONValue] = [
                .object([("type", .string("Replace")), ("pattern", .object([("String", .string("\u{2581}"))])), ("content", .string(" "))]),
                .object([("type", .string("ByteFallback"))]), .object([("type", .string("Fuse"))]),
            ]
            if prefix { steps.append(.object([("type", .string("Strip")), ("content", .string(" ")), ("start", .integer(1)), ("stop", .integer(0))])) }
            decoder = .object([("type", .string("Sequence")), ("decoders", .array(steps))])
            let unk = try tokenName(unknownID, "tokenizer.ggml.unknown_token_id")
            modelJSON += [("unk_token", unk.map { .string($0) } ?? .null), ("continuing_subword_prefix", .null), ("end_of_word_suffix", .null),
                          ("fuse_unk", .bool(true)), ("byte_fallback", .bool(true)), ("ignore_merges", .bool(false))]
        default:
            throw fail("tokenizer.ggml.model", "unsupported tokenizer model \"\(model)\" (expected gpt2 or llama)")
        }
        modelJSON += [("vocab", .object(vocab)), ("merges", .array(mergePairs))]
        return .object([
            ("version", .string("1.0")), ("truncation", .null), ("padding", .null), ("added_tokens", .array(added)),
            ("normalizer", .null), ("pre_tokenizer", preTokenizer), ("post_processor", postProcessor), ("decoder", decoder),
            ("model", .object(modelJSON)),
        ])
    }

    /// tokenizer_config.json: chat template, special tokens and whether BOS/EOS are added.
    public func tokenizerConfigJSON() -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("add_bos_token", .bool(addsBOS)), ("add_eos_token", .bool(addsEOS)),
        ]
        if let b = bosToken { members.append(("bos_token", .string(b))) }
        if let e = eosToken { members.append(("eos_token", .string(e))) }
        if let u = (try? tokenName(unknownID, "")) ?? nil { members.append(("unk_token", .string(u))) }
        if let p = (try? tokenName(paddingID, "")) ?? nil { members.append(("pad_token", .string(p))) }
        if let t = chatTemplate { members.append(("chat_template", .string(t))) }
        members.append(("clean_up_tokenization_spaces", .bool(false)))
        members.append(("tokenizer_class", .string("PreTrainedTokenizerFast")))
        return .object(members)
    }

    /// Writes tokenizer.json and tokenizer_config.json into `directory` (each atomically).
    public func writeHuggingFaceFiles(to directory: URL) throws {
        let tokenizer = JSONWriter.serialize(try tokenizerJSON(), indent: 2)
        let config = JSONWriter.serialize(tokenizerConfigJSON(), indent: 2)
        try DurableFile.write(Data(tokenizer.utf8), to: directory.appendingPathComponent("tokenizer.json"))
        try DurableFile.write(Data(config.utf8), to: directory.appendingPathComponent("tokenizer_config.json"))
    }
}

extension Tokenizer {
    /// The tokenizer a GGUF file describes (the same one its written tokenizer.json loads as).
    public convenience init(gguf metadata: GGUFTokenizerMetadata) throws {
        let json = try metadata.tokenizerJSON()
        try self.init(json: json, file: metadata.file, bosToken: metadata.bosToken, eosToken: metadata.eosToken)
    }
}
