import Foundation

/// jinja2's built-in filters, plus transformers' `tojson`.
extension Interpreter {
    static let filterNames: Set<String> = [
        "trim", "upper", "lower", "title", "capitalize", "length", "count", "tojson", "join", "replace", "default", "d",
        "first", "last", "items", "selectattr", "rejectattr", "select", "reject", "map", "list", "string", "int", "float",
        "abs", "round", "reverse", "sort", "unique", "safe", "escape", "e", "forceescape", "indent", "wordcount", "batch",
        "center", "min", "max", "sum", "dictsort", "format", "attr", "pprint", "striptags", "truncate",
        // Cellar's own, for prompt templates over data columns holding JSON text.
        "from_json",
    ]

    func applyFilter(_ name: String, _ value: Value, _ args: Arguments, _ scope: Scope, _ offset: Int) throws(LocatedError) -> Value {
        let (positional, keyword) = try evaluate(args, scope)
        return try callFilter(name, value, positional, keyword, at: offset)
    }

    func callFilter(_ name: String, _ value: Value, _ positional: [Value], _ keyword: [(String, Value)], at offset: Int) throws(LocatedError) -> Value {
        let bound = try bind(name, positional, keyword, at: offset)
        /// The argument named `key` (given by position or keyword), if given.
        func arg(_ index: Int, _ key: String) -> Value? { bound[key] }
        func text() -> String { PythonFormat.str(value) }
        func items() throws(LocatedError) -> [Value] { try iterate(value, at: offset) }
        func stringArg(_ index: Int, _ key: String) throws(LocatedError) -> String? {
            guard let v = arg(index, key) else { return nil }
            if case .none = v { return nil }
            guard case .string(let s) = v else { throw LocatedError(.runtime, "filter '\(name)': '\(key)' must be a string", at: offset) }
            return s
        }
        func attributeGetter(_ path: String?) -> (Value) throws(LocatedError) -> Value {
            guard let path else { return { v in v } }
            // jinja2's make_attrgetter: each dotted part looked up in turn; digits index.
            let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            return { [unowned self] v throws(LocatedError) in
                var cur = v
                for p in parts {
                    if let i = Int(p) { cur = try self.item(cur, .int(i), at: offset) }
                    else { cur = try self.item(cur, .string(p), at: offset) }
                }
                return cur
            }
        }
        func testSelector(_ argsFrom: Int) throws(LocatedError) -> (Value) throws(LocatedError) -> Bool {
            guard argsFrom < positional.count else { return { v in v.truthy } }
            guard case .string(let test) = positional[argsFrom] else {
                throw LocatedError(.runtime, "filter '\(name)': the test name must be a string", at: offset)
            }
            let rest = Array(positional[(argsFrom + 1)...])
            return { [unowned self] v throws(LocatedError) in try self.runTest(test, v, rest, [], at: offset) }
        }

        switch name {
        case "trim": return .string(StringBytes.strip(text(), try stringArg(0, "chars"), leading: true, trailing: true))
        case "upper": return .string(StringBytes.upper(text()))
        case "lower": return .string(StringBytes.lower(text()))
        case "capitalize": return .string(StringBytes.capitalize(text()))
        case "title": return .string(jinjaTitle(text()))
        case "length", "count":
            switch value {
            case .string(let s): return .int(s.unicodeScalars.count)
            case .list(let l), .tuple(let l): return .int(l.count)
            case .lazy(let l) where !l.kind.isGenerator: return .int(l.items.count)
            case .dict(let d): return .int(d.count)
            case .undefined: return .int(0)
            default: throw LocatedError(.runtime, "object of type '\(value.typeName)' has no len()", at: offset)
            }
        case "tojson":
            var indent: String?
            switch arg(0, "indent") {
            case .int(let n)?: indent = String(repeating: " ", count: max(0, n))
            case .string(let s)?: indent = s
            case .none?, nil: indent = nil
            default: throw LocatedError(.runtime, "tojson: indent must be an integer or a string", at: offset)
            }
            var separators: (String, String)?
            if let pair = arg(2, "separators")?.elements, pair.count == 2,
               case .string(let a) = pair[0], case .string(let b) = pair[1] { separators = (a, b) }
            let sortKeys = arg(3, "sort_keys")?.truthy ?? false
            let ascii = arg(0, "ensure_ascii")?.truthy ?? false
            return .string(try PythonJSON(indent: indent, separators: separators, sortKeys: sortKeys, ensureASCII: ascii).encode(value, at: offset))
        case "from_json":
            // Not a jinja2 filter: prompt templates read CSV columns that hold JSON-encoded lists.
            guard case .string(let json) = value else {
                throw LocatedError(.runtime, "from_json expects a string holding JSON, got \(value.typeName)", at: offset)
            }
            do { return Value(try JinjaValue(json: Data(json.utf8), file: "from_json")) } catch {
                throw LocatedError(.runtime, "from_json: not valid JSON (\(error.message) at column \(error.column))", at: offset)
            }
        case "join":
            let separator = try stringArg(0, "d") ?? ""
            let get = attributeGetter(try stringArg(1, "attribute"))
            var parts: [String] = []
            for item in try items() { parts.append(PythonFormat.str(try get(item))) }
            return .string(parts.joined(separator: separator))
        case "replace":
            guard let old = arg(0, "old"), let new = arg(1, "new") else { throw LocatedError(.runtime, "replace needs old and new", at: offset) }
            var count = -1
            if case .int(let c)? = arg(2, "count") { count = c }
            return .string(StringBytes.replace(text(), PythonFormat.str(old), PythonFormat.str(new), count: count))
        case "default", "d":
            let fallback = arg(0, "default_value") ?? .string("")
            let boolean = arg(1, "boolean")?.truthy ?? false
            return value.isUndefined || (boolean && !value.truthy) ? fallback : value
        case "first":
            if case .undefined = value { return value }
            return try items().first ?? .undefined(Undefined(hint: "No first item, sequence was empty."))
        case "last":
            if case .undefined = value { return value }
            if case .lazy(let l) = value, l.kind.isGenerator {
                throw LocatedError(.runtime, "'\(l.kind.rawValue)' object is not reversible", at: offset)
            }
            return try items().last ?? .undefined(Undefined(hint: "No last item, sequence was empty."))
        case "items":
            switch value {
            case .dict(let d): return .lazy(LazySequence(.generator, d.items.map { .tuple([$0.0, $0.1]) }))
            case .undefined: return .lazy(LazySequence(.generator, []))
            default: throw LocatedError(.runtime, "Can only get item pairs from a mapping.", at: offset)
            }
        case "selectattr", "rejectattr":
            guard case .string(let path)? = positional.first else { throw LocatedError(.runtime, "\(name) needs an attribute name", at: offset) }
            let get = attributeGetter(path)
            let test = try testSelector(1)
            var out: [Value] = []
            for item in try items() where try test(try get(item)) == (name == "selectattr") { out.append(item) }
            return .lazy(LazySequence(.generator, out))
        case "select", "reject":
            let test = try testSelector(0)
            var out: [Value] = []
            for item in try items() where try test(item) == (name == "select") { out.append(item) }
            return .lazy(LazySequence(.generator, out))
        case "map":
            var out: [Value] = []
            if let attribute = keyword.first(where: { $0.0 == "attribute" })?.1 {
                let get = attributeGetter(PythonFormat.str(attribute))
                let fallback = keyword.first { $0.0 == "default" }?.1
                for item in try items() {
                    let v = try get(item)
                    out.append(v.isUndefined ? fallback ?? v : v)
                }
                return .lazy(LazySequence(.generator, out))
            }
            guard case .string(let filter)? = positional.first else { throw LocatedError(.runtime, "map needs a filter name or attribute=", at: offset) }
            let rest = Array(positional.dropFirst())
            for item in try items() { out.append(try callFilter(filter, item, rest, keyword, at: offset)) }
            return .lazy(LazySequence(.generator, out))
        case "list": return .list(try items())
        case "string": return .string(text())
        case "int":
            let fallback = arg(0, "default") ?? .int(0)
            switch value {
            case .int, .bool: if case .int(let i)? = numeric(value).map({ n -> Value in if case .int(let i) = n { .int(i) } else { .none } }) { return .int(i) }
            case .double(let d): return d.isFinite && abs(d) < 9.2e18 ? .int(Int(d)) : fallback
            case .string(let s):
                let t = StringBytes.strip(s, nil, leading: true, trailing: true).replacingOccurrences(of: "_", with: "")
                var base = 10
                if case .int(let b)? = arg(1, "base") { base = b }
                if let i = Int(t, radix: base) { return .int(i) }
                if let d = Double(t), d.isFinite, abs(d) < 9.2e18 { return .int(Int(d)) }
                return fallback
            default: return fallback
            }
            return fallback
        case "float":
            let fallback = arg(0, "default") ?? .double(0)
            switch value {
            case .int(let i): return .double(Double(i))
            case .bool(let b): return .double(b ? 1 : 0)
            case .double: return value
            case .string(let s):
                let t = StringBytes.strip(s, nil, leading: true, trailing: true).lowercased()
                switch t {
                case "inf", "+inf", "infinity", "+infinity": return .double(.infinity)
                case "-inf", "-infinity": return .double(-.infinity)
                case "nan", "+nan", "-nan": return .double(.nan)
                default: return Double(t).map(Value.double) ?? fallback
                }
            default: return fallback
            }
        case "abs":
            switch numeric(value) {
            case .int(let i)?: return .int(i.magnitude > UInt(Int.max) ? i : abs(i))
            case .double(let d)?: return .double(abs(d))
            case nil: throw operandError("bad operand type for abs(): '\(value.typeName)'", value, at: offset)
            }
        case "round":
            var precision = 0
            if case .int(let p)? = arg(0, "precision") { precision = p }
            let method = try stringArg(1, "method") ?? "common"
            guard let n = numeric(value) else { throw operandError("round: '\(value.typeName)' is not a number", value, at: offset) }
            switch method {
            case "common":
                if case .int(let i) = n, precision >= 0 { return .int(i) }
                return .double(pythonRound(n.double, precision))
            case "ceil", "floor":
                let scale = Foundation.pow(10.0, Double(precision))
                let scaled = n.double * scale
                return .double((method == "ceil" ? scaled.rounded(.up) : scaled.rounded(.down)) / scale)
            default: throw LocatedError(.runtime, "method must be common, ceil or floor", at: offset)
            }
        case "reverse":
            if case .string(let s) = value { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            if case .list(let l) = value { return .lazy(LazySequence(.reversed, l.reversed())) }
            if case .tuple(let l) = value { return .lazy(LazySequence(.reversed, l.reversed())) }
            if case .lazy(let l) = value, !l.kind.isGenerator { return .lazy(LazySequence(.reversed, l.items.reversed())) }
            return .list(try items().reversed())
        case "sort", "unique", "min", "max":
            let caseSensitive = arg(1, "case_sensitive")?.truthy ?? false
            let get = attributeGetter(arg(2, "attribute").map { PythonFormat.str($0) })
            func key(_ v: Value) throws(LocatedError) -> Value {
                let k = try get(v)
                if !caseSensitive, case .string(let s) = k { return .string(StringBytes.lower(s)) }
                return k
            }
            let list = try items()
            if name == "unique" {
                var seen: [Value] = []
                var out: [Value] = []
                for item in list {
                    let k = try key(item)
                    if !seen.contains(where: { pyEqual($0, k) }) { seen.append(k); out.append(item) }
                }
                return .lazy(LazySequence(.generator, out))
            }
            var keyed: [(Value, Value)] = []
            for item in list { keyed.append((try key(item), item)) }
            var failure: LocatedError?
            // A stable sort, as Python's.
            let indexed = Array(keyed.enumerated())
            let sorted = indexed.sorted { a, b in
                do {
                    let c = try order(a.element.0, b.element.0, .lt, at: offset)
                    return c != 0 ? c < 0 : a.offset < b.offset
                } catch { failure = failure ?? (error as? LocatedError); return a.offset < b.offset }
            }.map(\.element.1)
            if let failure { throw failure }
            if name == "min" { return sorted.first ?? .undefined(Undefined(hint: "No aggregated item, sequence was empty.")) }
            if name == "max" {
                // max keeps the first of equal maxima.
                guard var best = keyed.first else { return .undefined(Undefined(hint: "No aggregated item, sequence was empty.")) }
                for k in keyed.dropFirst() where try order(k.0, best.0, .gt, at: offset) > 0 { best = k }
                return best.1
            }
            if let r = arg(0, "reverse"), numeric(r) == nil { throw operandError("'\(r.typeName)' object cannot be interpreted as an integer", r, at: offset) }
            let reverse = arg(0, "reverse")?.truthy ?? false
            if reverse {
                let desc = indexed.sorted { a, b in
                    let c = (try? order(a.element.0, b.element.0, .gt, at: offset)) ?? 0
                    return c != 0 ? c > 0 : a.offset < b.offset
                }.map(\.element.1)
                return .list(desc)
            }
            return .list(sorted)
        case "sum":
            let get = attributeGetter(try stringArg(0, "attribute"))
            var total = arg(1, "start") ?? .int(0)
            for item in try items() { total = try binary(.add, total, try get(item), at: offset) }
            return total
        case "safe", "escape", "e", "forceescape":
            if name == "safe" { return value }
            var out = ""
            for c in text().unicodeScalars {
                switch c {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&#34;"
                case "'": out += "&#39;"
                default: out.unicodeScalars.append(c)
                }
            }
            return .string(out)
        case "indent":
            var indentation = "    "
            switch arg(0, "width") {
            case .string(let s)?: indentation = s
            case let w?:
                guard case .int(let n)? = numeric(w) else { throw operandError("can't multiply sequence by non-int of type '\(w.typeName)'", w, at: offset) }
                indentation = String(repeating: " ", count: max(0, n))
            case nil: break
            }
            let first = arg(1, "first")?.truthy ?? false
            let blank = arg(2, "blank")?.truthy ?? false
            let lines = pythonSplitLines(text() + "\n")
            var result: String
            if blank { result = lines.joined(separator: "\n" + indentation) }
            else {
                result = lines.first ?? ""
                let rest = lines.dropFirst()
                if !rest.isEmpty { result += "\n" + rest.map { $0.isEmpty ? $0 : indentation + $0 }.joined(separator: "\n") }
            }
            return .string(first ? indentation + result : result)
        case "wordcount":
            // Runs of Python's \w: letters, digits and the underscore.
            var words = 0, inWord = false
            for u in text().unicodeScalars {
                let isWord = u == "_" || u.properties.isAlphabetic || u.properties.numericType != nil
                if isWord && !inWord { words += 1 }
                inWord = isWord
            }
            return .int(words)
        case "center":
            var width = 80
            if case .int(let w)? = arg(0, "width") { width = w }
            let s = text()
            let n = s.unicodeScalars.count
            guard width > n else { return .string(s) }
            let pad = width - n
            let left = pad / 2 + (pad & width & 1)
            return .string(String(repeating: " ", count: left) + s + String(repeating: " ", count: pad - left))
        case "batch":
            guard case .int(let size)? = arg(0, "linecount"), size > 0 else { throw LocatedError(.runtime, "batch needs a positive size", at: offset) }
            let fill = arg(1, "fill_with")
            var out: [Value] = []
            var row: [Value] = []
            for item in try items() {
                row.append(item)
                if row.count == size { out.append(.list(row)); row = [] }
            }
            if !row.isEmpty {
                if let fill { while row.count < size { row.append(fill) } }
                out.append(.list(row))
            }
            return .lazy(LazySequence(.generator, out))
        case "dictsort":
            guard case .dict(let d) = value else { throw LocatedError(.runtime, "dictsort needs a mapping", at: offset) }
            let caseSensitive = arg(0, "case_sensitive")?.truthy ?? false
            let byValue = (try stringArg(1, "by")) == "value"
            let reverse = arg(2, "reverse")?.truthy ?? false
            var pairs = d.items
            func k(_ p: (Value, Value)) -> Value {
                let v = byValue ? p.1 : p.0
                if !caseSensitive, case .string(let s) = v { return .string(StringBytes.lower(s)) }
                return v
            }
            var failure: LocatedError?
            pairs.sort { a, b in
                do { return try order(k(a), k(b), .lt, at: offset) * (reverse ? -1 : 1) < 0 }
                catch { failure = failure ?? (error as? LocatedError); return false }
            }
            if let failure { throw failure }
            return .list(pairs.map { .tuple([$0.0, $0.1]) })
        case "format":
            return try binary(.modulo, .string(text()), .tuple(positional), at: offset)
        case "attr":
            guard case .string(let a)? = positional.first else { throw LocatedError(.runtime, "attr needs a name", at: offset) }
            return try attribute(value, a, at: offset)
        case "pprint": return .string(PythonFormat.repr(value))
        case "striptags": return .string(StringBytes.split(text(), nil).joined(separator: " "))
        case "truncate":
            var length = 255
            if case .int(let l)? = arg(0, "length") { length = l }
            let killwords = arg(1, "killwords")?.truthy ?? false
            let end = try stringArg(2, "end") ?? "..."
            var leeway = 5
            if case .int(let l)? = arg(3, "leeway") { leeway = l }
            let scalars = Array(text().unicodeScalars)
            if scalars.count <= length + leeway { return .string(text()) }
            let cut = max(0, length - end.unicodeScalars.count)
            var head = String(String.UnicodeScalarView(scalars[..<min(cut, scalars.count)]))
            if !killwords, let space = head.unicodeScalars.lastIndex(of: " ") {
                head = String(head.unicodeScalars[..<space])
            }
            return .string(head + end)
        default:
            throw LocatedError(.runtime, "no filter named '\(name)' found", at: offset)
        }
    }

    /// Each filter's parameters after the value, as jinja2 (and transformers' tojson) declares
    /// them; nil = takes any arguments.
    static let signatures: [String: [String]] = [
        "trim": ["chars"], "upper": [], "lower": [], "title": [], "capitalize": [], "length": [], "count": [],
        "tojson": ["ensure_ascii", "indent", "separators", "sort_keys"], "join": ["d", "attribute"],
        "replace": ["old", "new", "count"], "default": ["default_value", "boolean"], "d": ["default_value", "boolean"],
        "first": [], "last": [], "items": [], "list": [], "string": [], "int": ["default", "base"], "float": ["default"],
        "abs": [], "round": ["precision", "method"], "reverse": [], "sort": ["reverse", "case_sensitive", "attribute"],
        "unique": ["case_sensitive", "attribute"], "min": ["case_sensitive", "attribute"], "max": ["case_sensitive", "attribute"],
        "sum": ["attribute", "start"], "safe": [], "escape": [], "e": [], "forceescape": [],
        "indent": ["width", "first", "blank"], "wordcount": [], "batch": ["linecount", "fill_with"], "center": ["width"],
        "dictsort": ["case_sensitive", "by", "reverse"], "attr": ["name"], "pprint": [], "striptags": [],
        "truncate": ["length", "killwords", "end", "leeway"],
    ]

    /// Arguments by parameter name; unknown keywords and extra positionals fail as in Python.
    private func bind(_ name: String, _ positional: [Value], _ keyword: [(String, Value)], at offset: Int) throws(LocatedError) -> [String: Value] {
        guard let parameters = Interpreter.signatures[name] else { return [:] }
        guard positional.count <= parameters.count else {
            throw LocatedError(.runtime, "filter '\(name)' takes at most \(parameters.count) argument(s), \(positional.count) given", at: offset)
        }
        var bound: [String: Value] = [:]
        for (p, v) in zip(parameters, positional) { bound[p] = v }
        for (k, v) in keyword {
            guard parameters.contains(k) else { throw LocatedError(.runtime, "filter '\(name)' got an unexpected keyword argument '\(k)'", at: offset) }
            guard bound[k] == nil else { throw LocatedError(.runtime, "filter '\(name)' got multiple values for argument '\(k)'", at: offset) }
            bound[k] = v
        }
        return bound
    }

    /// jinja2's `title` filter: capitalizes after `-`, whitespace and opening brackets.
    private func jinjaTitle(_ s: String) -> String {
        var out = ""
        var word = String.UnicodeScalarView()
        func flush() {
            guard let first = word.first else { return }
            out += String(first).uppercased()
            out += String(String.UnicodeScalarView(word.dropFirst())).lowercased()
            word = .init()
        }
        for u in s.unicodeScalars {
            if u == "-" || u == "(" || u == "{" || u == "[" || u == "<" || PythonFormat.isSpace(u) {
                flush(); out.unicodeScalars.append(u)
            } else { word.append(u) }
        }
        flush()
        return out
    }

    /// Python `round(x, n)` for floats: correctly rounded, ties to even.
    private func pythonRound(_ x: Double, _ n: Int) -> Double {
        guard x.isFinite else { return x }
        if n == 0 { return x.rounded(.toNearestOrEven) }
        guard n > 0, n < 300 else { return n > 0 ? x : (x / Foundation.pow(10, Double(-n))).rounded(.toNearestOrEven) * Foundation.pow(10, Double(-n)) }
        return Double(String(format: "%.\(n)f", x)) ?? x
    }

    /// Python `str.splitlines()`.
    private func pythonSplitLines(_ s: String) -> [String] {
        var lines: [String] = []
        var currentLine = String.UnicodeScalarView()
        var scalars = s.unicodeScalars[...]
        while let u = scalars.popFirst() {
            switch u.value {
            case 0x0A, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029:
                lines.append(String(currentLine)); currentLine = .init()
            case 0x0D:
                if scalars.first == "\n" { scalars.removeFirst() }
                lines.append(String(currentLine)); currentLine = .init()
            default: currentLine.append(u)
            }
        }
        if !currentLine.isEmpty { lines.append(String(currentLine)) }
        return lines
    }
}
