struct TemplateCommand: Command {
    static let name = "template"
    static let summary = "Render messages with a model's chat template."
    static let usage = "cellar template MODEL --messages FILE.json [--generation-prompt]"
    static func run(_ args: inout Arguments) throws -> Int32 {
        throw UsageError("\(name) is not implemented yet")
    }
}
