/// tokenizer.json "pre_tokenizer": splits (and for Metaspace, rewrites) each stretch of
/// normalized text into the words the model tokenizes one by one.
indirect enum PreTokenizer: Sendable {
    enum PrependScheme: String, Sendable { case always, first, never }

    case sequence([PreTokenizer])
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case split(pattern: SplitPattern, behavior: SplitBehavior, invert: Bool)
    case digits(individual: Bool)
    case punctuation(SplitBehavior)
    case metaspace(replacement: [UInt8], scheme: PrependScheme, split: Bool)
    case whitespaceSplit

    static func parse(_ json: JSONValue, file: String, place: String) throws(TokenizerError) -> PreTokenizer? {
        if json.isNull { return nil }
        func fail(_ m: String) -> TokenizerError { TokenizerError(file: file, place: place, message: m) }
        guard let type = json["type"]?.string else { throw fail("expected an object with a string \"type\"") }
        func behavior(_ key: String = "behavior", default d: SplitBehavior) throws(TokenizerError) -> SplitBehavior {
            guard let v = json[key] else { return d }
            guard let s = v.string, let b = SplitBehavior(rawValue: s) else { throw fail("unknown split behavior \(JSONWriter.serialize(v))") }
            return b
        }
        switch type {
        case "Sequence":
            guard let items = json["pretokenizers"]?.array else { throw fail("Sequence pre-tokenizer needs a \"pretokenizers\" array") }
            var out: [PreTokenizer] = []
            for (i, item) in items.enumerated() {
                if let p = try parse(item, file: file, place: "\(place).pretokenizers[\(i)]") { out.append(p) }
            }
            return .sequence(out)
        case "ByteLevel":
            return .byteLevel(addPrefixSpace: json["add_prefix_space"]?.bool ?? true, useRegex: json["use_regex"]?.bool ?? true)
        case "Split":
            let pattern: SplitPattern
            if let r = json["pattern"]?["Regex"]?.string {
                guard let p = SplitPattern(regex: r) else { throw fail("Split pre-tokenizer: no scanner for the regex \(JSONWriter.quoted(r))") }
                pattern = p
            } else if let s = json["pattern"]?["String"]?.string {
                pattern = .literal(Array(s.utf8))
            } else { throw fail("Split pre-tokenizer needs a pattern {\"Regex\": ...} or {\"String\": ...}") }
            return .split(pattern: pattern, behavior: try behavior(default: .isolated), invert: json["invert"]?.bool ?? false)
        case "Digits":
            return .digits(individual: json["individual_digits"]?.bool ?? false)
        case "Punctuation":
            return .punctuation(try behavior(default: .isolated))
        case "Metaspace":
            let replacement = json["replacement"]?.string ?? "\u{2581}"
            let scheme: PrependScheme
            if let s = json["prepend_scheme"]?.string {
                guard let p = PrependScheme(rawValue: s) else { throw fail("unknown Metaspace prepend_scheme \"\(s)\"") }
                scheme = p
            } else {
                scheme = (json["add_prefix_space"]?.bool ?? true) ? .always : .never
            }
            return .metaspace(replacement: Array(replacement.utf8), scheme: scheme, split: json["split"]?.bool ?? true)
        case "WhitespaceSplit":
            return .whitespaceSplit
        default:
            throw fail("unsupported pre-tokenizer type \"\(type)\"")
        }
    }

    func apply(_ list: inout PieceList) {
        if case .sequence(let items) = self {
            for item in items { item.apply(&list) }
            return
        }
        var out: [PieceList.Piece] = []
        out.reserveCapacity(list.pieces.count * 2)
        var ranges: [(Int, Int)] = []
        var segments: [(start: Int, end: Int, isMatch: Bool)] = []
        for index in list.pieces.indices {
            if case .byteLevel = self {} else { list.materializeByteMapping(index) }
            let piece = list.pieces[index]
            ranges.removeAll(keepingCapacity: true)
            var mapped = false
            var source = piece
            switch self {
            case .sequence: break
            case .byteLevel(let addPrefixSpace, let useRegex):
                if addPrefixSpace && list.storage[piece.start] != 0x20 {
                    let s = list.storage.count
                    let content = Array(list.storage[piece.start..<piece.end])
                    list.storage.append(0x20)
                    list.storage.append(contentsOf: content)
                    source = PieceList.Piece(start: s, end: list.storage.count, atStart: piece.atStart, byteMapped: false)
                }
                if useRegex {
                    list.storage.withUnsafeBufferPointer { all in
                        let p = UnsafeBufferPointer(rebasing: all[source.start..<source.end])
                        SplitPattern.gpt2.matches(p, into: &ranges)
                    }
                } else { ranges.append((0, source.end - source.start)) }
                mapped = true
            case .split(let pattern, let behavior, let invert):
                var matches: [(Int, Int)] = []
                list.storage.withUnsafeBufferPointer { all in
                    pattern.matches(UnsafeBufferPointer(rebasing: all[piece.start..<piece.end]), into: &matches)
                }
                segments.removeAll(keepingCapacity: true)
                var at = 0
                for (s, e) in matches {
                    if s > at { segments.append((at, s, invert)) }
                    segments.append((s, e, !invert))
                    at = e
                }
                if at < piece.end - piece.start { segments.append((at, piece.end - piece.start, invert)) }
                behavior.apply(segments, into: &ranges)
            case .digits(let individual):
                characterSegments(list.storage, piece, &segments) { UnicodeClasses.shared.classOf($0) & UnicodeClasses.number != 0 }
                (individual ? SplitBehavior.isolated : .contiguous).apply(segments, into: &ranges)
            case .punctuation(let behavior):
                characterSegments(list.storage, piece, &segments) { UnicodeClasses.shared.classOf($0) & UnicodeClasses.punctuation != 0 }
                behavior.apply(segments, into: &ranges)
            case .whitespaceSplit:
                characterSegments(list.storage, piece, &segments) { isRustWhitespace($0) }
                SplitBehavior.removed.apply(segments, into: &ranges)
            case .metaspace(let replacement, let scheme, let split):
                let s = list.storage.count
                var content = replaceAll(Array(list.storage[piece.start..<piece.end]), [0x20], replacement)
                let startsWithReplacement = content.starts(with: replacement)
                if !startsWithReplacement && (scheme == .always || (scheme == .first && piece.atStart)) {
                    content = replacement + content
                }
                list.storage.append(contentsOf: content)
                source = PieceList.Piece(start: s, end: list.storage.count, atStart: piece.atStart, byteMapped: false)
                if split {
                    var matches: [(Int, Int)] = []
                    content.withUnsafeBufferPointer { SplitPattern.literal(replacement).matches($0, into: &matches) }
                    segments.removeAll(keepingCapacity: true)
                    var at = 0
                    for (ms, me) in matches {
                        if ms > at { segments.append((at, ms, false)) }
                        segments.append((ms, me, true)); at = me
                    }
                    if at < content.count { segments.append((at, content.count, false)) }
                    SplitBehavior.mergedWithNext.apply(segments, into: &ranges)
                } else { ranges.append((0, content.count)) }
            }
            for (s, e) in ranges where e > s {
                out.append(PieceList.Piece(start: source.start + s, end: source.start + e,
                                           atStart: source.atStart && s == 0, byteMapped: mapped))
            }
        }
        list.pieces = out
    }

    /// Each character satisfying `matches` is its own match segment; the runs between are not.
    private func characterSegments(_ storage: [UInt8], _ piece: PieceList.Piece,
                                   _ segments: inout [(start: Int, end: Int, isMatch: Bool)],
                                   _ matches: (UInt32) -> Bool) {
        segments.removeAll(keepingCapacity: true)
        storage.withUnsafeBufferPointer { all in
            let p = UnsafeBufferPointer(rebasing: all[piece.start..<piece.end])
            var i = 0, runStart = 0
            while i < p.count {
                let (c, l) = decodeScalar(p, i)
                if matches(c) {
                    if i > runStart { segments.append((runStart, i, false)) }
                    segments.append((i, i + l, true))
                    runStart = i + l
                }
                i += l
            }
            if p.count > runStart { segments.append((runStart, p.count, false)) }
        }
    }
}
