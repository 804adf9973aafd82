/// jinja2 rejects an unknown filter or test when compiling, except inside an `if` statement or
/// an inline `x if c else y` (a "soft" frame), where it fails only if evaluated. Loop bodies,
/// macros and block `set`s start a hard frame again.
enum NameCheck {
    static func nodes(_ nodes: [Node], soft: Bool) throws(LocatedError) {
        for node in nodes {
            switch node {
            case .text, .breakLoop, .continueLoop, .callBlock: break
            case .output(let e): try expr(e, soft: soft)
            case .forLoop(let loop):
                try expr(loop.iterable, soft: soft)
                if let c = loop.condition { try expr(c, soft: false) }
                try self.nodes(loop.body, soft: false)
                try self.nodes(loop.otherwise, soft: soft)
            case .ifChain(let branches, let otherwise):
                for (c, body) in branches { try expr(c, soft: true); try self.nodes(body, soft: true) }
                try self.nodes(otherwise, soft: true)
            case .set(_, let e, _): try expr(e, soft: soft)
            case .setBlock(_, let filters, let body, _):
                try self.filters(filters)
                try self.nodes(body, soft: false)
            case .filterBlock(let filters, let body):
                try self.filters(filters)
                try self.nodes(body, soft: false)
            case .macro(let m):
                for (_, d) in m.parameters { if let d { try expr(d, soft: false) } }
                try self.nodes(m.body, soft: false)
            case .generation(let body): try self.nodes(body, soft: false)
            }
        }
    }

    private static func filters(_ filters: [(String, Arguments, Int)]) throws(LocatedError) {
        for (name, args, at) in filters {
            try filterName(name, at, soft: false)
            try arguments(args, soft: false)
        }
    }

    private static func filterName(_ name: String, _ at: Int, soft: Bool) throws(LocatedError) {
        if !soft && !Interpreter.filterNames.contains(name) { throw LocatedError(.syntax, "no filter named '\(name)'", at: at) }
    }

    private static func arguments(_ args: Arguments, soft: Bool) throws(LocatedError) {
        for a in args.positional { try expr(a, soft: soft) }
        for (_, a) in args.keyword { try expr(a, soft: soft) }
    }

    static func expr(_ e: Expr, soft: Bool) throws(LocatedError) {
        switch e {
        case .literal, .name: break
        case .list(let items), .tuple(let items): for i in items { try expr(i, soft: soft) }
        case .dict(let pairs): for (k, v) in pairs { try expr(k, soft: soft); try expr(v, soft: soft) }
        case .attribute(let b, _, _), .negate(let b, _), .plus(let b, _), .not(let b): try expr(b, soft: soft)
        case .item(let b, let i, _): try expr(b, soft: soft); try expr(i, soft: soft)
        case .slice(let b, let start, let stop, let step, _):
            try expr(b, soft: soft)
            for x in [start, stop, step] { if let x { try expr(x, soft: soft) } }
        case .call(let f, let args, _): try expr(f, soft: soft); try arguments(args, soft: soft)
        case .filter(let b, let name, let args, let at):
            try expr(b, soft: soft)
            try filterName(name, at, soft: soft)
            try arguments(args, soft: soft)
        case .test(let b, let name, let args, _, let at):
            try expr(b, soft: soft)
            if !soft && !Interpreter.testNames.contains(name) { throw LocatedError(.syntax, "no test named '\(name)'", at: at) }
            try arguments(args, soft: soft)
        case .and(let a, let b), .or(let a, let b), .binary(_, let a, let b, _): try expr(a, soft: soft); try expr(b, soft: soft)
        case .compare(let first, let rest, _):
            try expr(first, soft: soft)
            for (_, x) in rest { try expr(x, soft: soft) }
        case .conditional(let c, let then, let otherwise):
            try expr(c, soft: true); try expr(then, soft: true)
            if let otherwise { try expr(otherwise, soft: true) }
        }
    }
}
