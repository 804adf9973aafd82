struct UnpackCommand: Command {
    static let name = "unpack"
    static let summary = "Safely extract a package or bundle."
    static let usage = "cellar unpack FILE -C DIR"
    static func run(_ args: inout Arguments) throws -> Int32 {
        throw UsageError("\(name) is not implemented yet")
    }
}
