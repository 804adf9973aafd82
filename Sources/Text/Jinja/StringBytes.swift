/// Python string operations done on UTF-8 bytes and code points: Swift's String compares
/// and searches by grapheme and canonical equivalence, Python by code point.
enum StringBytes {
    static func find(_ haystack: [UInt8], _ needle: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty else { return start <= haystack.count ? start : nil }
        guard haystack.count >= needle.count else { return nil }
        var i = start
        let first = needle[0]
        while i <= haystack.count - needle.count {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    static func string(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    static func replace(_ s: String, _ old: String, _ new: String, count: Int = -1) -> String {
        let h = Array(s.utf8), o = Array(old.utf8), n = Array(new.utf8)
        if o.isEmpty {
            // Python inserts `new` between every code point and at both ends.
            var out: [UInt8] = []
            var done = 0
            for scalar in s.unicodeScalars {
                if count < 0 || done < count { out += n; done += 1 }
                out += Array(String(scalar).utf8)
            }
            if count < 0 || done < count { out += n }
            return String(decoding: out, as: UTF8.self)
        }
        var out: [UInt8] = []
        var i = 0, done = 0
        while count < 0 || done < count, let j = find(h, o, from: i) {
            out += h[i..<j]; out += n; i = j + o.count; done += 1
        }
        out += h[i...]
        return String(decoding: out, as: UTF8.self)
    }

    static func count(_ s: String, _ sub: String) -> Int {
        let h = Array(s.utf8), n = Array(sub.utf8)
        if n.isEmpty { return s.unicodeScalars.count + 1 }
        var i = 0, c = 0
        while let j = find(h, n, from: i) { c += 1; i = j + n.count }
        return c
    }

    /// `str.split(sep, maxsplit)`; `sep == nil` splits on runs of whitespace.
    static func split(_ s: String, _ sep: String?, maxSplit: Int = -1) -> [String] {
        guard let sep else {
            var parts: [String] = []
            var currentPart = String.UnicodeScalarView()
            var inWord = false
            var scalars = s.unicodeScalars[...]
            while let u = scalars.first {
                if PythonFormat.isSpace(u) {
                    if inWord { parts.append(String(currentPart)); currentPart = .init(); inWord = false }
                    scalars.removeFirst()
                    if maxSplit >= 0 && parts.count >= maxSplit && !parts.isEmpty {
                        while let w = scalars.first, PythonFormat.isSpace(w) { scalars.removeFirst() }
                        if !scalars.isEmpty { parts.append(String(String.UnicodeScalarView(scalars))) }
                        return parts
                    }
                } else { currentPart.append(u); inWord = true; scalars.removeFirst() }
            }
            if inWord { parts.append(String(currentPart)) }
            return parts
        }
        let h = Array(s.utf8), n = Array(sep.utf8)
        var parts: [String] = []
        var i = 0
        while maxSplit < 0 || parts.count < maxSplit, let j = find(h, n, from: i) {
            parts.append(string(h[i..<j])); i = j + n.count
        }
        parts.append(string(h[i...]))
        return parts
    }

    static func rsplit(_ s: String, _ sep: String?, maxSplit: Int) -> [String] {
        guard maxSplit >= 0 else { return split(s, sep) }
        let all = split(s, sep)
        guard all.count > maxSplit + 1 else { return all }
        let keep = all.count - maxSplit
        let joiner = sep ?? " "
        return [all[..<keep].joined(separator: joiner)] + all[keep...]
    }

    /// `strip`/`lstrip`/`rstrip` with Python's whitespace, or the given characters.
    static func strip(_ s: String, _ chars: String?, leading: Bool, trailing: Bool) -> String {
        let set = chars.map { Set($0.unicodeScalars.map(\.value)) }
        func strippable(_ u: Unicode.Scalar) -> Bool { set.map { $0.contains(u.value) } ?? PythonFormat.isSpace(u) }
        var scalars = Substring(s).unicodeScalars
        if leading { while let f = scalars.first, strippable(f) { scalars.removeFirst() } }
        if trailing { while let l = scalars.last, strippable(l) { scalars.removeLast() } }
        return String(String.UnicodeScalarView(scalars))
    }

    static func hasPrefix(_ s: String, _ p: String) -> Bool { s.utf8.starts(with: p.utf8) }
    static func hasSuffix(_ s: String, _ p: String) -> Bool { s.utf8.reversed().starts(with: p.utf8.reversed()) }

    static func upper(_ s: String) -> String { s.uppercased() }
    static func lower(_ s: String) -> String { s.lowercased() }

    /// Python `str.title()`: a cased character after a cased character is lowered, else titled.
    static func pythonTitle(_ s: String) -> String {
        var out = ""
        var previousCased = false
        for u in s.unicodeScalars {
            let cased = u.properties.isCased || u.properties.isCaseIgnorable && previousCased && u.properties.isCased
            if previousCased { out += u.properties.lowercaseMapping } else { out += u.properties.titlecaseMapping }
            previousCased = cased
        }
        return out
    }

    /// Python `str.capitalize()`: first character titled, the rest lowered.
    static func capitalize(_ s: String) -> String {
        var out = ""
        for (i, u) in s.unicodeScalars.enumerated() {
            out += i == 0 ? u.properties.titlecaseMapping : u.properties.lowercaseMapping
        }
        return out
    }
}
