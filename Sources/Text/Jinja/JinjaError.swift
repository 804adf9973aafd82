/// A template that cannot be parsed or rendered. `line`/`column` locate the construct (1-based,
/// columns in characters); a `raise_exception(msg)` call gives `.raised` with the template's
/// own message, which `description` shows unchanged, as transformers does.
public struct JinjaError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        case syntax
        case runtime
        /// The template called `raise_exception(message)`.
        case raised
        /// A loop, output or recursion cap was exceeded.
        case limit
    }
    public let kind: Kind
    public let message: String
    public let line: Int
    public let column: Int

    public init(_ kind: Kind, _ message: String, line: Int, column: Int) {
        self.kind = kind; self.message = message; self.line = line; self.column = column
    }

    public var description: String {
        kind == .raised ? message : "chat template line \(line):\(column): \(message)"
    }
}

/// An error found before its position is known: carries the source offset it belongs to.
struct LocatedError: Error {
    let kind: JinjaError.Kind
    let message: String
    let offset: Int
    init(_ kind: JinjaError.Kind, _ message: String, at offset: Int) {
        self.kind = kind; self.message = message; self.offset = offset
    }
}
