import Foundation
import XCTest
import CellKit
import Recipe
@testable import Runner

/// A scratch folder holding a recipe, its input files and its artifacts.
final class Scratch {
    let folder: URL
    var recipe: URL { folder.appendingPathComponent("recipe.toml") }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-runner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: folder) }

    func write(_ text: String, to name: String) throws {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func runner(_ recipeText: String, from: String? = nil, only: String? = nil, threads: Int = 2,
                extraKinds: [any Cell.Type] = []) throws -> Runner {
        try write(recipeText, to: "recipe.toml")
        var registry = CellRegistry(TestKinds.all)
        for k in extraKinds { registry.register(k) }
        let recipe = try Recipe.load(recipe, schemas: registry.schemas)
        return Runner(recipe: recipe, registry: registry,
                      options: RunOptions(from: from, only: only, threads: threads, cellarVersion: "test"))
    }

    /// Runs the recipe and returns which cells actually executed (by the test kinds' own count).
    @discardableResult
    func run(_ recipeText: String, from: String? = nil, only: String? = nil, threads: Int = 2,
             extraKinds: [any Cell.Type] = []) throws -> (executed: [String], result: RunResult) {
        let r = try runner(recipeText, from: from, only: only, threads: threads, extraKinds: extraKinds)
        TestKinds.resetInvocations()
        let result = try r.run()
        return (TestKinds.invocations, result)
    }

    func plan(_ recipeText: String, from: String? = nil) throws -> [PlannedCell] {
        try runner(recipeText, from: from).plan()
    }

    var cacheEntries: [String] {
        let cache = folder.appendingPathComponent("artifacts/cache")
        return ((try? FileManager.default.contentsOfDirectory(atPath: cache.path)) ?? [])
            .filter { $0.count == 64 }.sorted()
    }
}

/// a → b → c chain plus an independent d:
/// a writes `text`, b upper-cases a's file, c copies b's folder, d writes `other`.
func chainRecipe(text: String = "hello", other: String = "x", bFile: String = "out.txt") -> String {
    """
    [recipe]
    name = "chain"

    [[cell]]
    id = "a"
    kind = "test-write"
    text = "\(text)"

    [[cell]]
    id = "b"
    kind = "test-upper"
    input = "@a/out.txt"
    file = "\(bFile)"

    [[cell]]
    id = "c"
    kind = "test-copy"
    input = "@b"

    [[cell]]
    id = "d"
    kind = "test-write"
    text = "\(other)"
    """
}
