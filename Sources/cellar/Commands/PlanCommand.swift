struct PlanCommand: Command {
    static let name = "plan"
    static let summary = "Show, per cell, whether it is cached or will run and why."
    static let usage = "cellar plan RECIPE [--json]"
    static func run(_ args: inout Arguments) throws -> Int32 {
        throw UsageError("\(name) is not implemented yet")
    }
}
