struct InspectCommand: Command {
    static let name = "inspect"
    static let summary = "Describe a model and plan its placement on devices."
    static let usage = "cellar inspect MODEL [--devices N --memory-per-device SIZE]"
    static func run(_ args: inout Arguments) throws -> Int32 {
        throw UsageError("\(name) is not implemented yet")
    }
}
