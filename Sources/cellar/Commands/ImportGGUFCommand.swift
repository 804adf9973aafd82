import Foundation
import Quantize

struct ImportGGUFCommand: Command {
    static let name = "import-gguf"
    static let summary = "Convert a GGUF file into a Hugging Face model folder."
    static let usage = "cellar import-gguf FILE.gguf -o DIR [--dtype f16|f32]"
    static func run(_ args: inout Arguments) throws -> Int32 {
        guard let output = try args.option("-o", "--output") else { throw UsageError("\(name): -o DIR is required") }
        let dtypeName = try args.option("--dtype") ?? "f16"
        guard let dtype = ImportDType(rawValue: dtypeName) else {
            throw UsageError("\(name): --dtype must be f16 or f32, got '\(dtypeName)'")
        }
        let file = try args.positionals("FILE.gguf")[0]
        let summary = try GGUFImport.run(gguf: URL(fileURLWithPath: file), to: URL(fileURLWithPath: output), dtype: dtype)
        print("imported \(summary.architecture): \(summary.tensorCount) tensors, \(summary.parameterCount) parameters, \(dtype.rawValue), \(summary.tiedEmbeddings ? "tied" : "untied") embeddings\(summary.hasTokenizer ? "" : ", no tokenizer metadata so no tokenizer files") → \(output)")
        return 0
    }
}
