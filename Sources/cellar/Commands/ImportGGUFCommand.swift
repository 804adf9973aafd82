struct ImportGGUFCommand: Command {
    static let name = "import-gguf"
    static let summary = "Convert a GGUF file into a Hugging Face model folder."
    static let usage = "cellar import-gguf FILE.gguf -o DIR [--dtype f16|f32]"
    static func run(_ args: inout Arguments) throws -> Int32 {
        throw UsageError("\(name) is not implemented yet")
    }
}
