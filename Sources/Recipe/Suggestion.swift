/// "did you mean 'x'?" for near misses of a known name.
enum Suggestion {
    /// The closest candidate within a small edit distance (a case-only difference counts as 0),
    /// or nil when nothing is close enough to be a plausible typo.
    static func nearest(to name: String, in candidates: some Sequence<String>) -> String? {
        // Names far longer than any parameter are not typos of one; this also bounds the work.
        guard name.unicodeScalars.count <= 64 else { return nil }
        let allowed = name.count <= 3 ? 1 : 2
        var best: (name: String, distance: Int)?
        for c in candidates {
            let d = c.lowercased() == name.lowercased() ? 0 : distance(Array(name.unicodeScalars), Array(c.unicodeScalars))
            guard d <= allowed && d < c.unicodeScalars.count else { continue }
            if let b = best, b.distance <= d { continue }
            best = (c, d)
        }
        return best?.name
    }

    static func didYouMean(_ name: String, in candidates: some Sequence<String>) -> String {
        nearest(to: name, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    /// Damerau–Levenshtein distance (optimal string alignment: an adjacent swap costs 1).
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
