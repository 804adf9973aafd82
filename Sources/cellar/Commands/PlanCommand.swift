import Foundation
import JSON
import Runner

struct PlanCommand: Command {
    static let name = "plan"
    static let summary = "Show, per cell, whether it is cached or will run and why."
    static let usage = "cellar plan RECIPE [--from CELL] [--threads N] [--json]"
    static func run(_ args: inout Arguments) throws -> Int32 {
        let from = try args.option("--from")
        let threads = try args.intOption("--threads")
        let json = args.flag("--json")
        let recipePath = try args.positionals("RECIPE")[0]
        if let threads, threads < 1 { throw UsageError("plan: --threads must be at least 1, got \(threads)") }
        let runner = try RecipeCommands.runner(
            recipePath, options: RunOptions(from: from, threads: threads ?? RecipeCommands.defaultThreads,
                                             cellarVersion: cellarVersion))
        let plan = try runner.plan()
        let text: String
        if json {
            text = JSONValue.object([
                "recipe": .string(runner.recipe.name),
                "cells": .array(plan.map(\.json)),
            ]).pretty
        } else {
            let counts = [PlannedCell.Status.cached, .willRun, .mayRun].map { status in
                "\(plan.filter { $0.status == status }.count) \(status.rawValue)"
            }
            text = plan.map { $0.line + "\n" }.joined() + counts.joined(separator: ", ") + "\n"
        }
        FileHandle.standardOutput.write(Data(text.utf8))
        return 0
    }
}
