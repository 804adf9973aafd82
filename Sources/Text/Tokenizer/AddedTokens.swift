/// One entry of tokenizer.json "added_tokens".
public struct AddedToken: Sendable {
    public var id: Int32
    public var content: String
    public var special: Bool
    public var lstrip: Bool
    public var rstrip: Bool
    public var normalized: Bool
    public var singleWord: Bool
}

/// Finds added tokens in text before the model sees it: leftmost match first, longest among
/// those starting there (Aho-Corasick "leftmost longest"), over a byte trie.
struct AddedTokenMatcher: Sendable {
    private struct Node: Sendable { var children: [UInt8: Int32] = [:]; var token: Int32 = -1 }
    private var nodes: [Node] = [Node()]
    private var firstByte = [Bool](repeating: false, count: 256)
    /// Index into `tokens` of each terminal.
    let tokens: [AddedToken]

    var isEmpty: Bool { tokens.isEmpty }

    init(_ tokens: [AddedToken], patterns: [[UInt8]]) {
        self.tokens = tokens
        for (k, pattern) in patterns.enumerated() where !pattern.isEmpty {
            var n = 0
            for b in pattern {
                if let c = nodes[n].children[b] { n = Int(c) } else {
                    nodes.append(Node())
                    nodes[n].children[b] = Int32(nodes.count - 1)
                    n = nodes.count - 1
                }
            }
            if nodes[n].token < 0 { nodes[n].token = Int32(k) }
            firstByte[Int(pattern[0])] = true
        }
    }

    /// Splits `text` into (token index or nil, start, end), honouring single_word, lstrip and rstrip.
    func split(_ text: UnsafeBufferPointer<UInt8>) -> [(token: Int?, start: Int, end: Int)] {
        var out: [(token: Int?, start: Int, end: Int)] = []
        var startOffset = 0
        var i = 0
        let n = text.count
        while i < n {
            guard firstByte[Int(text[i])] else { i += 1; continue }
            var node = 0, j = i, best = -1, bestEnd = -1
            while j < n, let c = nodes[node].children[text[j]] {
                node = Int(c); j += 1
                if nodes[node].token >= 0 { best = Int(nodes[node].token); bestEnd = j }
            }
            guard best >= 0 else { i += 1; continue }
            let token = tokens[best]
            var start = i, stop = bestEnd
            i = bestEnd
            if token.singleWord {
                let startOK = start == 0 || !endsWithWordCharacter(text, start)
                let stopOK = stop == n || !startsWithWordCharacter(text, stop)
                if !startOK || !stopOK { continue }
            }
            if token.lstrip {
                var s = start
                while s > 0 {
                    var b = s - 1
                    while b > 0 && text[b] & 0xC0 == 0x80 { b -= 1 }
                    guard isRustWhitespace(decodeScalar(text, b).scalar) else { break }
                    s = b
                }
                start = max(s, startOffset)
            }
            if token.rstrip {
                while stop < n {
                    let (c, l) = decodeScalar(text, stop)
                    guard isRustWhitespace(c) else { break }
                    stop += l
                }
            }
            if start > startOffset { out.append((nil, startOffset, start)) }
            out.append((best, start, stop))
            startOffset = stop
        }
        if startOffset < n { out.append((nil, startOffset, n)) }
        return out
    }

    private func isWordCharacter(_ c: UInt32) -> Bool {
        c == 0x5F || UnicodeClasses.shared.classOf(c) & (UnicodeClasses.letter | UnicodeClasses.number) != 0
    }

    private func endsWithWordCharacter(_ text: UnsafeBufferPointer<UInt8>, _ end: Int) -> Bool {
        var b = end - 1
        while b > 0 && text[b] & 0xC0 == 0x80 { b -= 1 }
        return isWordCharacter(decodeScalar(text, b).scalar)
    }

    private func startsWithWordCharacter(_ text: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        isWordCharacter(decodeScalar(text, start).scalar)
    }
}
