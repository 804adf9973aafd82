struct LogitsCommand: Command {
    static let name = "logits"
    static let summary = "Run the model on token ids and save the logits."
    static let usage = "cellar logits MODEL --ids \"1 2 3\" -o OUT.safetensors"
    static func run(_ args: inout Arguments) throws -> Int32 {
        throw UsageError("\(name) is not implemented yet")
    }
}
