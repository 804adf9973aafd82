import Text

/// How rows become prompts: the prompt cell's parameters, checked.
public struct PromptSpec: Sendable {
    public struct Message: Sendable {
        public var role: String
        /// A Jinja template over the row's columns.
        public var content: String
        public init(role: String, content: String) { self.role = role; self.content = content }
    }

    public var messages: [Message]
    public var addGenerationPrompt = true
    /// Total tokens of a prompt, template included; nil = no limit.
    public var maxInputTokens: Int?
    /// Put where a field's middle was cut out.
    public var marker = " … "
    public var idColumn = "id"
    /// Columns copied into each record's "columns", as read.
    public var keep: [String] = []
    public var date: PinnedDate = .standard

    public init(messages: [Message]) { self.messages = messages }
}

/// One prompt: the row's place in the input, its id, the chat-templated text and its tokens.
public struct PromptRecord: Sendable {
    public var row: Int
    public var id: String
    public var text: String
    public var ids: [Int32]
    public var truncated: Bool
    public var columns: [(key: String, value: JinjaValue)]

    /// One line of prompts.jsonl (without the newline).
    public var jsonLine: String {
        var out = "{\"row\":\(row),\"id\":" + JSONWriter.quoted(id) + ",\"text\":" + JSONWriter.quoted(text) + ",\"ids\":["
        for (i, t) in ids.enumerated() {
            if i > 0 { out += "," }
            out += String(t)
        }
        out += "],\"truncated\":" + (truncated ? "true" : "false") + ",\"columns\":"
        JSONText.write(.dict(columns), into: &out)
        return out + "}"
    }
}
