import Foundation
import CellKit
import Recipe
import Text
import Decoding

/// `kind = "prompt"`: rows of a CSV or JSONL file become chat-templated, tokenized prompts
/// (prompts.jsonl, one record per row in input order) within a token budget.
public struct PromptCell: Cell {
    public static let schema = CellSchema(kind: "prompt", summary: "Turn data rows into chat-templated, tokenized prompts.", parameters: [
        ParameterSpec("model", .string, required: true, isInput: true, help: "HF folder or .gguf: tokenizer and chat template"),
        ParameterSpec("data", .string, required: true, isInput: true, help: ".csv (RFC 4180) or .jsonl rows"),
        ParameterSpec("messages", .array(.table), required: true, help: "[{role, content}]; content is a Jinja template over the row's columns"),
        ParameterSpec("system", .string, help: "a system message (a template too), placed first"),
        ParameterSpec("id_column", .string, help: "the column that identifies a row (default \"id\")"),
        ParameterSpec("add_generation_prompt", .boolean, help: "end with the assistant turn's opening (default true)"),
        ParameterSpec("max_input_tokens", .integer, help: "token budget per prompt; longest fields are cut first"),
        ParameterSpec("truncation_marker", .string, help: "put where a field's middle was cut (default \" … \")"),
        ParameterSpec("keep", .array(.string), help: "columns copied into each record, e.g. [\"winner\"]"),
        ParameterSpec("date", .any, help: "the date strftime_now renders, YYYY-MM-DD (default 2024-07-26)"),
    ])
    public static let version = 1
    public init() {}

    public func run(_ context: CellContext) throws -> CellSummary {
        let id = context.cellID
        let model = try context.require(context.input("model"), "model")
        let dataURL = try context.require(context.input("data"), "data")
        let spec = try PromptCell.spec(context)
        let table: RowTable
        do { table = try RowReader.read(dataURL) } catch { throw CellError(cellID: id, error.description) }
        let tokenizer: Tokenizer
        let config: TokenizerConfig
        do {
            tokenizer = try Tokenizer.load(model: model)
            config = try TokenizerConfig.load(model: model)
        } catch {
            throw CellError(cellID: id, "cannot read the model's tokenizer: \(error)")
        }
        guard let template = config.chatTemplate else {
            throw CellError(cellID: id, "the model \(model.lastPathComponent) has no chat template")
        }
        let builder: PromptBuilder
        do {
            builder = try PromptBuilder(spec: spec, table: table, tokenizer: tokenizer, chatTemplateSource: template,
                                        bosToken: config.bosToken, eosToken: config.eosToken)
        } catch { throw CellError(cellID: id, error.message) }

        let records = try PromptCell.buildAll(builder, rows: table.rows.count, threads: context.threads, progress: context.progress, cellID: id)
        var text = ""
        for r in records { text += r.jsonLine; text += "\n" }
        let out = context.outputDirectory.appendingPathComponent("prompts.jsonl")
        do { try Data(text.utf8).write(to: out) } catch {
            throw CellError(cellID: id, "cannot write \(out.lastPathComponent): \(error.localizedDescription)")
        }
        let stats = PromptStatistics(lengths: records.map(\.ids.count), truncated: records.filter(\.truncated).count)
        return CellSummary(lines: stats.lines, metrics: [
            "rows": Double(stats.rows), "tokens_min": Double(stats.minimum), "tokens_median": Double(stats.median),
            "tokens_p95": Double(stats.p95), "tokens_max": Double(stats.maximum), "rows_truncated": Double(stats.truncated),
        ])
    }

    /// Rows in parallel chunks; the first failing row (in row order) is the error reported.
    static func buildAll(_ builder: PromptBuilder, rows: Int, threads: Int,
                         progress: @escaping @Sendable (Int, Int) -> Void, cellID: String) throws -> [PromptRecord] {
        let results = ResultSlots(count: rows)
        let workers = max(1, min(threads, rows))
        let done = Counter()
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var r = w
            while r < rows {
                do throws(PromptError) { results.set(r, .success(try builder.build(row: r))) } catch {
                    results.set(r, .failure(error))
                }
                progress(done.increment(), rows)
                r += workers
            }
        }
        var out: [PromptRecord] = []
        out.reserveCapacity(rows)
        for r in 0..<rows {
            switch results.get(r) {
            case .success(let record)?: out.append(record)
            case .failure(let error)?: throw CellError(cellID: cellID, error.message)
            case nil: throw CellError(cellID: cellID, "row \(r) was not built")
            }
        }
        return out
    }

    static func spec(_ context: CellContext) throws -> PromptSpec {
        let id = context.cellID
        var messages: [PromptSpec.Message] = []
        if let system = context.string("system") { messages.append(.init(role: "system", content: system)) }
        if case .array(let items)? = context.parameters["messages"]?.value {
            for (i, item) in items.enumerated() {
                guard case .table(let t) = item.value,
                      case .string(let role)? = t["role"]?.value, case .string(let content)? = t["content"]?.value else {
                    throw CellError(cellID: id, "messages[\(i)] (line \(item.position.line)) must be a table with string 'role' and 'content'")
                }
                messages.append(.init(role: role, content: content))
            }
        }
        var spec = PromptSpec(messages: messages)
        spec.idColumn = context.string("id_column") ?? "id"
        spec.addGenerationPrompt = context.bool("add_generation_prompt") ?? true
        spec.maxInputTokens = context.integer("max_input_tokens")
        spec.marker = context.string("truncation_marker") ?? spec.marker
        spec.keep = context.strings("keep") ?? []
        if let node = context.parameters["date"] {
            switch node.value {
            case .string(let s):
                let parts = s.split(separator: "-").compactMap { Int($0) }
                guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else {
                    throw CellError(cellID: id, "parameter 'date' must be YYYY-MM-DD, got \"\(s)\"")
                }
                spec.date = PinnedDate(year: parts[0], month: parts[1], day: parts[2])
            case .datetime(let d):
                guard let y = d.year, let m = d.month, let day = d.day else {
                    throw CellError(cellID: id, "parameter 'date' must be a date (YYYY-MM-DD)")
                }
                spec.date = PinnedDate(year: y, month: m, day: day)
            default:
                throw CellError(cellID: id, "parameter 'date' must be a date (YYYY-MM-DD)")
            }
        }
        return spec
    }
}

/// Per-row results written by worker threads, read after they finish.
final class ResultSlots: @unchecked Sendable {
    private var slots: [Result<PromptRecord, PromptError>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<PromptRecord, PromptError>) { lock.withLock { slots[i] = r } }
    func get(_ i: Int) -> Result<PromptRecord, PromptError>? { lock.withLock { slots[i] } }
}

/// A thread-safe running count for progress reports.
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func increment() -> Int { lock.withLock { value += 1; return value } }
}
