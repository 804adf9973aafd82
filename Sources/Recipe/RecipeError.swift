/// One problem in a recipe, pointing at where it was written.
public struct RecipeDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var position: SourcePosition
    /// The key the problem is about (e.g. `group_size`, `name`), when there is one.
    public var key: String?
    public var message: String

    public init(file: String, position: SourcePosition, key: String?, message: String) {
        self.file = file; self.position = position; self.key = key; self.message = message
    }

    public var description: String { "\(file):\(position): \(message)" }
}

/// Everything wrong with a recipe, in source order, so one edit round fixes them all.
public struct RecipeError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [RecipeDiagnostic]

    public init(_ diagnostics: [RecipeDiagnostic]) {
        // Stable: problems found at one place keep the order they were found in.
        self.diagnostics = diagnostics.enumerated()
            .sorted { ($0.element.position, $0.offset) < ($1.element.position, $1.offset) }
            .map(\.element)
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
