/// Walks the statement tree and writes the output.
final class Interpreter {
    let limits: JinjaLimits
    let globals: Scope
    /// A name that is not defined anywhere is an error rather than "" (jinja2's
    /// StrictUndefined, without its `is defined` escape hatch).
    var strictUndefined = false
    private var output = ""
    private var bytesWritten = 0
    private var iterations = 0
    private var callDepth = 0
    private var loopDepth = 0

    init(globals: Scope, limits: JinjaLimits) {
        self.globals = globals; self.limits = limits
    }

    enum Flow { case normal, breakLoop, continueLoop }

    func render(_ nodes: [Node]) throws(LocatedError) -> String {
        let scope = Scope(parent: globals)
        _ = try run(nodes, scope)
        return output
    }

    private func write(_ s: String, at offset: Int) throws(LocatedError) {
        bytesWritten += s.utf8.count
        guard bytesWritten <= limits.outputBytes else {
            throw LocatedError(.limit, "output exceeds the limit of \(limits.outputBytes) bytes", at: offset)
        }
        output += s
    }

    /// Renders `nodes` into a string of its own (set blocks, macros, filter blocks).
    func capture(_ nodes: [Node], _ scope: Scope) throws(LocatedError) -> String {
        let saved = output
        output = ""
        defer { output = saved }
        _ = try run(nodes, scope)
        return output
    }

    private func run(_ nodes: [Node], _ scope: Scope) throws(LocatedError) -> Flow {
        for node in nodes {
            switch node {
            case .text(let t): try write(t, at: 0)
            case .output(let e): try write(PythonFormat.str(try evaluate(e, scope)), at: e.offset)
            case .ifChain(let branches, let otherwise):
                var taken = false
                for (condition, body) in branches where try evaluate(condition, scope).truthy {
                    taken = true
                    let flow = try run(body, scope)
                    if flow != .normal { return flow }
                    break
                }
                if !taken {
                    let flow = try run(otherwise, scope)
                    if flow != .normal { return flow }
                }
            case .forLoop(let loop): try runLoop(loop, scope)
            case .set(let target, let e, let offset): try assign(target, try evaluate(e, scope), scope, offset)
            case .setBlock(let target, let filters, let body, let offset):
                // The body runs in a frame of its own: what it sets stays inside.
                var value = Value.string(try capture(body, Scope(parent: scope)))
                for (name, args, at) in filters { value = try applyFilter(name, value, args, scope, at) }
                try assign(target, value, scope, offset)
            case .filterBlock(let filters, let body):
                var value = Value.string(try capture(body, Scope(parent: scope)))
                for (name, args, at) in filters { value = try applyFilter(name, value, args, scope, at) }
                try write(PythonFormat.str(value), at: 0)
            case .macro(let m): scope.assign(m.name, .callable(makeMacro(m, scope)))
            case .callBlock(_, _, _, let offset): throw LocatedError(.syntax, "the 'call' tag is not supported", at: offset)
            case .breakLoop(let offset):
                guard loopDepth > 0 else { throw LocatedError(.syntax, "'break' outside of a loop", at: offset) }
                return .breakLoop
            case .continueLoop(let offset):
                guard loopDepth > 0 else { throw LocatedError(.syntax, "'continue' outside of a loop", at: offset) }
                return .continueLoop
            case .generation(let body):
                let flow = try run(body, scope)
                if flow != .normal { return flow }
            }
        }
        return .normal
    }

    private func runLoop(_ loop: ForLoop, _ scope: Scope) throws(LocatedError) {
        let source = try evaluate(loop.iterable, scope)
        var items = try iterate(source, at: loop.iterable.offset)
        if let condition = loop.condition {
            var kept: [Value] = []
            for item in items {
                try countIteration(loop.offset)
                let frame = Scope(parent: scope)
                try assign(loop.target, item, frame, loop.offset)
                if try evaluate(condition, frame).truthy { kept.append(item) }
            }
            items = kept
        }
        if items.isEmpty {
            _ = try run(loop.otherwise, Scope(parent: scope))
            return
        }
        loopDepth += 1
        defer { loopDepth -= 1 }
        let length = items.count
        for (index, item) in items.enumerated() {
            try countIteration(loop.offset)
            let frame = Scope(parent: scope)
            try assign(loop.target, item, frame, loop.offset)
            frame.assign("loop", loopObject(index: index, items: items, length: length))
            if try run(loop.body, frame) == .breakLoop { break }
        }
    }

    private func countIteration(_ offset: Int) throws(LocatedError) {
        iterations += 1
        guard iterations <= limits.iterations else {
            throw LocatedError(.limit, "more than \(limits.iterations) loop iterations", at: offset)
        }
    }

    private func loopObject(index: Int, items: [Value], length: Int) -> Value {
        let loop = Namespace(loopLabel: "<LoopContext \(index + 1)/\(length)>")
        var d = ValueDict()
        d["index"] = .int(index + 1)
        d["index0"] = .int(index)
        d["revindex"] = .int(length - index)
        d["revindex0"] = .int(length - index - 1)
        d["first"] = .bool(index == 0)
        d["last"] = .bool(index == length - 1)
        d["length"] = .int(length)
        d["depth"] = .int(1)
        d["depth0"] = .int(0)
        d["previtem"] = index > 0 ? items[index - 1] : .undefined(Undefined(hint: "there is no previous item"))
        d["nextitem"] = index + 1 < length ? items[index + 1] : .undefined(Undefined(hint: "there is no next item"))
        d["cycle"] = .callable(Callable("cycle") { args, _, offset throws(LocatedError) in
            guard !args.isEmpty else { throw LocatedError(.runtime, "no items for cycling given", at: offset) }
            return args[index % args.count]
        })
        loop.attributes = d
        return .namespace(loop)
    }

    /// What `for` walks: list items, dict keys, string characters; undefined is empty.
    func iterate(_ v: Value, at offset: Int) throws(LocatedError) -> [Value] {
        switch v {
        case .list(let l), .tuple(let l): return l
        case .dict(let d): return d.keys
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        case .namespace(let n): return n.attributes.keys
        case .lazy(let l): return l.take()
        default: throw LocatedError(.runtime, "'\(v.typeName)' object is not iterable", at: offset)
        }
    }

    private func assign(_ target: AssignTarget, _ value: Value, _ scope: Scope, _ offset: Int) throws(LocatedError) {
        switch target {
        case .name(let n): scope.assign(n, value)
        case .attribute(let object, let attribute, let at):
            guard case .namespace(let ns)? = scope.lookup(object) ?? globals.lookup(object), ns.loopLabel == nil else {
                throw LocatedError(.runtime, "cannot assign attribute on non-namespace object", at: at)
            }
            ns.attributes[attribute] = value
        case .tuple(let targets):
            let items = try iterate(value, at: offset)
            guard items.count == targets.count else {
                throw LocatedError(.runtime, items.count < targets.count
                    ? "not enough values to unpack (expected \(targets.count), got \(items.count))"
                    : "too many values to unpack (expected \(targets.count))", at: offset)
            }
            for (t, item) in zip(targets, items) { try assign(t, item, scope, offset) }
        }
    }

    private func makeMacro(_ m: Macro, _ definingScope: Scope) -> Callable {
        let macro = makeMacroBody(m, definingScope)
        macro.isMacro = true
        return macro
    }

    private func makeMacroBody(_ m: Macro, _ definingScope: Scope) -> Callable {
        Callable(m.name) { [unowned self] args, kwargs, offset throws(LocatedError) in
            guard args.count <= m.parameters.count else {
                throw LocatedError(.runtime, "macro '\(m.name)' takes not more than \(m.parameters.count) argument(s)", at: offset)
            }
            self.callDepth += 1
            defer { self.callDepth -= 1 }
            guard self.callDepth <= self.limits.callDepth else {
                throw LocatedError(.limit, "macro calls nested deeper than \(self.limits.callDepth)", at: offset)
            }
            let frame = Scope(parent: definingScope)
            for (i, (name, defaultValue)) in m.parameters.enumerated() {
                if i < args.count { frame.assign(name, args[i]); continue }
                if let kw = kwargs.first(where: { $0.0 == name }) { frame.assign(name, kw.1); continue }
                if let defaultValue { frame.assign(name, try self.evaluate(defaultValue, frame)) }
                else { frame.assign(name, .undefined(Undefined(hint: "parameter '\(name)' was not provided"))) }
            }
            for (name, _) in kwargs where !m.parameters.dropFirst(args.count).contains(where: { $0.0 == name }) {
                throw LocatedError(.runtime, "macro '\(m.name)' takes no keyword argument '\(name)'", at: offset)
            }
            let savedLoopDepth = self.loopDepth
            self.loopDepth = 0
            defer { self.loopDepth = savedLoopDepth }
            return .string(try self.capture(m.body, frame))
        }
    }
}

extension Expr {
    /// Where an error about this expression points.
    var offset: Int {
        switch self {
        case .literal, .list, .tuple, .dict: 0
        case .name(_, let o), .attribute(_, _, let o), .item(_, _, let o), .slice(_, _, _, _, let o), .call(_, _, let o),
             .filter(_, _, _, let o), .test(_, _, _, _, let o), .negate(_, let o), .plus(_, let o), .binary(_, _, _, let o),
             .compare(_, _, let o): o
        case .not(let e), .and(let e, _), .or(let e, _): e.offset
        case .conditional(_, let then, _): then.offset
        }
    }
}
