/// Builds the statement tree from lexed segments, following jinja2's grammar and operator
/// precedence (so e.g. `-x|abs` is `(-x)|abs` and `a ~ b + c` is `a ~ (b + c)`).
struct Parser {
    private let segments: [Segment]
    private var segmentIndex = 0
    private var tokens: [Token] = []
    private var current = 0
    /// The tags opened and not yet closed: the name and where, for "not closed" errors.
    private var openBlocks: [(String, Int)] = []
    private let endOfTemplate: Int
    /// Expression nesting, capped so a hostile template cannot overflow the stack.
    private var depth = 0
    static let maximumDepth = 200

    static func parse(_ segments: [Segment], sourceLength: Int) throws(LocatedError) -> [Node] {
        var p = Parser(segments: segments, endOfTemplate: sourceLength)
        let (nodes, ender) = try p.body(until: [])
        if let ender { throw LocatedError(.syntax, "encountered unknown tag '\(ender)'", at: p.tokens[0].offset) }
        try NameCheck.nodes(nodes, soft: false)
        return nodes
    }

    private init(segments: [Segment], endOfTemplate: Int) {
        self.segments = segments; self.endOfTemplate = endOfTemplate
    }

    // MARK: statements

    /// Nodes up to a statement named in `enders`; returns that name, the tag's tokens left
    /// positioned just after it.
    private mutating func body(until enders: Set<String>) throws(LocatedError) -> ([Node], String?) {
        var nodes: [Node] = []
        while segmentIndex < segments.count {
            let segment = segments[segmentIndex]
            segmentIndex += 1
            switch segment {
            case .text(let t): nodes.append(.text(t))
            case .output(let toks, _):
                tokens = toks; current = 0
                let e = try tuple()
                try expectEnd()
                nodes.append(.output(e))
            case .statement(let toks, _):
                tokens = toks; current = 0
                guard peek.kind == .name else { throw LocatedError(.syntax, "tag name expected", at: peek.offset) }
                let name = peek.text
                if enders.contains(name) { advance(); return (nodes, name) }
                nodes.append(try statement())
            }
        }
        if enders.isEmpty { return (nodes, nil) }
        let (opened, at) = openBlocks.last ?? ("", endOfTemplate)
        let wanted = enders.sorted().map { "'\($0)'" }.joined(separator: " or ")
        throw LocatedError(.syntax, "unexpected end of template: looking for \(wanted); the innermost block that needs to be closed is '\(opened)'", at: at)
    }

    private mutating func statement() throws(LocatedError) -> Node {
        let keyword = advance()
        guard openBlocks.count < Parser.maximumDepth else {
            throw LocatedError(.limit, "blocks nested deeper than \(Parser.maximumDepth)", at: keyword.offset)
        }
        switch keyword.text {
        case "for": return try forStatement(keyword.offset)
        case "if": return try ifStatement(keyword.offset)
        case "set": return try setStatement(keyword.offset)
        case "macro": return try macroStatement(keyword.offset)
        case "filter":
            let filters = try filterChain(first: true)
            try expectEnd()
            let body = try block("filter", keyword.offset, until: ["endfilter"])
            return .filterBlock(filters: filters, body: body)
        case "break": try expectEnd(); return .breakLoop(offset: keyword.offset)
        case "continue": try expectEnd(); return .continueLoop(offset: keyword.offset)
        case "generation":
            try expectEnd()
            return .generation(try block("generation", keyword.offset, until: ["endgeneration"]))
        case "include", "import", "from", "extends", "block":
            throw LocatedError(.syntax, "the '\(keyword.text)' tag is not supported (chat templates cannot read other files)", at: keyword.offset)
        case "call":
            throw LocatedError(.syntax, "the 'call' tag is not supported", at: keyword.offset)
        default:
            throw LocatedError(.syntax, "encountered unknown tag '\(keyword.text)'", at: keyword.offset)
        }
    }

    /// A body closed by exactly `until`, whose end tag carries nothing else.
    private mutating func block(_ name: String, _ offset: Int, until: Set<String>) throws(LocatedError) -> [Node] {
        openBlocks.append((name, offset))
        defer { openBlocks.removeLast() }
        let (nodes, _) = try body(until: until)
        try expectEnd()
        return nodes
    }

    private mutating func forStatement(_ offset: Int) throws(LocatedError) -> Node {
        let target = try assignTarget(extraEnd: ["in"], withNamespace: false)
        try expectName("in")
        let iterable = try tuple(withCondition: false, extraEnd: ["recursive"])
        var condition: Expr?
        if peek.isName("if") { advance(); condition = try expression() }
        if peek.isName("recursive") { throw LocatedError(.syntax, "recursive loops are not supported", at: peek.offset) }
        try expectEnd()
        openBlocks.append(("for", offset))
        defer { openBlocks.removeLast() }
        let (body, ender) = try self.body(until: ["endfor", "else"])
        var otherwise: [Node] = []
        try expectEnd()
        if ender == "else" {
            (otherwise, _) = try self.body(until: ["endfor"])
            try expectEnd()
        }
        return .forLoop(ForLoop(target: target, iterable: iterable, condition: condition, body: body, otherwise: otherwise, offset: offset))
    }

    private mutating func ifStatement(_ offset: Int) throws(LocatedError) -> Node {
        var branches: [(Expr, [Node])] = []
        var condition = try tuple(withCondition: false)
        try expectEnd()
        openBlocks.append(("if", offset))
        defer { openBlocks.removeLast() }
        while true {
            let (nodes, ender) = try body(until: ["elif", "else", "endif"])
            branches.append((condition, nodes))
            switch ender {
            case "elif":
                condition = try tuple(withCondition: false)
                try expectEnd()
            case "else":
                try expectEnd()
                let (otherwise, _) = try body(until: ["endif"])
                try expectEnd()
                return .ifChain(branches, otherwise: otherwise)
            default:
                try expectEnd()
                return .ifChain(branches, otherwise: [])
            }
        }
    }

    private mutating func setStatement(_ offset: Int) throws(LocatedError) -> Node {
        let target = try assignTarget(extraEnd: [], withNamespace: true)
        if peek.isOp("=") {
            advance()
            let value = try tuple()
            try expectEnd()
            return .set(target, value, offset: offset)
        }
        let filters = try filterChain(first: false)
        try expectEnd()
        let body = try block("set", offset, until: ["endset"])
        return .setBlock(target, filters: filters, body: body, offset: offset)
    }

    private mutating func macroStatement(_ offset: Int) throws(LocatedError) -> Node {
        let name = try expectIdentifier()
        try expectOp("(")
        var parameters: [(String, Expr?)] = []
        while !peek.isOp(")") {
            if !parameters.isEmpty { try expectOp(",") }
            if peek.isOp(")") { break }
            let p = try expectIdentifier()
            var value: Expr?
            if peek.isOp("=") { advance(); value = try expression() }
            else if parameters.last?.1 != nil {
                throw LocatedError(.syntax, "non-default argument '\(p)' follows default argument", at: tokens[current - 1].offset)
            }
            parameters.append((p, value))
        }
        advance()
        try expectEnd()
        let body = try block("macro", offset, until: ["endmacro"])
        return .macro(Macro(name: name, parameters: parameters, body: body, offset: offset))
    }

    /// `| name(args) | name ...` after `set x` or `filter`.
    private mutating func filterChain(first: Bool) throws(LocatedError) -> [(String, Arguments, Int)] {
        var filters: [(String, Arguments, Int)] = []
        var needBar = !first
        while true {
            if needBar { guard peek.isOp("|") else { break }; advance() }
            needBar = true
            let at = peek.offset
            let name = try expectIdentifier()
            let args = peek.isOp("(") ? try callArguments() : Arguments()
            filters.append((name, args, at))
        }
        return filters
    }

    private mutating func assignTarget(extraEnd: Set<String>, withNamespace: Bool) throws(LocatedError) -> AssignTarget {
        func single(_ p: inout Parser) throws(LocatedError) -> AssignTarget {
            let at = p.peek.offset
            let name = try p.expectIdentifier()
            if withNamespace, p.peek.isOp(".") {
                p.advance()
                return .attribute(name, try p.expectIdentifier(), offset: at)
            }
            return .name(name)
        }
        if peek.isOp("(") {
            advance()
            var items: [AssignTarget] = []
            while !peek.isOp(")") {
                if !items.isEmpty { try expectOp(",") }
                if peek.isOp(")") { break }
                items.append(try single(&self))
            }
            advance()
            return .tuple(items)
        }
        let first = try single(&self)
        guard peek.isOp(",") else { return first }
        var items = [first]
        while peek.isOp(",") {
            advance()
            if peek.kind == .end || (peek.kind == .name && extraEnd.contains(peek.text)) || peek.isOp("=") { break }
            items.append(try single(&self))
        }
        return .tuple(items)
    }

    // MARK: expressions

    /// jinja2's parse_tuple: `a, b` without parentheses is a tuple.
    private mutating func tuple(withCondition: Bool = true, extraEnd: Set<String> = [], explicitParentheses: Bool = false) throws(LocatedError) -> Expr {
        var items: [Expr] = []
        var isTuple = false
        let start = peek
        while true {
            if !items.isEmpty { try expectOp(",") }
            if peek.kind == .end || peek.isOp(")") || (peek.kind == .name && extraEnd.contains(peek.text)) { break }
            items.append(withCondition ? try expression() : try or())
            if peek.isOp(",") { isTuple = true } else { break }
        }
        if !isTuple {
            if let only = items.first { return only }
            if !explicitParentheses { throw LocatedError(.syntax, "expected an expression, got \(start.describe)", at: start.offset) }
        }
        return .tuple(items)
    }

    private mutating func enter() throws(LocatedError) {
        depth += 1
        guard depth <= Parser.maximumDepth else {
            throw LocatedError(.limit, "expression nested deeper than \(Parser.maximumDepth)", at: peek.offset)
        }
    }

    private mutating func expression() throws(LocatedError) -> Expr {
        try enter()
        defer { depth -= 1 }
        var e = try or()
        while peek.isName("if") {
            advance()
            let condition = try or()
            var otherwise: Expr?
            if peek.isName("else") { advance(); otherwise = try expression() }
            e = .conditional(condition: condition, then: e, otherwise: otherwise)
        }
        return e
    }

    private mutating func or() throws(LocatedError) -> Expr {
        var e = try and()
        while peek.isName("or") { advance(); e = .or(e, try and()) }
        return e
    }

    private mutating func and() throws(LocatedError) -> Expr {
        var e = try not()
        while peek.isName("and") { advance(); e = .and(e, try not()) }
        return e
    }

    private mutating func not() throws(LocatedError) -> Expr {
        if peek.isName("not") {
            advance()
            try enter()
            defer { depth -= 1 }
            return .not(try not())
        }
        return try compare()
    }

    private mutating func compare() throws(LocatedError) -> Expr {
        let at = peek.offset
        let first = try math1()
        var rest: [(CompareOperator, Expr)] = []
        while true {
            if peek.kind == .op, let op = CompareOperator(rawValue: peek.text), op != .in, op != .notIn {
                advance(); rest.append((op, try math1()))
            } else if peek.isName("in") {
                advance(); rest.append((.in, try math1()))
            } else if peek.isName("not"), current + 1 < tokens.count, tokens[current + 1].isName("in") {
                advance(); advance(); rest.append((.notIn, try math1()))
            } else { break }
        }
        return rest.isEmpty ? first : .compare(first, rest, offset: at)
    }

    private mutating func math1() throws(LocatedError) -> Expr {
        var e = try concat()
        while peek.isOp("+") || peek.isOp("-") {
            let op = advance()
            e = .binary(op.text == "+" ? .add : .subtract, e, try concat(), offset: op.offset)
        }
        return e
    }

    private mutating func concat() throws(LocatedError) -> Expr {
        var e = try math2()
        while peek.isOp("~") { let op = advance(); e = .binary(.concat, e, try math2(), offset: op.offset) }
        return e
    }

    private mutating func math2() throws(LocatedError) -> Expr {
        var e = try power()
        while peek.kind == .op, ["*", "/", "//", "%"].contains(peek.text) {
            let op = advance()
            e = .binary(BinaryOperator(rawValue: op.text)!, e, try power(), offset: op.offset)
        }
        return e
    }

    private mutating func power() throws(LocatedError) -> Expr {
        var e = try unary()
        while peek.isOp("**") { let op = advance(); e = .binary(.power, e, try unary(), offset: op.offset) }
        return e
    }

    private mutating func unary(withFilter: Bool = true) throws(LocatedError) -> Expr {
        try enter()
        defer { depth -= 1 }
        var e: Expr
        if peek.isOp("-") { let op = advance(); e = .negate(try unary(withFilter: false), offset: op.offset) }
        else if peek.isOp("+") { let op = advance(); e = .plus(try unary(withFilter: false), offset: op.offset) }
        else { e = try primary() }
        e = try postfix(e)
        if withFilter { e = try filterExpression(e) }
        return e
    }

    private mutating func primary() throws(LocatedError) -> Expr {
        let t = advance()
        switch t.kind {
        case .name:
            switch t.text {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(t.text, offset: t.offset)
            }
        case .string:
            var s = t.text
            while peek.kind == .string { s += advance().text }
            return .literal(.string(s))
        case .integer:
            guard let i = Int(t.text) ?? integerWithPrefix(t.text) else { throw LocatedError(.syntax, "integer literal \(t.text) is too large", at: t.offset) }
            return .literal(.int(i))
        case .float:
            return .literal(.double(Double(t.text) ?? .infinity))
        case .op:
            switch t.text {
            case "(":
                let e = try tuple(explicitParentheses: true)
                try expectOp(")")
                return e
            case "[":
                var items: [Expr] = []
                while !peek.isOp("]") {
                    if !items.isEmpty { try expectOp(",") }
                    if peek.isOp("]") { break }
                    items.append(try expression())
                }
                advance()
                return .list(items)
            case "{":
                var pairs: [(Expr, Expr)] = []
                while !peek.isOp("}") {
                    if !pairs.isEmpty { try expectOp(",") }
                    if peek.isOp("}") { break }
                    let k = try expression()
                    try expectOp(":")
                    pairs.append((k, try expression()))
                }
                advance()
                return .dict(pairs)
            default: break
            }
        case .end: break
        }
        throw LocatedError(.syntax, "unexpected \(t.describe)", at: t.offset)
    }

    /// `0x1F`, `0o17`, `0b101`.
    private func integerWithPrefix(_ text: String) -> Int? {
        let lower = text.lowercased()
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where lower.hasPrefix(prefix) {
            return Int(lower.dropFirst(2), radix: radix)
        }
        return nil
    }

    private mutating func postfix(_ base: Expr) throws(LocatedError) -> Expr {
        var e = base
        while true {
            if peek.isOp(".") {
                let dot = advance()
                let t = advance()
                if t.kind == .name { e = .attribute(e, t.text, offset: dot.offset) }
                else if t.kind == .integer, let i = Int(t.text) { e = .item(e, .literal(.int(i)), offset: dot.offset) }
                else { throw LocatedError(.syntax, "expected a name after '.', got \(t.describe)", at: t.offset) }
            } else if peek.isOp("[") {
                let open = advance()
                e = try subscripted(e, open.offset)
            } else if peek.isOp("(") {
                let at = peek.offset
                e = .call(e, try callArguments(), offset: at)
            } else { return e }
        }
    }

    private mutating func subscripted(_ base: Expr, _ at: Int) throws(LocatedError) -> Expr {
        var parts: [Expr?] = []
        var isSlice = false
        func part(_ p: inout Parser) throws(LocatedError) -> Expr? {
            p.peek.isOp(":") || p.peek.isOp("]") ? nil : try p.expression()
        }
        parts.append(try part(&self))
        while peek.isOp(":") && parts.count < 3 {
            advance(); isSlice = true
            parts.append(try part(&self))
        }
        if !isSlice, peek.isOp(","), let first = parts[0] {
            // `a[1, 2]` indexes with a tuple.
            var items = [first]
            while peek.isOp(",") {
                advance()
                if peek.isOp("]") { break }
                items.append(try expression())
            }
            try expectOp("]")
            return .item(base, .tuple(items), offset: at)
        }
        try expectOp("]")
        if !isSlice {
            guard let index = parts[0] else { throw LocatedError(.syntax, "expected an index", at: at) }
            return .item(base, index, offset: at)
        }
        return .slice(base, start: parts[0], stop: parts.count > 1 ? parts[1] : nil, step: parts.count > 2 ? parts[2] : nil, offset: at)
    }

    private mutating func filterExpression(_ base: Expr) throws(LocatedError) -> Expr {
        var e = base
        while true {
            if peek.isOp("|") {
                advance()
                let at = peek.offset
                let name = try dottedName()
                let args = peek.isOp("(") ? try callArguments() : Arguments()
                e = .filter(e, name: name, args, offset: at)
            } else if peek.isName("is") {
                advance()
                var negated = false
                if peek.isName("not") { advance(); negated = true }
                let at = peek.offset
                let name = try dottedName()
                var args = Arguments()
                if peek.isOp("(") { args = try callArguments() }
                else if [.string, .integer, .float].contains(peek.kind) || (peek.kind == .name && !["else", "or", "and"].contains(peek.text))
                            || peek.isOp("[") || peek.isOp("{") {
                    if peek.isName("is") { throw LocatedError(.syntax, "you cannot chain multiple tests with is", at: peek.offset) }
                    args.positional = [try postfix(try primary())]
                }
                e = .test(e, name: name, args, negated: negated, offset: at)
            } else if peek.isOp("(") {
                let at = peek.offset
                e = .call(e, try callArguments(), offset: at)
            } else { return e }
        }
    }

    private mutating func dottedName() throws(LocatedError) -> String {
        var name = try expectIdentifier()
        while peek.isOp("."), current + 1 < tokens.count, tokens[current + 1].kind == .name {
            advance(); name += "." + advance().text
        }
        return name
    }

    private mutating func callArguments() throws(LocatedError) -> Arguments {
        try expectOp("(")
        var args = Arguments()
        var first = true
        while !peek.isOp(")") {
            if !first { try expectOp(",") }
            first = false
            if peek.isOp(")") { break }
            if peek.isOp("*") || peek.isOp("**") {
                throw LocatedError(.syntax, "*args and **kwargs in calls are not supported", at: peek.offset)
            }
            if peek.kind == .name, current + 1 < tokens.count, tokens[current + 1].isOp("=") {
                let name = advance().text
                advance()
                args.keyword.append((name, try expression()))
            } else {
                if !args.keyword.isEmpty { throw LocatedError(.syntax, "positional argument follows keyword argument", at: peek.offset) }
                args.positional.append(try expression())
            }
        }
        advance()
        return args
    }

    // MARK: token stream

    private var peek: Token { tokens[min(current, tokens.count - 1)] }

    @discardableResult
    private mutating func advance() -> Token {
        let t = peek
        if current < tokens.count - 1 { current += 1 }
        return t
    }

    private mutating func expectEnd() throws(LocatedError) {
        guard peek.kind == .end else {
            throw LocatedError(.syntax, "expected end of tag, got \(peek.describe)", at: peek.offset)
        }
    }

    private mutating func expectOp(_ op: String) throws(LocatedError) {
        guard peek.isOp(op) else { throw LocatedError(.syntax, "expected '\(op)', got \(peek.describe)", at: peek.offset) }
        advance()
    }

    private mutating func expectName(_ name: String) throws(LocatedError) {
        guard peek.isName(name) else { throw LocatedError(.syntax, "expected '\(name)', got \(peek.describe)", at: peek.offset) }
        advance()
    }

    private mutating func expectIdentifier() throws(LocatedError) -> String {
        guard peek.kind == .name else { throw LocatedError(.syntax, "expected a name, got \(peek.describe)", at: peek.offset) }
        return advance().text
    }
}
