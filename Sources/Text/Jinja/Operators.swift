import Foundation

/// Python's arithmetic and comparison operators.
extension Interpreter {
    func binary(_ op: BinaryOperator, _ a: Value, _ b: Value, at offset: Int) throws(LocatedError) -> Value {
        if op == .concat { return .string(PythonFormat.str(a) + PythonFormat.str(b)) }
        func unsupported() -> LocatedError {
            operandError("unsupported operand type(s) for \(op.rawValue): '\(a.typeName)' and '\(b.typeName)'", a, b, at: offset)
        }
        func overflow() -> LocatedError { LocatedError(.runtime, "integer overflow in '\(op.rawValue)'", at: offset) }
        if let x = numeric(a), let y = numeric(b) {
            switch (op, x, y) {
            case let (.add, .int(i), .int(j)):
                let (r, o) = i.addingReportingOverflow(j); if o { throw overflow() }; return .int(r)
            case let (.subtract, .int(i), .int(j)):
                let (r, o) = i.subtractingReportingOverflow(j); if o { throw overflow() }; return .int(r)
            case let (.multiply, .int(i), .int(j)):
                let (r, o) = i.multipliedReportingOverflow(by: j); if o { throw overflow() }; return .int(r)
            case (.add, _, _): return .double(x.double + y.double)
            case (.subtract, _, _): return .double(x.double - y.double)
            case (.multiply, _, _): return .double(x.double * y.double)
            case (.divide, _, _):
                guard y.double != 0 else { throw LocatedError(.runtime, "division by zero", at: offset) }
                return .double(x.double / y.double)
            case let (.floorDivide, .int(i), .int(j)):
                guard j != 0 else { throw LocatedError(.runtime, "integer division or modulo by zero", at: offset) }
                guard !(i == .min && j == -1) else { throw overflow() }
                let q = i / j
                return .int((i % j != 0 && (i < 0) != (j < 0)) ? q - 1 : q)
            case (.floorDivide, _, _):
                guard y.double != 0 else { throw LocatedError(.runtime, "float floor division by zero", at: offset) }
                return .double(pythonFloatModulo(x.double, y.double).quotient)
            case let (.modulo, .int(i), .int(j)):
                guard j != 0 else { throw LocatedError(.runtime, "integer division or modulo by zero", at: offset) }
                guard j != -1 else { return .int(0) }
                let r = i % j
                return .int(r != 0 && (r < 0) != (j < 0) ? r + j : r)
            case (.modulo, _, _):
                guard y.double != 0 else { throw LocatedError(.runtime, "float modulo", at: offset) }
                return .double(pythonFloatModulo(x.double, y.double).remainder)
            case let (.power, .int(i), .int(j)) where j >= 0:
                var result = 1, base = i, e = j
                while e > 0 {
                    if e & 1 == 1 { let (r, o) = result.multipliedReportingOverflow(by: base); if o { throw overflow() }; result = r }
                    e >>= 1
                    if e > 0 { let (r, o) = base.multipliedReportingOverflow(by: base); if o { throw overflow() }; base = r }
                }
                return .int(result)
            case (.power, _, _):
                if x.double == 0 && y.double < 0 { throw LocatedError(.runtime, "0.0 cannot be raised to a negative power", at: offset) }
                return .double(Foundation.pow(x.double, y.double))
            default: break
            }
        }
        switch (op, a, b) {
        case let (.add, .string(x), .string(y)): return .string(x + y)
        case let (.add, .list(x), .list(y)): return .list(x + y)
        case let (.add, .tuple(x), .tuple(y)): return .tuple(x + y)
        case (.add, .string, _):
            throw operandError("can only concatenate str (not \"\(b.typeName)\") to str", b, at: offset)
        case (.add, .list, _):
            throw operandError("can only concatenate list (not \"\(b.typeName)\") to list", b, at: offset)
        case let (.multiply, .string(s), n), let (.multiply, n, .string(s)):
            guard case .int(let count)? = numeric(n).flatMap({ if case .int(let i) = $0 { Value.int(i) } else { nil } }) else { throw unsupported() }
            return .string(try repeated(s, count, at: offset))
        case let (.multiply, .list(l), n), let (.multiply, n, .list(l)):
            guard case .int(let count)? = numeric(n).flatMap({ if case .int(let i) = $0 { Value.int(i) } else { nil } }) else { throw unsupported() }
            guard count > 0 else { return .list([]) }
            guard l.count * count <= limits.iterations else { throw LocatedError(.limit, "list repetition too large", at: offset) }
            return .list(Array([[Value]](repeating: l, count: count).joined()))
        case let (.modulo, .string(format), args):
            return .string(try percentFormat(format, args, at: offset))
        default: throw unsupported()
        }
    }

    private func repeated(_ s: String, _ count: Int, at offset: Int) throws(LocatedError) -> String {
        guard count > 0 else { return "" }
        guard s.utf8.count.multipliedReportingOverflow(by: count).partialValue <= limits.outputBytes,
              !s.utf8.count.multipliedReportingOverflow(by: count).overflow else {
            throw LocatedError(.limit, "string repetition exceeds the output limit", at: offset)
        }
        return String(repeating: s, count: count)
    }

    /// Python's float `divmod`: the remainder takes the divisor's sign.
    private func pythonFloatModulo(_ x: Double, _ y: Double) -> (quotient: Double, remainder: Double) {
        var mod = fmod(x, y)
        var div = (x - mod) / y
        if mod != 0 {
            if (y < 0) != (mod < 0) { mod += y; div -= 1 }
        } else {
            mod = y < 0 ? -0.0 : 0.0
        }
        var floorDiv: Double
        if div != 0 {
            floorDiv = div.rounded(.down)
            if div - floorDiv > 0.5 { floorDiv += 1 }
        } else {
            floorDiv = x / y < 0 ? -0.0 : 0.0
        }
        return (floorDiv, mod)
    }

    /// `"%s and %d" % (a, b)`: the conversions chat templates use (%s %r %d %i %f %x %%).
    private func percentFormat(_ format: String, _ args: Value, at offset: Int) throws(LocatedError) -> String {
        var values: [Value]
        if case .tuple(let l) = args { values = l } else { values = [args] }
        var out = ""
        var scalars = Array(format.unicodeScalars)[...]
        while let c = scalars.popFirst() {
            guard c == "%" else { out.unicodeScalars.append(c); continue }
            var spec = ""
            while let n = scalars.first, "0123456789.-+ #".unicodeScalars.contains(n) { spec.unicodeScalars.append(n); scalars.removeFirst() }
            guard let conversion = scalars.popFirst() else { throw LocatedError(.runtime, "incomplete format", at: offset) }
            if conversion == "%" { out += "%"; continue }
            guard !values.isEmpty else { throw LocatedError(.runtime, "not enough arguments for format string", at: offset) }
            let v = values.removeFirst()
            switch conversion {
            case "s": out += PythonFormat.str(v)
            case "r": out += PythonFormat.repr(v)
            case "d", "i":
                guard let n = numeric(v) else { throw LocatedError(.runtime, "%d format: a real number is required, not \(v.typeName)", at: offset) }
                switch n { case .int(let i): out += String(format: "%\(spec)ld", i); case .double(let d): out += String(format: "%\(spec)ld", Int(d)) }
            case "f", "e", "g", "x", "X", "o":
                guard let n = numeric(v) else { throw LocatedError(.runtime, "format requires a number, not \(v.typeName)", at: offset) }
                if conversion == "x" || conversion == "X" || conversion == "o" {
                    guard case .int(let i) = n else { throw LocatedError(.runtime, "%\(conversion) format: an integer is required", at: offset) }
                    out += String(format: "%\(spec)l\(conversion)", i)
                } else {
                    out += String(format: "%\(spec)\(conversion)", n.double)
                }
            default: throw LocatedError(.runtime, "unsupported format character '\(conversion)'", at: offset)
            }
        }
        // Python tolerates unused arguments only when the argument is a mapping.
        // (Python's test is "has __getitem__ and is not a tuple or str": dicts and lists.)
        let isMapping: Bool = { switch args { case .dict, .list, .undefined: true; default: false } }()
        guard values.isEmpty || isMapping else { throw LocatedError(.runtime, "not all arguments converted during string formatting", at: offset) }
        return out
    }

    func compare(_ op: CompareOperator, _ a: Value, _ b: Value, at offset: Int) throws(LocatedError) -> Bool {
        switch op {
        case .eq: return pyEqual(a, b)
        case .ne: return !pyEqual(a, b)
        case .in: return try contains(b, a, at: offset)
        case .notIn: return !(try contains(b, a, at: offset))
        case .lt: return try order(a, b, op, at: offset) < 0
        case .le: return try order(a, b, op, at: offset) <= 0
        case .gt: return try order(a, b, op, at: offset) > 0
        case .ge: return try order(a, b, op, at: offset) >= 0
        }
    }

    /// Python `needle in container`.
    func contains(_ container: Value, _ needle: Value, at offset: Int) throws(LocatedError) -> Bool {
        switch container {
        case .string(let s):
            guard case .string(let n) = needle else {
                throw operandError("'in <string>' requires string as left operand, not \(needle.typeName)", needle, at: offset)
            }
            return StringBytes.find(Array(s.utf8), Array(n.utf8), from: 0) != nil
        case .list(let l), .tuple(let l): return l.contains { pyEqual($0, needle) }
        case .lazy(let l): return l.take().contains { pyEqual($0, needle) }
        case .dict(let d):
            guard needle.isHashable else { throw LocatedError(.runtime, "unhashable type: '\(needle.typeName)'", at: offset) }
            return d[needle] != nil
        case .namespace(let ns): return ns.attributes[needle] != nil
        case .undefined: return false
        default: throw LocatedError(.runtime, "argument of type '\(container.typeName)' is not iterable", at: offset)
        }
    }

    /// -1, 0, 1 for Python's ordering of numbers, strings (by code point) and lists.
    func order(_ a: Value, _ b: Value, _ op: CompareOperator, at offset: Int) throws(LocatedError) -> Int {
        if let x = numeric(a), let y = numeric(b) {
            if case .int(let i) = x, case .int(let j) = y { return i < j ? -1 : i == j ? 0 : 1 }
            let (p, q) = (x.double, y.double)
            if p.isNaN || q.isNaN { return op == .lt || op == .le ? 1 : -1 }
            return p < q ? -1 : p == q ? 0 : 1
        }
        switch (a, b) {
        case let (.string(x), .string(y)):
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : x.utf8.elementsEqual(y.utf8) ? 0 : 1
        case let (.list(x), .list(y)), let (.tuple(x), .tuple(y)):
            for (p, q) in zip(x, y) where !pyEqual(p, q) { return try order(p, q, op, at: offset) }
            return x.count < y.count ? -1 : x.count == y.count ? 0 : 1
        default:
            throw operandError("'\(op.rawValue)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'", a, b, at: offset)
        }
    }
}

extension Value {
    var isTuple: Bool { if case .tuple = self { true } else { false } }
    /// The items of a list or tuple.
    var elements: [Value]? {
        switch self {
        case .list(let l), .tuple(let l): l
        default: nil
        }
    }
}
