import Foundation
import Text

/// `cellar template MODEL --messages FILE.json [--generation-prompt] [--date YYYY-MM-DD]`: the
/// prompt a model's chat template makes of a conversation, written exactly (no added newline).
/// FILE.json is a list of messages, or an object with "messages" and any other template
/// variables (e.g. "tools"); MODEL is a Hugging Face folder or a .gguf file.
struct TemplateCommand: Command {
    static let name = "template"
    static let summary = "Render messages with a model's chat template."
    static let usage = "cellar template MODEL --messages FILE.json [--generation-prompt] [--date YYYY-MM-DD]"

    static func run(_ args: inout Arguments) throws -> Int32 {
        guard let messagesPath = try args.option("--messages") else { throw UsageError("\(name): --messages FILE.json is required") }
        let generationPrompt = args.flag("--generation-prompt")
        let date = try args.option("--date").map(parseDate) ?? .standard
        let model = try args.positionals("MODEL")[0]

        let data: Data
        if messagesPath == "-" { data = FileHandle.standardInput.readDataToEndOfFile() } else {
            guard let d = FileManager.default.contents(atPath: messagesPath) else { throw UsageError("\(name): cannot read \(messagesPath)") }
            data = d
        }
        let input = try JinjaValue(json: data, file: messagesPath)
        var extra: [String: JinjaValue] = [:]
        let messages: [JinjaValue]
        switch input {
        case .array(let list): messages = list
        case .dict(let pairs):
            guard case .array(let list)? = input["messages"] else {
                throw InputError("\(messagesPath): expected \"messages\" to be a list of {role, content} objects")
            }
            messages = list
            for (k, v) in pairs where k != "messages" { extra[k] = v }
        default: throw InputError("\(messagesPath): expected a list of messages or an object with \"messages\"")
        }
        for (i, m) in messages.enumerated() {
            guard case .dict = m, m["role"]?.stringValue != nil else {
                throw InputError("\(messagesPath): message \(i) is not an object with a string \"role\"")
            }
        }

        let config = try TokenizerConfig.load(model: URL(fileURLWithPath: model))
        guard let source = config.chatTemplate else {
            throw InputError("\(model): the model has no chat template (tokenizer_config.json chat_template or GGUF tokenizer.chat_template)")
        }
        do {
            let template = try ChatTemplate(source)
            let text = try template.render(messages: messages, addGenerationPrompt: generationPrompt,
                                           bosToken: config.bosToken, eosToken: config.eosToken, extra: extra, date: date)
            FileHandle.standardOutput.write(Data(text.utf8))
        } catch {
            if error.kind == .raised { throw InputError("\(model): the chat template refused the conversation: \(error.message)") }
            throw InputError("\(model): \(error)")
        }
        return 0
    }

    static func parseDate(_ s: String) throws(UsageError) -> PinnedDate {
        let parts = s.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else {
            throw UsageError("\(name): --date expects YYYY-MM-DD, got '\(s)'")
        }
        return PinnedDate(year: parts[0], month: parts[1], day: parts[2])
    }
}
