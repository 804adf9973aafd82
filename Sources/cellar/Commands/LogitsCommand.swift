import Foundation
import Models
import Tensors

struct LogitsCommand: Command {
    static let name = "logits"
    static let summary = "Run the model on token ids and save the logits."
    static let usage = "cellar logits MODEL --ids \"1 2 3\" -o OUT.safetensors"
    static func run(_ args: inout Arguments) throws -> Int32 {
        guard let idsText = try args.option("--ids") else { throw UsageError("logits: --ids \"1 2 3\" is required") }
        guard let out = try args.option("-o", "--output") else { throw UsageError("logits: -o OUT.safetensors is required") }
        let model = URL(fileURLWithPath: try args.positionals("MODEL")[0])
        var ids: [Int32] = []
        for (i, word) in idsText.split(whereSeparator: { $0 == " " || $0 == "," }).enumerated() {
            guard let v = Int32(word) else { throw UsageError("logits: --ids entry \(i + 1) '\(word)' is not a token id") }
            ids.append(v)
        }
        guard !ids.isEmpty else { throw UsageError("logits: --ids is empty") }
        let engine = Engine(weights: try ModelLoader.load(model: model))
        let cache = engine.makeCache(slots: 1, maxContext: ids.count)
        let logits = try engine.forward([SequenceInput(slot: 0, tokens: ids)], cache: cache, logits: .all)
        let data = logits.withUnsafeBufferPointer { Data(buffer: $0) }
        try SafetensorsWriter.write([(name: "logits", dtype: .f32, shape: [ids.count, engine.config.vocabularySize], data: data)],
                                    metadata: [:], to: URL(fileURLWithPath: out))
        print("wrote logits [\(ids.count), \(engine.config.vocabularySize)] to \(out)")
        return 0
    }
}
