/// tokenizer.json "post_processor": what encode adds around the ids when asked for special tokens.
enum PostProcessor: Sendable {
    /// Ids before and after the sequence (TemplateProcessing's "single", RobertaProcessing, BertProcessing).
    case template(prefix: [Int32], suffix: [Int32])
    /// ByteLevel only adjusts offsets, which we do not report.
    case none

    static func parse(_ json: JSONValue, file: String, place: String) throws(TokenizerError) -> PostProcessor {
        if json.isNull { return .none }
        func fail(_ m: String) -> TokenizerError { TokenizerError(file: file, place: place, message: m) }
        guard let type = json["type"]?.string else { throw fail("expected an object with a string \"type\"") }
        switch type {
        case "ByteLevel": return .none
        case "TemplateProcessing":
            guard let single = json["single"]?.array else { throw fail("TemplateProcessing needs a \"single\" array") }
            var prefix: [Int32] = [], suffix: [Int32] = []
            var seenSequence = false
            for (i, item) in single.enumerated() {
                if item["Sequence"] != nil { seenSequence = true; continue }
                guard let name = item["SpecialToken"]?["id"]?.string else { throw fail("single[\(i)]: expected Sequence or SpecialToken") }
                guard let ids = json["special_tokens"]?[name]?["ids"]?.array else {
                    throw fail("single[\(i)]: special token \"\(name)\" missing from special_tokens")
                }
                for v in ids {
                    guard let id = v.int else { throw fail("special_tokens.\(name).ids: expected integers") }
                    if seenSequence { suffix.append(Int32(id)) } else { prefix.append(Int32(id)) }
                }
            }
            return .template(prefix: prefix, suffix: suffix)
        case "RobertaProcessing", "BertProcessing":
            guard let cls = json["cls"]?.array, cls.count == 2, let c = cls[1].int,
                  let sep = json["sep"]?.array, sep.count == 2, let s = sep[1].int else {
                throw fail("\(type) needs \"cls\" and \"sep\" as [token, id]")
            }
            return .template(prefix: [Int32(c)], suffix: [Int32(s)])
        case "Sequence":
            var prefix: [Int32] = [], suffix: [Int32] = []
            for (i, p) in (json["processors"]?.array ?? []).enumerated() {
                if case .template(let a, let b) = try parse(p, file: file, place: "\(place).processors[\(i)]") {
                    prefix = a + prefix; suffix += b
                }
            }
            return .template(prefix: prefix, suffix: suffix)
        default: throw fail("unsupported post-processor type \"\(type)\"")
        }
    }
}
