import JSON

/// transformers' `tojson`: Python `json.dumps(x, ensure_ascii=False, indent=indent,
/// separators=separators, sort_keys=sort_keys)`, so keys keep insertion order and non-ASCII
/// text is written as is.
struct PythonJSON {
    var indent: String?
    var itemSeparator: String
    var keySeparator: String
    var sortKeys: Bool
    var ensureASCII: Bool

    init(indent: String?, separators: (String, String)?, sortKeys: Bool, ensureASCII: Bool) {
        self.indent = indent
        itemSeparator = separators?.0 ?? (indent == nil ? ", " : ",")
        keySeparator = separators?.1 ?? ": "
        self.sortKeys = sortKeys
        self.ensureASCII = ensureASCII
    }

    func encode(_ v: Value, at offset: Int) throws(LocatedError) -> String {
        var out = ""
        try write(v, level: 0, into: &out, at: offset)
        return out
    }

    private func write(_ v: Value, level: Int, into out: inout String, at offset: Int) throws(LocatedError) {
        guard level < 512 else { throw LocatedError(.limit, "tojson: value nested too deeply", at: offset) }
        switch v {
        case .none: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isNaN { out += "NaN" } else if d.isInfinite { out += d < 0 ? "-Infinity" : "Infinity" } else { out += PythonFormat.float(d) }
        case .string(let s): quote(s, into: &out)
        case .list(let items), .tuple(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += itemSeparator }
                newline(level + 1, &out)
                try write(item, level: level + 1, into: &out, at: offset)
            }
            newline(level, &out)
            out += "]"
        case .dict(let d): try writeObject(d.items, level: level, into: &out, at: offset)
        case .namespace(let ns): try writeObject(ns.attributes.items, level: level, into: &out, at: offset)
        case .undefined, .callable, .lazy:
            throw LocatedError(.runtime, "Object of type \(v.typeName) is not JSON serializable", at: offset)
        }
    }

    private func writeObject(_ pairs: [(Value, Value)], level: Int, into out: inout String, at offset: Int) throws(LocatedError) {
        if pairs.isEmpty { out += "{}"; return }
        var pairs = pairs
        if sortKeys {
            pairs.sort { a, b in
                if case .string(let x) = a.0, case .string(let y) = b.0 { return x.utf8.lexicographicallyPrecedes(y.utf8) }
                return false
            }
        }
        out += "{"
        for (i, (k, value)) in pairs.enumerated() {
            if i > 0 { out += itemSeparator }
            newline(level + 1, &out)
            // json.dumps turns non-string keys into strings.
            switch k {
            case .string(let s): quote(s, into: &out)
            case .none: out += "\"null\""
            case .bool(let b): out += b ? "\"true\"" : "\"false\""
            case .int(let n): out += "\"\(n)\""
            case .double(let d): out += "\"" + PythonFormat.float(d) + "\""
            default: throw LocatedError(.runtime, "keys must be str, int, float, bool or None, not \(k.typeName)", at: offset)
            }
            out += keySeparator
            try write(value, level: level + 1, into: &out, at: offset)
        }
        newline(level, &out)
        out += "}"
    }

    private func newline(_ level: Int, _ out: inout String) {
        guard let indent else { return }
        out += "\n"
        for _ in 0..<level { out += indent }
    }

    private func quote(_ s: String, into out: inout String) {
        JSONWriter.appendQuoted(s, to: &out, asciiOnly: ensureASCII)
    }
}
