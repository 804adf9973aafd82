struct DebugCommand: Command {
    static let name = "debug"
    static let summary = "Developer tools: toml-decode (TOML on stdin → toml-test JSON on stdout)."
    static let usage = "cellar debug toml-decode"
    static func run(_ args: inout Arguments) throws -> Int32 {
        throw UsageError("\(name) is not implemented yet")
    }
}
