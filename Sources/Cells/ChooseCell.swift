import Foundation
import CellKit
import Recipe
import Decoding
import Models
import Text

/// `kind = "choose"`: the probability of each of a row's choices, read off the model
/// (constrained decoding). Writes predictions.jsonl, one record per prompt, in order.
public struct ChooseCell: Cell {
    public static let schema = CellSchema(kind: "choose", summary: "Score fixed or per-row choices: probabilities and the argmax.", parameters: [
        ParameterSpec("model", .string, required: true, isInput: true, help: "the load cell's artifact (@load), or an HF folder / .gguf"),
        ParameterSpec("prompts", .string, required: true, isInput: true, help: "prompts.jsonl of a prompt cell (@prompt/prompts.jsonl)"),
        ParameterSpec("tokenizer", .string, isInput: true, help: "HF folder or .gguf whose tokenizer encodes the choices (default: the model's)"),
        ParameterSpec("choices", .array(.string), help: "the same choices for every row, e.g. [\"A\", \"B\", \"tie\"]"),
        ParameterSpec("choices_column", .string, help: "a kept column holding each row's list of choices"),
        ParameterSpec("choice_labels", .string, help: "what the model answers: \"text\" (default: the choices), \"index\" (0, 1, …), \"letter\" (A, B, …) or \"listed\" (the number the prompt lists a choice under, as \"2. text\"; else the text)"),
        ParameterSpec("score", .string, help: "\"next_token\" (default), \"sum_logprob\", \"mean_logprob\" or \"acc_norm\""),
        ParameterSpec("prefix", .string, help: "text put before every choice, e.g. \" \""),
        ParameterSpec("batch_size", .integer, help: "rows per forward pass (default 8)"),
        ParameterSpec("devices", .integer, help: "devices when the model is not a load artifact (default 1)"),
    ])
    public static let version = 1
    public init() {}

    public func run(_ context: CellContext) throws -> CellSummary {
        let id = context.cellID
        let started = Date()
        let methodName = context.string("score") ?? ScoreMethod.nextToken.rawValue
        guard let method = ScoreMethod(rawValue: methodName) else {
            throw CellError(cellID: id, "parameter 'score' must be one of \(ScoreMethod.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), got \"\(methodName)\"")
        }
        let fixed = context.strings("choices")
        let column = context.string("choices_column")
        guard (fixed == nil) != (column == nil) else {
            throw CellError(cellID: id, "give exactly one of 'choices' (a list) or 'choices_column' (a kept column)")
        }
        if let fixed, fixed.isEmpty { throw CellError(cellID: id, "parameter 'choices' is empty") }
        let prefix = context.string("prefix") ?? ""
        let batchSize = context.integer("batch_size") ?? 8
        guard batchSize >= 1 else { throw CellError(cellID: id, "parameter 'batch_size' must be at least 1, got \(batchSize)") }

        let labels = context.string("choice_labels") ?? "text"
        guard ["text", "index", "letter", "listed"].contains(labels) else {
            throw CellError(cellID: id, "parameter 'choice_labels' must be \"text\", \"index\", \"letter\" or \"listed\", got \"\(labels)\"")
        }
        let prompts = try ModelOpening.prompts(context)
        var choiceLists: [[String]] = []
        for p in prompts {
            let list = Self.labelled(try fixed ?? Self.choices(in: p, column: column ?? "", cellID: id), labels, prompt: p.text)
            guard !list.isEmpty else { throw CellError(cellID: id, "\(p.place): the row has no choices") }
            for c in list where (prefix + c).isEmpty { throw CellError(cellID: id, "\(p.place): a choice is the empty string") }
            choiceLists.append(list)
        }
        let model = try context.require(context.input("model"), "model")
        let (tokenizer, _) = try ModelOpening.tokenizer(context, model: model)
        let engine = try ModelOpening.engine(model, devices: context.integer("devices") ?? 1, cellID: id)

        let rows = zip(prompts, choiceLists).map { p, list in
            ChoiceRow(promptText: p.text, promptIDs: p.ids, choices: list.map { prefix + $0 })
        }
        let scorer = ChoiceScorer(engine: engine, batchSize: batchSize)
        let outcomes: [ChoiceOutcome]
        do {
            outcomes = try ChoiceScoring.score(rows, method: method, tokenizer: tokenizer, scorer: scorer) { done in
                context.progress(done, rows.count)
            }
        } catch let error as CellError { throw error } catch {
            throw CellError(cellID: id, "scoring failed: \(error)")
        }

        var text = ""
        var counts: [String: Int] = [:]
        for (p, pair) in zip(prompts, zip(choiceLists, outcomes)) {
            let (list, o) = pair
            let record: JinjaValue = .dict([
                ("row", .int(p.row)), ("id", p.id),
                ("choices", .array(list.map { .string($0) })),
                ("probs", .array(o.probabilities.map { .double($0) })),
                ("prediction", .string(list[o.predictionIndex])),
                ("prediction_index", .int(o.predictionIndex)),
                ("scores", .array(o.scores.map { .double($0) })),
                ("columns", p.columns),
            ])
            JSONText.write(record, into: &text)
            text += "\n"
            counts[list[o.predictionIndex], default: 0] += 1
        }
        let out = context.outputDirectory.appendingPathComponent("predictions.jsonl")
        do { try Data(text.utf8).write(to: out) } catch {
            throw CellError(cellID: id, "cannot write \(out.lastPathComponent): \(error.localizedDescription)")
        }
        let seconds = Date().timeIntervalSince(started)
        let fallback = outcomes.filter(\.scoredAsContinuations).count
        var lines = ["\(rows.count) rows scored by \(method.rawValue) in \(String(format: "%.1f", seconds)) s (\(String(format: "%.1f", Double(rows.count) / max(seconds, 1e-9))) rows/s)"]
        if fallback > 0 {
            lines.append("\(fallback) rows had multi-token or colliding choices: scored as full continuations (sum of log-probabilities)")
        }
        let top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(6)
        lines.append("predictions: " + top.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        return CellSummary(lines: lines, metrics: ["rows": Double(rows.count), "rows_scored_as_continuations": Double(fallback)])
    }

    /// What the model is asked to answer for each choice.
    static func labelled(_ choices: [String], _ labels: String, prompt: String) -> [String] {
        switch labels {
        case "index": return choices.indices.map { String($0) }
        case "letter": return choices.indices.map { String(UnicodeScalar(UInt8(65 + $0 % 26))) }
        case "listed":
            // Rows whose prompt lists every choice as "i. text" answer with i; others (e.g. a
            // 1-5 rating whose choices are the numbers) answer with the choice itself.
            let listed = choices.enumerated().allSatisfy { prompt.contains("\($0.offset). \($0.element)") }
            return listed ? choices.indices.map { String($0) } : choices
        default: return choices
        }
    }

    /// The choices a kept column holds: a JSON list, or a string holding one.
    static func choices(in p: PromptInput, column: String, cellID: String) throws -> [String] {
        guard let value = p.columns[column] else {
            throw CellError(cellID: cellID, "\(p.place): the record has no kept column '\(column)' (add it to the prompt cell's 'keep')")
        }
        var list = value
        if case .string(let s) = value, let parsed = try? JinjaValue(json: Data(s.utf8)) { list = parsed }
        guard let items = list.arrayValue else {
            throw CellError(cellID: cellID, "\(p.place): column '\(column)' must hold a list of choices")
        }
        return try items.map { item in
            switch item {
            case .string(let s): return s
            case .int(let i): return String(i)
            default: throw CellError(cellID: cellID, "\(p.place): column '\(column)' must hold strings")
            }
        }
    }
}
