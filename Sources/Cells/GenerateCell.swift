import Foundation
import CellKit
import Recipe
import Decoding
import Models
import Text

/// `kind = "generate"`: a continuation per prompt, greedy or sampled with a fixed seed.
/// Writes generations.jsonl, one record per prompt, in order.
public struct GenerateCell: Cell {
    public static let schema = CellSchema(kind: "generate", summary: "Generate text for each prompt (greedy or seeded sampling).", parameters: [
        ParameterSpec("model", .string, required: true, isInput: true, help: "the load cell's artifact (@load), or an HF folder / .gguf"),
        ParameterSpec("prompts", .string, required: true, isInput: true, help: "prompts.jsonl of a prompt cell (@prompt/prompts.jsonl)"),
        ParameterSpec("tokenizer", .string, isInput: true, help: "HF folder or .gguf for decoding and EOS (default: the model's)"),
        ParameterSpec("max_new_tokens", .integer, help: "tokens generated at most per row (default 64)"),
        ParameterSpec("temperature", .float, help: "0 (default) is greedy; above 0 samples"),
        ParameterSpec("top_p", .float, help: "nucleus sampling mass in (0, 1] (default 1)"),
        ParameterSpec("top_k", .integer, help: "sample among the k most likely tokens (default 0 = all)"),
        ParameterSpec("seed", .integer, help: "sampling seed (default 0); each row draws from its own stream"),
        ParameterSpec("stop", .stringOrStrings, help: "strings that end a generation (not included in the text)"),
        ParameterSpec("batch_size", .integer, help: "rows decoded together (default 8)"),
        ParameterSpec("devices", .integer, help: "devices when the model is not a load artifact (default 1)"),
    ])
    public static let version = 1
    public init() {}

    public func run(_ context: CellContext) throws -> CellSummary {
        let id = context.cellID
        let started = Date()
        var settings = GenerationSettings()
        settings.maxNewTokens = context.integer("max_new_tokens") ?? 64
        guard settings.maxNewTokens >= 1 else { throw CellError(cellID: id, "parameter 'max_new_tokens' must be at least 1") }
        settings.sampling.temperature = context.double("temperature") ?? 0
        settings.sampling.topP = context.double("top_p") ?? 1
        settings.sampling.topK = context.integer("top_k") ?? 0
        guard settings.sampling.temperature >= 0, settings.sampling.topP > 0, settings.sampling.topP <= 1, settings.sampling.topK >= 0 else {
            throw CellError(cellID: id, "temperature must be ≥ 0, top_p in (0, 1] and top_k ≥ 0")
        }
        settings.sampling.seed = UInt64(bitPattern: Int64(context.integer("seed") ?? 0))
        settings.stop = context.strings("stop") ?? []
        settings.batchSize = context.integer("batch_size") ?? 8
        guard settings.batchSize >= 1 else { throw CellError(cellID: id, "parameter 'batch_size' must be at least 1") }

        let prompts = try ModelOpening.prompts(context)
        let model = try context.require(context.input("model"), "model")
        let (tokenizer, config) = try ModelOpening.tokenizer(context, model: model)
        var ends = Set(tokenizer.eosIDs)
        for name in [config?.eosToken, "<|im_end|>", "<|eot_id|>", "<|endoftext|>"].compactMap({ $0 }) {
            if let t = tokenizer.id(name) { ends.insert(t) }
        }
        settings.endIDs = ends
        let engine = try ModelOpening.engine(model, devices: context.integer("devices") ?? 1, cellID: id)
        let generator = Generator(engine: engine, tokenizer: tokenizer, settings: settings)
        let generations: [Generation]
        do {
            generations = try generator.generate(prompts.map(\.ids)) { done in context.progress(done, prompts.count) }
        } catch { throw CellError(cellID: id, "generation failed: \(error)") }

        var text = ""
        var reasons: [String: Int] = [:]
        var tokens = 0
        for (p, g) in zip(prompts, generations) {
            let record: JinjaValue = .dict([
                ("row", .int(p.row)), ("id", p.id), ("text", .string(g.text)),
                ("ids", .array(g.ids.map { .int(Int($0)) })), ("finish_reason", .string(g.finishReason)),
                ("columns", p.columns),
            ])
            JSONText.write(record, into: &text)
            text += "\n"
            reasons[g.finishReason, default: 0] += 1
            tokens += g.ids.count
        }
        let out = context.outputDirectory.appendingPathComponent("generations.jsonl")
        do { try Data(text.utf8).write(to: out) } catch {
            throw CellError(cellID: id, "cannot write \(out.lastPathComponent): \(error.localizedDescription)")
        }
        let seconds = Date().timeIntervalSince(started)
        let mode = settings.sampling.isGreedy ? "greedy" : "sampled (seed \(settings.sampling.seed))"
        return CellSummary(lines: [
            "\(prompts.count) rows, \(tokens) tokens \(mode) in \(String(format: "%.1f", seconds)) s",
            "finished by: " + reasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
        ], metrics: ["rows": Double(prompts.count), "tokens": Double(tokens)])
    }
}
