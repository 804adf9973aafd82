import Foundation
import CellKit
import Models
import Text
import Decoding

/// How the choose and generate cells get an engine and a tokenizer from their `model` (and
/// optional `tokenizer`) inputs.
enum ModelOpening {
    /// The load cell's artifact (engine.json + weights.bin, mapped in milliseconds), or else a
    /// Hugging Face folder or .gguf loaded in full on `devices` devices.
    static func engine(_ model: URL, devices: Int, cellID: String) throws -> Engine {
        do {
            if FileManager.default.fileExists(atPath: model.appendingPathComponent(EngineArtifact.headerName).path) {
                return try Engine.open(loadArtifact: model)
            }
            return Engine(weights: try ModelLoader.load(model: model, devices: max(1, devices)))
        } catch {
            throw CellError(cellID: cellID, "cannot open the model \(model.lastPathComponent): \(error)")
        }
    }

    /// The `tokenizer` input when given, else the model's own (tokenizer.json in the folder,
    /// or the GGUF's vocabulary).
    static func tokenizer(_ context: CellContext, model: URL) throws -> (Tokenizer, TokenizerConfig?) {
        let source = context.input("tokenizer") ?? model
        do {
            return (try Tokenizer.load(model: source), try? TokenizerConfig.load(model: source))
        } catch {
            let hint = context.input("tokenizer") == nil ? " (give the cell a 'tokenizer' input, e.g. \"@quantize\")" : ""
            throw CellError(cellID: context.cellID, "cannot read a tokenizer from \(source.lastPathComponent): \(error)\(hint)")
        }
    }

    /// The records of the prompt cell's prompts.jsonl.
    static func prompts(_ context: CellContext) throws -> [PromptInput] {
        let url = try context.require(context.input("prompts"), "prompts")
        let records: PredictionRecords
        do { records = try PredictionRecords(url) } catch { throw CellError(cellID: context.cellID, error.description) }
        return try records.records.enumerated().map { i, r in
            let place = records.place(i)
            guard case .string(let text)? = PredictionRecords.field(r, "text") else {
                throw CellError(cellID: context.cellID, "\(place): expected a string field 'text'")
            }
            guard let idValues = PredictionRecords.field(r, "ids")?.arrayValue else {
                throw CellError(cellID: context.cellID, "\(place): expected an array field 'ids'")
            }
            var ids: [Int32] = []
            ids.reserveCapacity(idValues.count)
            for v in idValues {
                guard case .int(let t) = v, t >= 0, t <= Int(Int32.max) else {
                    throw CellError(cellID: context.cellID, "\(place): 'ids' must hold non-negative integers")
                }
                ids.append(Int32(t))
            }
            let row: Int
            if case .int(let n)? = PredictionRecords.field(r, "row") { row = n } else { row = i }
            let id: JinjaValue = PredictionRecords.field(r, "id") ?? .string(String(row))
            let columns: JinjaValue = PredictionRecords.field(r, "columns") ?? .dict([])
            return PromptInput(row: row, id: id, text: text, ids: ids, columns: columns, place: place)
        }
    }
}

/// One prompt record.
struct PromptInput {
    var row: Int
    var id: JinjaValue
    var text: String
    var ids: [Int32]
    var columns: JinjaValue
    var place: String
}
