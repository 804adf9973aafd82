struct PackCommand: Command {
    static let name = "pack"
    static let summary = "Package a recipe, its manifest and cached artifacts for offline reruns."
    static let usage = "cellar pack RECIPE -o FILE.tar.gz|FILE.zip [--with-inputs] [--with-binary]"
    static func run(_ args: inout Arguments) throws -> Int32 {
        throw UsageError("\(name) is not implemented yet")
    }
}
