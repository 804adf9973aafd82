struct TokenizeCommand: Command {
    static let name = "tokenize"
    static let summary = "Tokenize text with a model's tokenizer."
    static let usage = "cellar tokenize MODEL (--text T | --file F) [--special] [--json]"
    static func run(_ args: inout Arguments) throws -> Int32 {
        throw UsageError("\(name) is not implemented yet")
    }
}
