/// A compiled chat template, rendered as transformers' `apply_chat_template(tokenize=False)`
/// does: jinja2 sandboxed environment with `trim_blocks`, `lstrip_blocks` and loop controls,
/// `raise_exception`, `strftime_now` (pinned), and its `tojson`.
public struct ChatTemplate: @unchecked Sendable {
    // The tree is never mutated after parsing; Macro is a class only for identity.
    private let nodes: [Node]
    private let source: [UInt8]
    public let limits: JinjaLimits

    public init(_ source: String, limits: JinjaLimits = JinjaLimits()) throws(JinjaError) {
        let normalized = Lexer.normalize(source)
        self.source = normalized
        self.limits = limits
        do {
            let segments = try Lexer.tokenize(normalized)
            nodes = try Parser.parse(segments, sourceLength: normalized.count)
        } catch {
            throw ChatTemplate.locate(error, in: normalized)
        }
    }

    /// Renders `messages`. `bosToken`/`eosToken` are passed only when set (a template sees a
    /// missing one as undefined); `extra` adds variables such as `tools`, `documents` or
    /// `enable_thinking` (a nil `tools` renders like transformers' None).
    public func render(messages: [JinjaValue], addGenerationPrompt: Bool, bosToken: String?, eosToken: String?,
                       extra: [String: JinjaValue] = [:], date: PinnedDate = .standard) throws(JinjaError) -> String {
        var variables: [String: JinjaValue] = ["messages": .array(messages), "add_generation_prompt": .bool(addGenerationPrompt),
                                               "tools": .none, "documents": .none]
        if let bosToken { variables["bos_token"] = .string(bosToken) }
        if let eosToken { variables["eos_token"] = .string(eosToken) }
        for (k, v) in extra { variables[k] = v }
        return try render(variables: variables, date: date)
    }

    /// Renders with exactly these top-level variables. With `strictUndefined` a name defined
    /// nowhere fails (`'x' is undefined`) instead of rendering as "": prompt templates over
    /// data columns use it so a misspelt column is an error, not an empty field.
    public func render(variables: [String: JinjaValue], date: PinnedDate = .standard,
                       strictUndefined: Bool = false) throws(JinjaError) -> String {
        let globals = Scope(parent: nil)
        Builtins.install(in: globals, date: date, limits: limits)
        for (k, v) in variables { globals.assign(k, Value(v)) }
        let interpreter = Interpreter(globals: globals, limits: limits)
        interpreter.strictUndefined = strictUndefined
        do {
            return try interpreter.render(nodes)
        } catch {
            throw ChatTemplate.locate(error, in: source)
        }
    }

    private static func locate(_ e: LocatedError, in source: [UInt8]) -> JinjaError {
        let end = min(max(0, e.offset), source.count)
        var line = 1, lineStart = 0
        for i in 0..<end where source[i] == 0x0A { line += 1; lineStart = i + 1 }
        let column = String(decoding: source[lineStart..<end], as: UTF8.self).unicodeScalars.count + 1
        return JinjaError(e.kind, e.message, line: line, column: column)
    }
}

/// Global functions: range, namespace, dict, raise_exception, strftime_now.
enum Builtins {
    static func install(in scope: Scope, date: PinnedDate, limits: JinjaLimits) {
        scope.assign("range", .callable(Callable("range") { args, _, offset throws(LocatedError) in
            var ints: [Int] = []
            for a in args {
                guard case .int(let i)? = numeric(a).flatMap({ if case .int(let i) = $0 { Value.int(i) } else { nil } }) else {
                    throw LocatedError(.runtime, "'\(a.typeName)' object cannot be interpreted as an integer", at: offset)
                }
                ints.append(i)
            }
            let (start, stop, step): (Int, Int, Int)
            switch ints.count {
            case 1: (start, stop, step) = (0, ints[0], 1)
            case 2: (start, stop, step) = (ints[0], ints[1], 1)
            case 3: (start, stop, step) = (ints[0], ints[1], ints[2])
            default: throw LocatedError(.runtime, "range expected 1 to 3 integer arguments, got \(ints.count)", at: offset)
            }
            guard step != 0 else { throw LocatedError(.runtime, "range() arg 3 must not be zero", at: offset) }
            let count = step > 0 ? max(0, (stop - start + step - 1) / step) : max(0, (start - stop - step - 1) / -step)
            guard count <= limits.rangeLength else {
                throw LocatedError(.limit, "range too big: the sandbox allows at most \(limits.rangeLength) items", at: offset)
            }
            return .list((0..<count).map { .int(start + $0 * step) })
        }))
        scope.assign("namespace", .callable(Callable("namespace") { args, kwargs, offset throws(LocatedError) in
            let ns = Namespace()
            for a in args {
                guard case .dict(let d) = a else { throw LocatedError(.runtime, "namespace() takes keyword arguments or a dict", at: offset) }
                for (k, v) in d.items { ns.attributes[k] = v }
            }
            for (k, v) in kwargs { ns.attributes[k] = v }
            return .namespace(ns)
        }))
        scope.assign("dict", .callable(Callable("dict") { args, kwargs, offset throws(LocatedError) in
            var d = ValueDict()
            for a in args {
                guard case .dict(let other) = a else { throw LocatedError(.runtime, "dict() takes keyword arguments or a dict", at: offset) }
                for (k, v) in other.items { d[k] = v }
            }
            for (k, v) in kwargs { d[.string(k)] = v }
            return .dict(d)
        }))
        scope.assign("raise_exception", .callable(Callable("raise_exception") { args, _, offset throws(LocatedError) in
            throw LocatedError(.raised, args.first.map(PythonFormat.str) ?? "", at: offset)
        }))
        scope.assign("strftime_now", .callable(Callable("strftime_now") { args, _, offset throws(LocatedError) in
            guard case .string(let f)? = args.first else { throw LocatedError(.runtime, "strftime_now() needs a format string", at: offset) }
            return .string(date.format(f))
        }))
    }
}
