/// jinja2's tests (`x is defined`, `x is divisibleby 3`, ...).
extension Interpreter {
    static let testNames: Set<String> = [
        "defined", "undefined", "none", "string", "mapping", "iterable", "sequence", "number", "integer", "float",
        "boolean", "true", "false", "odd", "even", "divisibleby", "eq", "equalto", "==", "ne", "!=", "lt", "lessthan",
        "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=", "in", "sameas", "lower", "upper", "callable", "escaped",
        "filter", "test",
    ]

    func runTest(_ name: String, _ v: Value, _ args: [Value], _ kwargs: [(String, Value)], at offset: Int) throws(LocatedError) -> Bool {
        func argument() throws(LocatedError) -> Value {
            if let a = args.first ?? kwargs.first?.1 { return a }
            throw LocatedError(.runtime, "test '\(name)' needs an argument", at: offset)
        }
        func integer() throws(LocatedError) -> Int {
            switch v {
            case .int(let i): return i
            case .bool(let b): return b ? 1 : 0
            case .undefined(let u): throw LocatedError(.runtime, u.hint, at: offset)
            default: throw LocatedError(.runtime, "test '\(name)' needs an integer, got \(v.typeName)", at: offset)
            }
        }
        let unary: Set<String> = ["defined", "undefined", "none", "string", "mapping", "iterable", "sequence", "number",
                                  "integer", "float", "boolean", "true", "false", "odd", "even", "lower", "upper", "callable",
                                  "escaped", "filter", "test"]
        if unary.contains(name), !args.isEmpty || !kwargs.isEmpty {
            throw LocatedError(.runtime, "test_\(name)() takes 1 positional argument but \(1 + args.count + kwargs.count) were given", at: offset)
        }
        let binary: Set<String> = ["divisibleby", "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt",
                                   "greaterthan", ">", "ge", ">=", "in", "sameas"]
        if binary.contains(name), args.count + kwargs.count != 1 {
            throw LocatedError(.runtime, "\(name) expected 2 arguments, got \(1 + args.count + kwargs.count)", at: offset)
        }
        switch name {
        case "defined": return !v.isUndefined
        case "undefined": return v.isUndefined
        case "none": if case .none = v { return true }; return false
        case "string": if case .string = v { return true }; return false
        case "mapping": if case .dict = v { return true }; return false
        case "iterable":
            switch v { case .string, .list, .tuple, .dict, .undefined, .namespace, .lazy: return true; default: return false }
        case "sequence":
            // Undefined has __len__ and __getitem__, so jinja2 calls it a sequence.
            switch v { case .string, .list, .tuple, .dict, .undefined: return true; default: return false }
        case "number": return numeric(v) != nil
        case "integer": if case .int = v { return true }; return false
        case "float": if case .double = v { return true }; return false
        case "boolean": if case .bool = v { return true }; return false
        case "true": if case .bool(true) = v { return true }; return false
        case "false": if case .bool(false) = v { return true }; return false
        case "odd": return try integer() % 2 != 0
        case "even": return try integer() % 2 == 0
        case "divisibleby":
            let d = try argument()
            guard case .int(let n)? = numeric(d).map({ x -> Value in if case .int(let i) = x { .int(i) } else { .none } }), n != 0 else {
                throw LocatedError(.runtime, "divisibleby needs a non-zero integer", at: offset)
            }
            return try integer() % n == 0
        case "eq", "equalto", "==": return pyEqual(v, try argument())
        case "ne", "!=": return !pyEqual(v, try argument())
        case "lt", "lessthan", "<": return try order(v, try argument(), .lt, at: offset) < 0
        case "le", "<=": return try order(v, try argument(), .le, at: offset) <= 0
        case "gt", "greaterthan", ">": return try order(v, try argument(), .gt, at: offset) > 0
        case "ge", ">=": return try order(v, try argument(), .ge, at: offset) >= 0
        case "in": return try contains(try argument(), v, at: offset)
        case "sameas":
            let other = try argument()
            switch (v, other) {
            case (.none, .none): return true
            case let (.bool(a), .bool(b)): return a == b
            case let (.namespace(a), .namespace(b)): return a === b
            case let (.int(a), .int(b)): return a == b && (-5...256).contains(a)
            default: return false
            }
        case "lower": if case .string(let s) = v { return s == StringBytes.lower(s) }; return false
        case "upper": if case .string(let s) = v { return s == StringBytes.upper(s) }; return false
        case "callable":
            // Undefined defines __call__ (that fails), so Python's callable() says True.
            switch v { case .callable, .undefined: return true; default: return false }
        case "escaped": return false
        case "filter": if case .string(let s) = v { return Interpreter.filterNames.contains(s) }; return false
        case "test": if case .string(let s) = v { return Interpreter.testNames.contains(s) }; return false
        default: throw LocatedError(.runtime, "no test named '\(name)' found", at: offset)
        }
    }
}
