/// Methods templates call on values (`content.strip()`, `message.get('x')`, `d.items()`),
/// as in Python; methods that would mutate are refused, as in jinja2's immutable sandbox.
extension Interpreter {
    func method(of base: Value, _ name: String) -> Value? {
        switch base {
        case .string(let s): return stringMethod(s, name)
        case .dict(let d): return dictMethod(d, name)
        case .list(let l), .tuple(let l): return listMethod(l, name)
        default: return nil
        }
    }

    private func bound(_ name: String, _ body: @escaping ([Value], [(String, Value)], Int) throws(LocatedError) -> Value) -> Value {
        .callable(Callable(name, body))
    }

    private func unsafe(_ name: String, _ type: String) -> Value {
        bound(name) { _, _, offset throws(LocatedError) in
            throw LocatedError(.runtime, "access to attribute '\(name)' of '\(type)' object is unsafe", at: offset)
        }
    }

    private func stringMethod(_ s: String, _ name: String) -> Value? {
        func optionalString(_ args: [Value], _ i: Int, _ offset: Int) throws(LocatedError) -> String? {
            guard i < args.count else { return nil }
            switch args[i] {
            case .none: return nil
            case .string(let c): return c
            default: throw LocatedError(.runtime, "\(name) arg must be None or str", at: offset)
            }
        }
        switch name {
        case "strip", "lstrip", "rstrip":
            return bound(name) { args, _, offset throws(LocatedError) in
                .string(StringBytes.strip(s, try optionalString(args, 0, offset), leading: name != "rstrip", trailing: name != "lstrip"))
            }
        case "upper": return bound(name) { _, _, _ in .string(StringBytes.upper(s)) }
        case "lower": return bound(name) { _, _, _ in .string(StringBytes.lower(s)) }
        case "title": return bound(name) { _, _, _ in .string(StringBytes.pythonTitle(s)) }
        case "capitalize": return bound(name) { _, _, _ in .string(StringBytes.capitalize(s)) }
        case "startswith", "endswith":
            return bound(name) { args, _, offset throws(LocatedError) in
                let candidates: [Value]
                switch args.first {
                case .string?: candidates = [args[0]]
                case .list(let l)?, .tuple(let l)?: candidates = l
                default: throw LocatedError(.runtime, "\(name) first arg must be str or a tuple of str", at: offset)
                }
                for c in candidates {
                    guard case .string(let p) = c else { throw LocatedError(.runtime, "\(name) first arg must be str or a tuple of str", at: offset) }
                    if name == "startswith" ? StringBytes.hasPrefix(s, p) : StringBytes.hasSuffix(s, p) { return .bool(true) }
                }
                return .bool(false)
            }
        case "split", "rsplit":
            return bound(name) { args, kwargs, offset throws(LocatedError) in
                let sep = try optionalString(args, 0, offset) ?? kwargs.first { $0.0 == "sep" }.flatMap { if case .string(let x) = $0.1 { x } else { nil } }
                var maxSplit = -1
                if args.count > 1, case .int(let m) = args[1] { maxSplit = m }
                if let m = kwargs.first(where: { $0.0 == "maxsplit" }), case .int(let v) = m.1 { maxSplit = v }
                if sep == "" { throw LocatedError(.runtime, "empty separator", at: offset) }
                let parts = name == "split" ? StringBytes.split(s, sep, maxSplit: maxSplit) : StringBytes.rsplit(s, sep, maxSplit: maxSplit)
                return .list(parts.map(Value.string))
            }
        case "splitlines":
            return bound(name) { _, _, _ in
                var lines = StringBytes.split(StringBytes.replace(StringBytes.replace(s, "\r\n", "\n"), "\r", "\n"), "\n")
                if lines.last == "" { lines.removeLast() }
                return .list(lines.map(Value.string))
            }
        case "replace":
            return bound(name) { args, _, offset throws(LocatedError) in
                guard args.count >= 2, case .string(let old) = args[0], case .string(let new) = args[1] else {
                    throw LocatedError(.runtime, "replace() takes two str arguments", at: offset)
                }
                var count = -1
                if args.count > 2, case .int(let c) = args[2] { count = c }
                return .string(StringBytes.replace(s, old, new, count: count))
            }
        case "find", "rfind", "index", "rindex", "count":
            return bound(name) { args, _, offset throws(LocatedError) in
                guard case .string(let sub)? = args.first else { throw LocatedError(.runtime, "\(name)() must be given a str", at: offset) }
                if name == "count" { return .int(StringBytes.count(s, sub)) }
                let h = Array(s.utf8), n = Array(sub.utf8)
                var found: Int?
                if name.hasPrefix("r") {
                    var i = 0
                    while let j = StringBytes.find(h, n, from: i) { found = j; i = j + 1 }
                } else { found = StringBytes.find(h, n, from: 0) }
                guard let byteIndex = found else {
                    if name.hasSuffix("index") { throw LocatedError(.runtime, "substring not found", at: offset) }
                    return .int(-1)
                }
                return .int(StringBytes.string(h[..<byteIndex]).unicodeScalars.count)
            }
        case "join":
            return bound(name) { [unowned self] args, _, offset throws(LocatedError) in
                guard let first = args.first else { throw LocatedError(.runtime, "join() takes exactly one argument", at: offset) }
                var parts: [String] = []
                for item in try self.iterate(first, at: offset) {
                    guard case .string(let p) = item else {
                        throw LocatedError(.runtime, "sequence item \(parts.count): expected str instance, \(item.typeName) found", at: offset)
                    }
                    parts.append(p)
                }
                return .string(parts.joined(separator: s))
            }
        case "format":
            return bound(name) { args, kwargs, offset throws(LocatedError) in .string(try braceFormat(s, args, kwargs, at: offset)) }
        case "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower", "isnumeric", "isdecimal":
            return bound(name) { _, _, _ in
                let u = s.unicodeScalars
                guard !u.isEmpty else { return .bool(false) }
                switch name {
                case "isspace": return .bool(u.allSatisfy(PythonFormat.isSpace))
                case "isalpha": return .bool(u.allSatisfy { $0.properties.isAlphabetic })
                case "isalnum": return .bool(u.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
                case "isupper": return .bool(u.contains { $0.properties.isCased } && !u.contains { $0.properties.isLowercase })
                case "islower": return .bool(u.contains { $0.properties.isCased } && !u.contains { $0.properties.isUppercase })
                case "isnumeric": return .bool(u.allSatisfy { $0.properties.numericType != nil })
                default: return .bool(u.allSatisfy { $0.properties.numericType == .decimal || ($0.properties.numericType == .digit && name == "isdigit") })
                }
            }
        default: return nil
        }
    }

    private func dictMethod(_ d: ValueDict, _ name: String) -> Value? {
        switch name {
        case "items": return bound(name) { _, _, _ in .lazy(LazySequence(.items, d.items.map { .tuple([$0.0, $0.1]) })) }
        case "keys": return bound(name) { _, _, _ in .lazy(LazySequence(.keys, d.keys)) }
        case "values": return bound(name) { _, _, _ in .lazy(LazySequence(.values, d.values)) }
        case "get":
            return bound(name) { args, _, offset throws(LocatedError) in
                guard let key = args.first else { throw LocatedError(.runtime, "get expected at least 1 argument, got 0", at: offset) }
                return d[key] ?? (args.count > 1 ? args[1] : .none)
            }
        case "copy": return bound(name) { _, _, _ in .dict(d) }
        case "pop", "popitem", "update", "setdefault", "clear": return unsafe(name, "dict")
        default: return nil
        }
    }

    private func listMethod(_ l: [Value], _ name: String) -> Value? {
        switch name {
        case "index":
            return bound(name) { args, _, offset throws(LocatedError) in
                guard let x = args.first, let i = l.firstIndex(where: { pyEqual($0, x) }) else {
                    throw LocatedError(.runtime, "value is not in list", at: offset)
                }
                return .int(i)
            }
        case "count":
            return bound(name) { args, _, _ in .int(args.first.map { x in l.filter { pyEqual($0, x) }.count } ?? 0) }
        case "copy": return bound(name) { _, _, _ in .list(l) }
        case "append", "extend", "insert", "pop", "remove", "sort", "reverse", "clear": return unsafe(name, "list")
        default: return nil
        }
    }
}

/// `"{} {name} {0}".format(...)`: positional, numbered and named fields, `{{`/`}}` escapes.
func braceFormat(_ format: String, _ args: [Value], _ kwargs: [(String, Value)], at offset: Int) throws(LocatedError) -> String {
    var out = ""
    var scalars = Array(format.unicodeScalars)[...]
    var automatic = 0
    while let c = scalars.popFirst() {
        if c == "{" {
            if scalars.first == "{" { scalars.removeFirst(); out += "{"; continue }
            var field = ""
            while let n = scalars.popFirst(), n != "}" { field.unicodeScalars.append(n) }
            let key = field.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            let value: Value
            if key.isEmpty {
                guard automatic < args.count else { throw LocatedError(.runtime, "Replacement index \(automatic) out of range for positional args tuple", at: offset) }
                value = args[automatic]; automatic += 1
            } else if let i = Int(key) {
                guard i < args.count else { throw LocatedError(.runtime, "Replacement index \(i) out of range for positional args tuple", at: offset) }
                value = args[i]
            } else {
                guard let v = kwargs.first(where: { $0.0 == key })?.1 else { throw LocatedError(.runtime, "KeyError: '\(key)'", at: offset) }
                value = v
            }
            out += PythonFormat.str(value)
        } else if c == "}" {
            guard scalars.first == "}" else { throw LocatedError(.runtime, "Single '}' encountered in format string", at: offset) }
            scalars.removeFirst()
            out += "}"
        } else { out.unicodeScalars.append(c) }
    }
    return out
}
