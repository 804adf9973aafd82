/// Expression evaluation with jinja2's lookup rules and Python's semantics.
extension Interpreter {
    func evaluate(_ e: Expr, _ scope: Scope) throws(LocatedError) -> Value {
        switch e {
        case .literal(let v): return v
        case .name(let n, let offset):
            if let v = scope.lookup(n) { return v }
            if strictUndefined { throw LocatedError(.runtime, "'\(n)' is undefined", at: offset) }
            return .undefined(Undefined(hint: "'\(n)' is undefined"))
        case .list(let items):
            var out: [Value] = []
            for i in items { out.append(try evaluate(i, scope)) }
            return .list(out)
        case .tuple(let items):
            var out: [Value] = []
            for i in items { out.append(try evaluate(i, scope)) }
            return .tuple(out)
        case .dict(let pairs):
            var d = ValueDict()
            for (k, v) in pairs {
                let key = try evaluate(k, scope)
                guard key.isHashable else { throw LocatedError(.runtime, "unhashable type: '\(key.typeName)'", at: k.offset) }
                d[key] = try evaluate(v, scope)
            }
            return .dict(d)
        case .attribute(let base, let name, let offset):
            return try attribute(try evaluate(base, scope), name, at: offset)
        case .item(let base, let index, let offset):
            return try item(try evaluate(base, scope), try evaluate(index, scope), at: offset)
        case .slice(let base, let start, let stop, let step, let offset):
            let b = try evaluate(base, scope)
            func bound(_ x: Expr?) throws(LocatedError) -> Int? {
                guard let x else { return nil }
                let v = try evaluate(x, scope)
                if case .none = v { return nil }
                switch v {
                case .int(let i): return i
                case .bool(let b): return b ? 1 : 0
                default: throw LocatedError(.runtime, "slice indices must be integers or None", at: offset)
                }
            }
            return try slice(b, try bound(start), try bound(stop), try bound(step), at: offset)
        case .call(let callee, let args, let offset):
            let f = try evaluate(callee, scope)
            let (positional, keyword) = try evaluate(args, scope)
            switch f {
            case .callable(let c): return try c.call(positional, keyword, offset)
            case .undefined(let u): throw LocatedError(.runtime, u.hint, at: offset)
            default: throw LocatedError(.runtime, "'\(f.typeName)' object is not callable", at: offset)
            }
        case .filter(let base, let name, let args, let offset):
            return try applyFilter(name, try evaluate(base, scope), args, scope, offset)
        case .test(let base, let name, let args, let negated, let offset):
            let v = try evaluate(base, scope)
            let (positional, keyword) = try evaluate(args, scope)
            let result = try runTest(name, v, positional, keyword, at: offset)
            return .bool(result != negated)
        case .negate(let x, let offset):
            let v = try evaluate(x, scope)
            switch numeric(v) {
            case .int(let i)?:
                guard i != Int.min else { throw LocatedError(.runtime, "integer overflow", at: offset) }
                return .int(-i)
            case .double(let d)?: return .double(-d)
            case nil: throw operandError("bad operand type for unary -: '\(v.typeName)'", v, at: offset)
            }
        case .plus(let x, let offset):
            let v = try evaluate(x, scope)
            switch numeric(v) {
            case .int(let i)?: return .int(i)
            case .double(let d)?: return .double(d)
            case nil: throw operandError("bad operand type for unary +: '\(v.typeName)'", v, at: offset)
            }
        case .not(let x): return .bool(!(try evaluate(x, scope).truthy))
        case .and(let a, let b):
            let l = try evaluate(a, scope)
            return l.truthy ? try evaluate(b, scope) : l
        case .or(let a, let b):
            let l = try evaluate(a, scope)
            return l.truthy ? l : try evaluate(b, scope)
        case .binary(let op, let a, let b, let offset):
            return try binary(op, try evaluate(a, scope), try evaluate(b, scope), at: offset)
        case .compare(let first, let rest, let offset):
            var left = try evaluate(first, scope)
            for (op, e) in rest {
                let right = try evaluate(e, scope)
                guard try compare(op, left, right, at: offset) else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .conditional(let condition, let then, let otherwise):
            if try evaluate(condition, scope).truthy { return try evaluate(then, scope) }
            if let otherwise { return try evaluate(otherwise, scope) }
            return .undefined(Undefined(hint: "the inline if-expression evaluated to false and no else section was defined"))
        }
    }

    func evaluate(_ args: Arguments, _ scope: Scope) throws(LocatedError) -> ([Value], [(String, Value)]) {
        var positional: [Value] = []
        for a in args.positional { positional.append(try evaluate(a, scope)) }
        var keyword: [(String, Value)] = []
        for (k, a) in args.keyword { keyword.append((k, try evaluate(a, scope))) }
        return (positional, keyword)
    }

    /// An undefined operand reports why it is undefined; anything else the type error.
    func operandError(_ message: String, _ operands: Value..., at offset: Int) -> LocatedError {
        for v in operands { if case .undefined(let u) = v { return LocatedError(.runtime, u.hint, at: offset) } }
        return LocatedError(.runtime, message, at: offset)
    }

    /// `a.b`: a method or attribute of the Python object first, then its item.
    func attribute(_ base: Value, _ name: String, at offset: Int) throws(LocatedError) -> Value {
        switch base {
        case .undefined(let u): throw LocatedError(.runtime, u.hint, at: offset)
        case .dict(let d):
            if let m = method(of: base, name) { return m }
            return d[name] ?? .undefined(Undefined(hint: "'dict object' has no attribute '\(name)'"))
        case .namespace(let ns):
            return ns.attributes[name] ?? .undefined(Undefined(hint: "'Namespace object' has no attribute '\(name)'"))
        default:
            if let m = method(of: base, name) { return m }
            return .undefined(Undefined(hint: "'\(base.typeName) object' has no attribute '\(name)'"))
        }
    }

    /// `a[b]`: the item first, then (for a string key) the attribute.
    func item(_ base: Value, _ key: Value, at offset: Int) throws(LocatedError) -> Value {
        switch base {
        case .undefined(let u): throw LocatedError(.runtime, u.hint, at: offset)
        case .dict(let d):
            if let v = d[key] { return v }
        case .list(let l), .tuple(let l):
            if case .int(let i)? = numericIndex(key) {
                let j = i < 0 ? i + l.count : i
                if j >= 0 && j < l.count { return l[j] }
                return .undefined(Undefined(hint: "list object has no element \(i)"))
            }
        case .string(let s):
            if case .int(let i)? = numericIndex(key) {
                let scalars = Array(s.unicodeScalars)
                let j = i < 0 ? i + scalars.count : i
                if j >= 0 && j < scalars.count { return .string(String(scalars[j])) }
                return .undefined(Undefined(hint: "str object has no element \(i)"))
            }
        case .namespace(let ns):
            if let v = ns.attributes[key] { return v }
        default: break
        }
        if case .string(let name) = key { return try attribute(base, name, at: offset) }
        return .undefined(Undefined(hint: "'\(base.typeName) object' has no attribute '\(PythonFormat.str(key))'"))
    }

    private func numericIndex(_ v: Value) -> Value? {
        switch v {
        case .int(let i): .int(i)
        case .bool(let b): .int(b ? 1 : 0)
        default: nil
        }
    }

    /// Python slicing of lists and strings (by code point).
    func slice(_ base: Value, _ start: Int?, _ stop: Int?, _ step: Int?, at offset: Int) throws(LocatedError) -> Value {
        let step = step ?? 1
        guard step != 0 else { throw LocatedError(.runtime, "slice step cannot be zero", at: offset) }
        func indices(_ count: Int) -> [Int] {
            func clamp(_ v: Int?, _ defaultValue: Int) -> Int {
                guard var v else { return defaultValue }
                if v < 0 { v += count }
                return step > 0 ? min(max(v, 0), count) : min(max(v, -1), count - 1)
            }
            var out: [Int] = []
            if step > 0 {
                var i = clamp(start, 0)
                let end = clamp(stop, count)
                while i < end { out.append(i); i += step }
            } else {
                var i = clamp(start, count - 1)
                let end = clamp(stop, -1)
                while i > end { out.append(i); i += step }
            }
            return out
        }
        switch base {
        case .list(let l): return .list(indices(l.count).map { l[$0] })
        case .tuple(let l): return .tuple(indices(l.count).map { l[$0] })
        case .string(let s):
            let scalars = Array(s.unicodeScalars)
            var out = String.UnicodeScalarView()
            for i in indices(scalars.count) { out.append(scalars[i]) }
            return .string(String(out))
        case .undefined(let u): throw LocatedError(.runtime, u.hint, at: offset)
        default: throw LocatedError(.runtime, "'\(base.typeName)' object is not subscriptable", at: offset)
        }
    }
}
