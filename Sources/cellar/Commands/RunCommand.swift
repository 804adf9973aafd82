struct RunCommand: Command {
    static let name = "run"
    static let summary = "Run a recipe: skip cached cells, run the rest, write the manifest."
    static let usage = "cellar run RECIPE [--from CELL] [--only CELL] [--threads N] [--quiet] [--json]"
    static func run(_ args: inout Arguments) throws -> Int32 {
        throw UsageError("\(name) is not implemented yet")
    }
}
