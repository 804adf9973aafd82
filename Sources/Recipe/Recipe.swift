import Foundation

/// A validated recipe: its `[recipe]` table and its `[[cell]]` entries in the order written.
public struct Recipe: Sendable {
    /// The recipe file (relative paths in the recipe are relative to its folder).
    public var file: URL
    public var name: String
    public var description: String
    /// `[recipe].artifacts`, resolved against the recipe's folder; `artifacts` beside the
    /// recipe when not given.
    public var artifactsDirectory: URL
    public var cells: [CellSpec]

    public init(file: URL, name: String, description: String, artifactsDirectory: URL, cells: [CellSpec]) {
        self.file = file; self.name = name; self.description = description
        self.artifactsDirectory = artifactsDirectory; self.cells = cells
    }

    public func cell(_ id: String) -> CellSpec? { cells.first { $0.id == id } }
}

/// One `[[cell]]`: what to run and with which parameters.
public struct CellSpec: Sendable {
    public var id: String
    public var kind: String
    /// Everything in the `[[cell]]` table except `id` and `kind`, in written order.
    public var parameters: TOMLTable
    /// Where the `[[cell]]` header is.
    public var position: SourcePosition

    public init(id: String, kind: String, parameters: TOMLTable, position: SourcePosition) {
        self.id = id; self.kind = kind; self.parameters = parameters; self.position = position
    }
}

extension Recipe {
    /// Reads, parses and validates a recipe file. Every problem is reported at once.
    public static func load(_ url: URL, schemas: [String: CellSchema]) throws(RecipeError) -> Recipe {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw RecipeError([RecipeDiagnostic(file: url.relativePath, position: SourcePosition(line: 1, column: 1),
                                                key: nil, message: "cannot read the recipe: \(error.localizedDescription)")])
        }
        return try parse(bytes: Array(data), file: url, schemas: schemas)
    }

    /// Parses and validates recipe text; `file` names it in messages and anchors relative paths.
    public static func parse(_ text: String, file: URL, schemas: [String: CellSchema]) throws(RecipeError) -> Recipe {
        try parse(bytes: Array(text.utf8), file: file, schemas: schemas)
    }

    static func parse(bytes: [UInt8], file: URL, schemas: [String: CellSchema]) throws(RecipeError) -> Recipe {
        let name = file.relativePath
        let document: TOMLTable
        do {
            document = try TOML.parse(bytes: bytes, file: name)
        } catch {
            throw RecipeError([RecipeDiagnostic(file: name, position: error.position, key: nil, message: error.message)])
        }
        var validator = RecipeValidator(file: file, schemas: schemas)
        return try validator.validate(document)
    }
}
