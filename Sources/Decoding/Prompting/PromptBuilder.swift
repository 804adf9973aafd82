import Foundation
import Text

/// Turns rows into chat-templated, tokenized prompts within a token budget.
///
/// Each message's content is rendered from its template over the row's columns (undefined
/// names are errors), the model's chat template wraps the messages, and the text is tokenized
/// as transformers' `apply_chat_template` would. Over budget, the longest fields are cut first
/// (head and tail kept around the marker) and the prompt rebuilt until it fits.
public struct PromptBuilder: Sendable {
    public let spec: PromptSpec
    public let table: RowTable
    let tokenizer: Tokenizer
    let chatTemplate: ChatTemplate
    let contents: [ChatTemplate]
    let bosToken: String?
    let eosToken: String?
    let idIndex: Int
    let keepIndices: [Int]

    /// - Parameters:
    ///   - chatTemplateSource: the model's chat template.
    public init(spec: PromptSpec, table: RowTable, tokenizer: Tokenizer, chatTemplateSource: String,
                bosToken: String?, eosToken: String?) throws(PromptError) {
        self.spec = spec; self.table = table; self.tokenizer = tokenizer
        self.bosToken = bosToken; self.eosToken = eosToken
        guard !spec.messages.isEmpty else { throw PromptError("messages is empty; give at least one {role, content}") }
        do { chatTemplate = try ChatTemplate(chatTemplateSource) } catch {
            throw PromptError("the model's chat template does not parse: \(error)")
        }
        var contents: [ChatTemplate] = []
        for (i, m) in spec.messages.enumerated() {
            do { contents.append(try ChatTemplate(m.content)) } catch {
                throw PromptError("messages[\(i)] (\(m.role)): the content template does not parse: \(error.description.replacingOccurrences(of: "chat template ", with: ""))")
            }
        }
        self.contents = contents
        func column(_ name: String, _ parameter: String) throws(PromptError) -> Int {
            guard let i = table.columnIndex(name) else {
                throw PromptError("\(parameter) names column '\(name)', which \(table.file) does not have (its columns: \(table.columns.joined(separator: ", ")))")
            }
            return i
        }
        idIndex = try column(spec.idColumn, "id_column")
        var keep: [Int] = []
        for name in spec.keep { keep.append(try column(name, "keep")) }
        keepIndices = keep
        if let max = spec.maxInputTokens, max < 1 { throw PromptError("max_input_tokens must be at least 1, not \(max)") }
    }

    /// The prompt for row `r` (0-based).
    public func build(row r: Int) throws(PromptError) -> PromptRecord {
        let values = table.rows[r]
        guard let idValue = values[idIndex] else {
            throw PromptError("\(table.place(row: r)): the row has no value for id column '\(spec.idColumn)'")
        }
        var columns: [(key: String, value: JinjaValue)] = []
        for i in keepIndices { columns.append((table.columns[i], values[i] ?? .none)) }
        let fields = RowFields(columns: table.columns, values: values)
        var keeps = [Int?](repeating: nil, count: fields.fields.count)
        var text = try render(fields.variables(keeps: keeps, marker: spec.marker), row: r)
        var ids = encode(text)
        guard let budget = spec.maxInputTokens, ids.count > budget else {
            return PromptRecord(row: r, id: PromptBuilder.idString(idValue), text: text, ids: ids, truncated: false, columns: columns)
        }
        // Fields the prompt shows; the rest cannot help (a column no template names).
        var active = fields.fields.indices.filter { !fields.fields[$0].scalars.isEmpty && text.contains(fields.text(of: $0, keep: nil, marker: "")) }
        if active.isEmpty { active = fields.fields.indices.filter { !fields.fields[$0].scalars.isEmpty } }
        let emptied = try render(fields.variables(keeps: keeps.indices.map { _ in 0 }, marker: ""), row: r)
        let floor = encode(emptied).count
        guard floor <= budget else {
            throw PromptError("\(table.place(row: r)): cannot fit in max_input_tokens = \(budget): the template and messages without any column text already take \(floor) tokens")
        }
        for _ in 0..<100 {
            let excess = ids.count - budget
            if excess <= 0 { break }
            let lengths = active.map { tokenizer.encode(fields.text(of: $0, keep: keeps[$0], marker: spec.marker), addSpecialTokens: false).count }
            let cap = PromptBuilder.waterLevel(lengths, excess: excess)
            let markerTokens = tokenizer.encode(spec.marker, addSpecialTokens: false).count
            var changed = false
            for (n, f) in active.enumerated() where lengths[n] > cap {
                let current = keeps[f] ?? fields.fields[f].scalars.count
                guard current > 0 else { continue }
                let target = max(0, cap - (keeps[f] == nil ? markerTokens : 0))
                let scaled = Int(Double(current) * Double(target) / Double(max(1, lengths[n])))
                keeps[f] = max(0, min(current - 1, scaled))
                changed = true
            }
            if !changed { break }
            text = try render(fields.variables(keeps: keeps, marker: spec.marker), row: r)
            ids = encode(text)
        }
        guard ids.count <= budget else {
            throw PromptError("\(table.place(row: r)): cannot fit in max_input_tokens = \(budget) even with every field cut down to the marker (\(ids.count) tokens)")
        }
        return PromptRecord(row: r, id: PromptBuilder.idString(idValue), text: text, ids: ids, truncated: true, columns: columns)
    }

    /// The largest per-field length L such that cutting every longer field down to L removes
    /// at least `excess` tokens (0 when even that is not enough).
    static func waterLevel(_ lengths: [Int], excess: Int) -> Int {
        let sorted = lengths.sorted(by: >)
        var removed = 0
        for (i, len) in sorted.enumerated() {
            let next = i + 1 < sorted.count ? sorted[i + 1] : 0
            // Lowering the top i+1 fields from `len` to `next` removes (len - next) each.
            let step = (len - next) * (i + 1)
            if removed + step >= excess {
                let needed = excess - removed
                return len - (needed + i) / (i + 1)
            }
            removed += step
        }
        return 0
    }

    /// The chat-templated text for these column values.
    func render(_ variables: [String: JinjaValue], row r: Int) throws(PromptError) -> String {
        var messages: [JinjaValue] = []
        for (i, m) in spec.messages.enumerated() {
            let content: String
            do { content = try contents[i].render(variables: variables, date: spec.date, strictUndefined: true) } catch {
                throw contentError(error, message: i, row: r, variables: variables)
            }
            messages.append(.dict([("role", .string(m.role)), ("content", .string(content))]))
        }
        do {
            return try chatTemplate.render(messages: messages, addGenerationPrompt: spec.addGenerationPrompt,
                                           bosToken: bosToken, eosToken: eosToken, date: spec.date)
        } catch {
            throw PromptError("\(table.place(row: r)): the model's chat template failed: \(error)")
        }
    }

    private func contentError(_ error: JinjaError, message i: Int, row r: Int, variables: [String: JinjaValue]) -> PromptError {
        let which = "messages[\(i)] (\(spec.messages[i].role))"
        let undefinedSuffix = "' is undefined"
        if error.message.hasPrefix("'"), error.message.hasSuffix(undefinedSuffix) {
            let name = String(error.message.dropFirst().dropLast(undefinedSuffix.count))
            if table.columnIndex(name) == nil {
                return PromptError("\(which) names '\(name)' (template line \(error.line):\(error.column)), which is not a column of \(table.file) (its columns: \(table.columns.joined(separator: ", ")))")
            }
            return PromptError("\(table.place(row: r)): the row has no value for column '\(name)', which \(which) uses")
        }
        return PromptError("\(table.place(row: r)): \(which): \(error)")
    }

    /// Token ids as transformers' apply_chat_template gives them: the text already carries
    /// the template's special tokens, so BOS is not added a second time.
    func encode(_ text: String) -> [Int32] {
        let hasBOS = bosToken.map { !$0.isEmpty && text.hasPrefix($0) } ?? false
        return tokenizer.encode(text, addSpecialTokens: !hasBOS)
    }

    static func idString(_ v: JinjaValue) -> String {
        switch v {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): JSONText.number(d)
        case .bool(let b): b ? "true" : "false"
        default: JSONText.encode(v)
        }
    }
}
