import Foundation
import CellKit
import Cells
import JSON
import Recipe
import Runner

struct RunCommand: Command {
    static let name = "run"
    static let summary = "Run a recipe: skip cached cells, run the rest, write the manifest."
    static let usage = "cellar run RECIPE [--from CELL] [--only CELL] [--threads N] [--quiet] [--json]"
    static func run(_ args: inout Arguments) throws -> Int32 {
        let from = try args.option("--from")
        let only = try args.option("--only")
        let threads = try args.intOption("--threads")
        let quiet = args.flag("--quiet", "-q")
        let json = args.flag("--json")
        let recipePath = try args.positionals("RECIPE")[0]
        if from != nil && only != nil { throw UsageError("run: --from and --only cannot be combined") }
        if let threads, threads < 1 { throw UsageError("run: --threads must be at least 1, got \(threads)") }
        let runner = try RecipeCommands.runner(
            recipePath, options: RunOptions(from: from, only: only, threads: threads ?? RecipeCommands.defaultThreads,
                                             cellarVersion: cellarVersion))
        let console = RunConsole()
        let result = try runner.run { event in
            if !quiet && !json { console.handle(event) }
        }
        if json { FileHandle.standardOutput.write(Data(result.json.pretty.utf8)) }
        else if !quiet { console.finish(result) }
        return 0
    }
}

/// What run and plan share: the cell kinds this binary knows and loading a recipe against them.
enum RecipeCommands {
    /// The real kinds, plus the test kinds when CELLAR_TEST_KINDS=1.
    static var registry: CellRegistry {
        var registry = cellRegistry
        TestKinds.register(into: &registry)
        return registry
    }

    static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    static func runner(_ path: String, options: RunOptions) throws -> Runner {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw RunnerError.io("recipe file \(path) does not exist")
        }
        let registry = self.registry
        let recipe = try Recipe.load(url, schemas: registry.schemas)
        return Runner(recipe: recipe, registry: registry, options: options)
    }
}
