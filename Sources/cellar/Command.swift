/// One `cellar` subcommand. `run` returns the exit status: 0 success, 1 a failed run or
/// check. Errors thrown out of `run` are printed as one sentence by main (exit 1, or 2 for
/// a `UsageError`).
protocol Command: Sendable {
    static var name: String { get }
    /// One line for `cellar --help`.
    static var summary: String { get }
    /// The synopsis, e.g. "cellar run RECIPE [--from CELL]".
    static var usage: String { get }
    static func run(_ args: inout Arguments) throws -> Int32
}

/// Every command, in the order `cellar --help` lists them.
let commands: [any Command.Type] = [
    RunCommand.self,
    PlanCommand.self,
    VerifyCommand.self,
    PackCommand.self,
    UnpackCommand.self,
    InspectCommand.self,
    TokenizeCommand.self,
    TemplateCommand.self,
    LogitsCommand.self,
    ImportGGUFCommand.self,
    QuantizeCommand.self,
    DebugCommand.self,
]
