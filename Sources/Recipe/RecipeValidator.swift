import Foundation

/// Checks a parsed recipe document against the cell kinds' schemas and collects every
/// problem, so a broken recipe is fixed in one round rather than one error at a time.
struct RecipeValidator {
    let file: URL
    let fileName: String
    let schemas: [String: CellSchema]
    private(set) var diagnostics: [RecipeDiagnostic] = []

    static let topLevelKeys = ["recipe", "cell"]
    static let recipeKeys = ["name", "description", "artifacts"]

    init(file: URL, schemas: [String: CellSchema]) {
        self.file = file
        self.fileName = file.relativePath
        self.schemas = schemas
    }

    private mutating func report(_ position: SourcePosition, key: String?, _ message: String) {
        diagnostics.append(RecipeDiagnostic(file: fileName, position: position, key: key, message: message))
    }

    mutating func validate(_ document: TOMLTable) throws(RecipeError) -> Recipe {
        for entry in document.entries where !RecipeValidator.topLevelKeys.contains(entry.key) {
            report(entry.keyPosition, key: entry.key,
                   "unknown top-level key '\(entry.key)': a recipe has one [recipe] table and [[cell]] entries"
                       + Suggestion.didYouMean(entry.key, in: RecipeValidator.topLevelKeys))
        }
        let header = validateHeader(document)
        let cells = validateCells(document, after: document.entry("recipe")?.node.position)
        guard diagnostics.isEmpty, let header else { throw RecipeError(diagnostics) }
        return Recipe(file: file, name: header.name, description: header.description,
                      artifactsDirectory: header.artifacts, cells: cells)
    }

    // MARK: [recipe]

    private mutating func validateHeader(_ document: TOMLTable) -> (name: String, description: String, artifacts: URL)? {
        guard let entry = document.entry("recipe") else {
            report(SourcePosition(line: 1, column: 1), key: "recipe",
                   "missing [recipe] table: every recipe starts with [recipe] and name = \"...\"")
            return nil
        }
        guard case .table(let table) = entry.node.value else {
            report(entry.node.position, key: "recipe",
                   "'recipe' must be a table written [recipe], got \(RecipeValidator.describe(entry.node.value))")
            return nil
        }
        for e in table.entries where !RecipeValidator.recipeKeys.contains(e.key) {
            report(e.keyPosition, key: e.key, "unknown key '\(e.key)' in [recipe] (allowed: name, description, artifacts)"
                       + Suggestion.didYouMean(e.key, in: RecipeValidator.recipeKeys))
        }
        var name: String?
        if let node = table["name"] {
            if let s = string(node, key: "name", in: "[recipe]") {
                if let problem = RecipeValidator.folderNameProblem(s) {
                    report(node.position, key: "name", "recipe name \(RecipeValidator.quoted(s)) \(problem) (it names the folder artifacts/<name>/)")
                } else {
                    name = s
                }
            }
        } else {
            report(table.position, key: "name", "[recipe] has no name; add name = \"...\"")
        }
        let description = table["description"].flatMap { string($0, key: "description", in: "[recipe]") } ?? ""
        var artifacts = "artifacts"
        if let node = table["artifacts"], let s = string(node, key: "artifacts", in: "[recipe]") {
            if s.isEmpty { report(node.position, key: "artifacts", "[recipe] artifacts must name a folder, got an empty string") }
            artifacts = s
        }
        guard let name else { return nil }
        let base = file.absoluteURL.deletingLastPathComponent()
        let folder = artifacts.hasPrefix("/") ? URL(fileURLWithPath: artifacts) : base.appendingPathComponent(artifacts)
        return (name, description, folder.standardizedFileURL)
    }

    static func folderNameProblem(_ s: String) -> String? {
        if s.isEmpty { return "is empty" }
        if s == "." || s == ".." { return "is not a folder name" }
        if s.contains("/") || s.contains("\\") { return "cannot contain '/' or '\\'" }
        if s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "cannot contain control characters" }
        return nil
    }

    // MARK: [[cell]]

    /// One cell as far as it could be read, for the second (cross-cell) pass.
    private struct Draft {
        var index: Int
        var table: TOMLTable
        var id: String?
        var kind: String?
        var idPosition: SourcePosition?
        /// "cell 'x'" or "cell #3" for messages.
        var label: String
    }

    private mutating func validateCells(_ document: TOMLTable, after recipePosition: SourcePosition?) -> [CellSpec] {
        guard let entry = document.entry("cell") else {
            report(recipePosition ?? SourcePosition(line: 1, column: 1), key: "cell",
                   "the recipe has no cells; add one with [[cell]], id = \"...\" and kind = \"...\"")
            return []
        }
        guard case .array(let items) = entry.node.value else {
            report(entry.keyPosition, key: "cell",
                   "'cell' must be an array of tables: write [[cell]] (double brackets) before each cell")
            return []
        }
        if items.isEmpty { report(entry.node.position, key: "cell", "the recipe has no cells") }

        var drafts: [Draft] = []
        var firstUse: [String: (index: Int, position: SourcePosition)] = [:]
        for (index, item) in items.enumerated() {
            guard case .table(let table) = item.value else {
                report(item.position, key: "cell", "cell #\(index + 1) must be a table, got \(RecipeValidator.describe(item.value))")
                continue
            }
            var draft = Draft(index: index, table: table, label: "cell #\(index + 1)")
            if let node = table["id"] {
                if let id = string(node, key: "id", in: draft.label) {
                    if !CellID.isValid(id) {
                        report(node.position, key: "id", "cell id \(RecipeValidator.quoted(id)) may only contain letters, digits, '_' and '-' (ids are used in @id/path references)")
                    } else if let first = firstUse[id] {
                        report(node.position, key: "id", "duplicate cell id '\(id)' (first used at line \(first.position.line))")
                    } else {
                        firstUse[id] = (index, node.position)
                    }
                    if CellID.isValid(id) { draft.label = "cell '\(id)'" }
                    draft.id = id
                    draft.idPosition = node.position
                }
            } else {
                report(table.position, key: "id", "\(draft.label) has no id; add id = \"...\"")
            }
            if let node = table["kind"] {
                if let kind = string(node, key: "kind", in: draft.label) {
                    if schemas[kind] == nil {
                        let known = schemas.keys.sorted()
                        let hint = Suggestion.nearest(to: kind, in: known).map { "; did you mean '\($0)'?" }
                            ?? (known.isEmpty ? "" : " (known kinds: \(known.joined(separator: ", ")))")
                        report(node.position, key: "kind", "\(draft.label): unknown cell kind '\(kind)'\(hint)")
                    }
                    draft.kind = kind
                }
            } else {
                report(table.position, key: "kind", "\(draft.label) has no kind; add kind = \"...\" (known kinds: \(schemas.keys.sorted().joined(separator: ", ")))")
            }
            drafts.append(draft)
        }

        var cells: [CellSpec] = []
        for draft in drafts {
            var parameters = TOMLTable(position: draft.table.position)
            for e in draft.table.entries where e.key != "id" && e.key != "kind" {
                parameters.set(e.key, e.node, keyPosition: e.keyPosition)
            }
            if let kind = draft.kind, let schema = schemas[kind] {
                checkParameters(parameters, of: draft, schema: schema, ids: firstUse)
            }
            if let id = draft.id, let kind = draft.kind {
                cells.append(CellSpec(id: id, kind: kind, parameters: parameters, position: draft.table.position))
            }
        }
        return cells
    }

    private mutating func checkParameters(_ parameters: TOMLTable, of draft: Draft, schema: CellSchema,
                                          ids: [String: (index: Int, position: SourcePosition)]) {
        let where_ = "\(draft.label) (\(schema.kind))"
        for e in parameters.entries {
            guard let spec = schema.parameter(e.key) else {
                let names = schema.parameters.map(\.name)
                let hint = Suggestion.nearest(to: e.key, in: names).map { "; did you mean '\($0)'?" }
                    ?? (names.isEmpty ? "; \(schema.kind) takes no parameters" : " (known: \(names.joined(separator: ", ")))")
                report(e.keyPosition, key: e.key, "\(where_): unknown parameter '\(e.key)'\(hint)")
                continue
            }
            if let (position, got) = RecipeValidator.mismatch(e.node, spec.type) {
                report(position, key: e.key, "\(where_): parameter '\(e.key)' expected \(spec.type), got \(got)")
                continue
            }
            if spec.isInput { checkReferences(e.node, key: e.key, of: draft, in: where_, ids: ids) }
        }
        for spec in schema.parameters where spec.required && parameters[spec.name] == nil {
            report(draft.table.position, key: spec.name, "\(where_): missing required parameter '\(spec.name)' (\(spec.type))")
        }
    }

    private mutating func checkReferences(_ node: TOMLNode, key: String, of draft: Draft, in where_: String,
                                          ids: [String: (index: Int, position: SourcePosition)]) {
        var strings: [(String, SourcePosition)] = []
        switch node.value {
        case .string(let s): strings.append((s, node.position))
        case .array(let items):
            for item in items { if case .string(let s) = item.value { strings.append((s, item.position)) } }
        default: break
        }
        for (s, position) in strings where s.hasPrefix("@") {
            guard let ref = InputReference.parse(s) else {
                report(position, key: key, "\(where_): parameter '\(key)' has a malformed reference \(RecipeValidator.quoted(s)); expected @cell or @cell/path inside that cell's outputs (no '..')")
                continue
            }
            guard let target = ids[ref.cell] else {
                report(position, key: key, "\(where_): parameter '\(key)' refers to unknown cell '\(ref.cell)'" + Suggestion.didYouMean(ref.cell, in: ids.keys.sorted()))
                continue
            }
            if ref.cell == draft.id {
                report(position, key: key, "\(where_): parameter '\(key)' refers to the cell's own outputs ('\(s)')")
            } else if target.index > draft.index {
                report(position, key: key, "\(where_): parameter '\(key)' refers to cell '\(ref.cell)', which comes later (line \(target.position.line)); a cell can only use outputs of cells above it")
            }
        }
    }

    // MARK: types

    /// A string value, or a report saying what it was instead.
    private mutating func string(_ node: TOMLNode, key: String, in context: String) -> String? {
        if case .string(let s) = node.value { return s }
        report(node.position, key: key, "\(context): '\(key)' expected a string, got \(RecipeValidator.describe(node.value))")
        return nil
    }

    /// Nil when `node` fits `type`; otherwise where it does not (an array's offending element)
    /// and what was found there.
    static func mismatch(_ node: TOMLNode, _ type: ParameterType) -> (SourcePosition, String)? {
        switch (type, node.value) {
        case (.any, _), (.string, .string), (.integer, .integer), (.float, .integer), (.float, .float),
             (.boolean, .boolean), (.table, .table), (.stringOrStrings, .string):
            return nil
        case (.stringOrStrings, .array(let items)):
            for (i, item) in items.enumerated() {
                if case .string = item.value { continue }
                return (item.position, "an array whose element \(i + 1) is \(describe(item.value))")
            }
            return nil
        case (.array(let element), .array(let items)):
            for (i, item) in items.enumerated() {
                if let (position, got) = mismatch(item, element) {
                    return (position, "an array whose element \(i + 1) is \(got)")
                }
            }
            return nil
        default:
            return (node.position, describe(node.value))
        }
    }

    /// "string \"4\"", "integer 4", "an array", ... for messages.
    static func describe(_ value: TOMLValue) -> String {
        switch value {
        case .string(let s): "string \(quoted(s))"
        case .integer(let i): "integer \(i)"
        case .float(let f): "float \(f)"
        case .boolean(let b): "boolean \(b)"
        case .datetime(let d): "datetime \(d.rfc3339)"
        case .array: "an array"
        case .table: "a table"
        }
    }

    /// A value quoted for a message, shortened so a huge string cannot flood the terminal.
    static func quoted(_ s: String) -> String {
        var shown = s.count > 60 ? String(s.prefix(57)) + "..." : s
        shown = shown.unicodeScalars.map { $0.value < 0x20 || $0 == "\"" || $0 == "\\" ? $0.escaped(asASCII: false) : String($0) }.joined()
        return "\"\(shown)\""
    }
}
