/// Expressions, each carrying the source offset errors point at.
indirect enum Expr {
    case literal(Value)
    case name(String, offset: Int)
    case list([Expr])
    case tuple([Expr])
    case dict([(Expr, Expr)])
    /// `a.b`: attribute first, then item (jinja2's getattr).
    case attribute(Expr, String, offset: Int)
    /// `a[b]`: item first, then attribute (jinja2's getitem).
    case item(Expr, Expr, offset: Int)
    case slice(Expr, start: Expr?, stop: Expr?, step: Expr?, offset: Int)
    case call(Expr, Arguments, offset: Int)
    case filter(Expr, name: String, Arguments, offset: Int)
    case test(Expr, name: String, Arguments, negated: Bool, offset: Int)
    case negate(Expr, offset: Int)
    case plus(Expr, offset: Int)
    case not(Expr)
    case and(Expr, Expr)
    case or(Expr, Expr)
    case binary(BinaryOperator, Expr, Expr, offset: Int)
    /// `a < b <= c`: Python's chained comparison.
    case compare(Expr, [(CompareOperator, Expr)], offset: Int)
    case conditional(condition: Expr, then: Expr, otherwise: Expr?)
}

struct Arguments {
    var positional: [Expr] = []
    var keyword: [(String, Expr)] = []
}

enum BinaryOperator: String { case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//", modulo = "%", power = "**", concat = "~" }

enum CompareOperator: String { case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">=", `in` = "in", notIn = "not in" }

/// Where `set` and `for` store values.
indirect enum AssignTarget {
    case name(String)
    /// `ns.attr` (namespace objects only).
    case attribute(String, String, offset: Int)
    case tuple([AssignTarget])
}

/// Template statements.
indirect enum Node {
    case text(String)
    case output(Expr)
    case forLoop(ForLoop)
    case ifChain([(Expr, [Node])], otherwise: [Node])
    case set(AssignTarget, Expr, offset: Int)
    case setBlock(AssignTarget, filters: [(String, Arguments, Int)], body: [Node], offset: Int)
    case macro(Macro)
    case callBlock(call: Expr, parameters: [(String, Expr?)], body: [Node], offset: Int)
    case filterBlock(filters: [(String, Arguments, Int)], body: [Node])
    case breakLoop(offset: Int)
    case continueLoop(offset: Int)
    /// `{% generation %}`: transformers renders the body unchanged.
    case generation([Node])
}

struct ForLoop {
    let target: AssignTarget
    let iterable: Expr
    let condition: Expr?
    let body: [Node]
    let otherwise: [Node]
    let offset: Int
}

final class Macro {
    let name: String
    let parameters: [(String, Expr?)]
    let body: [Node]
    let offset: Int
    init(name: String, parameters: [(String, Expr?)], body: [Node], offset: Int) {
        self.name = name; self.parameters = parameters; self.body = body; self.offset = offset
    }
}
