/// A variable frame. jinja2 gives every loop iteration and every macro call its own frame, so
/// `set` inside a loop is gone at the next iteration and after the loop (hence `namespace`).
final class Scope {
    private var variables: [String: Value] = [:]
    let parent: Scope?

    init(parent: Scope?) { self.parent = parent }

    func lookup(_ name: String) -> Value? {
        var s: Scope? = self
        while let frame = s {
            if let v = frame.variables[name] { return v }
            s = frame.parent
        }
        return nil
    }

    func assign(_ name: String, _ value: Value) { variables[name] = value }
    func removeAll() { variables = [:] }
}

/// Caps that keep a hostile or broken template from hanging or exhausting memory.
public struct JinjaLimits: Sendable {
    /// Loop iterations over the whole render.
    public var iterations: Int = 1_000_000
    /// Bytes of output, including captured `set` blocks and macro results.
    public var outputBytes: Int = 64 << 20
    /// Nested macro calls.
    public var callDepth: Int = 64
    /// Largest `range()`, as jinja2's sandbox (MAX_RANGE).
    public var rangeLength: Int = 100_000
    public init() {}
}
