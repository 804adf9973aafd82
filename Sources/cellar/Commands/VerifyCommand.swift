struct VerifyCommand: Command {
    static let name = "verify"
    static let summary = "Recompute every digest of a manifest or package; exit 1 naming each mismatch."
    static let usage = "cellar verify MANIFEST|PACKAGE|DIR"
    static func run(_ args: inout Arguments) throws -> Int32 {
        throw UsageError("\(name) is not implemented yet")
    }
}
