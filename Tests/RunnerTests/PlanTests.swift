import Foundation
import XCTest
@testable import Runner

/// `cellar plan`: cached, or will run with the precise reason.
final class PlanTests: XCTestCase {
    func testFreshRecipeIsNewCellsWaitingOnUpstreams() throws {
        let s = try Scratch()
        let plan = try s.plan(chainRecipe())
        XCTAssertEqual(plan.map(\.status), [.willRun, .willRun, .willRun, .willRun])
        XCTAssertEqual(plan[0].reasons, [.newCell])
        XCTAssertEqual(plan[1].reasons, [.newCell, .upstreamWillRun(cell: "a")])
        XCTAssertNil(plan[1].key)
        XCTAssertNotNil(plan[3].key)
    }

    func testPlanAfterARunIsAllCachedAndAgreesWithTheRun() throws {
        let s = try Scratch()
        let result = try s.run(chainRecipe()).result
        let plan = try s.plan(chainRecipe())
        XCTAssertEqual(plan.map(\.status), [.cached, .cached, .cached, .cached])
        XCTAssertEqual(plan.map(\.key), result.manifest.predicate.cells.map { $0.key.description })
    }

    func testParameterChangeNamesTheParameterAndDownstreamMayRun() throws {
        let s = try Scratch()
        try s.run(chainRecipe())
        let plan = try s.plan(chainRecipe(text: "bye", other: "y"))
        XCTAssertEqual(plan[0].status, .willRun)
        XCTAssertEqual(plan[0].reasons, [.parameterChanged(name: "text", from: .string("hello"), to: .string("bye"))])
        XCTAssertEqual(plan[0].reasons[0].description, "parameter text changed (\"hello\" → \"bye\")")
        XCTAssertEqual(plan[1].status, .mayRun)
        XCTAssertEqual(plan[1].reasons, [.upstreamWillRun(cell: "a")])
        XCTAssertEqual(plan[3].reasons, [.parameterChanged(name: "text", from: .string("x"), to: .string("y"))])
        // A downstream's own change plus a waiting upstream: it will run either way.
        let both = try s.plan(chainRecipe(text: "bye", bFile: "b.txt"))
        XCTAssertEqual(both[1].status, .willRun)
        XCTAssertEqual(both[1].reasons, [.parameterChanged(name: "file", from: .string("out.txt"), to: .string("b.txt")),
                                         .upstreamWillRun(cell: "a")])
    }

    func testUpstreamWhoseNewOutputsAreCachedNamesTheUpstream() throws {
        let s = try Scratch()
        try s.run(chainRecipe(text: "hello"))
        try s.run(chainRecipe(text: "bye"))
        // Back to "hello": a is cached under its old key, so b's key is known and cached too.
        XCTAssertEqual(try s.plan(chainRecipe(text: "hello")).map(\.status), [.cached, .cached, .cached, .cached])
        // b's input now differs from the last run's (which was "bye"): b's reason names a.
        try s.run(chainRecipe(text: "hello"))
        try s.run(chainRecipe(text: "bye"))
        let cache = s.folder.appendingPathComponent("artifacts/cache")
        let plan = try s.plan(chainRecipe(text: "hello"))
        XCTAssertEqual(plan[1].status, .cached)
        // Remove b's "hello" entry by hand: now b must run because a's outputs changed.
        if let key = plan[1].key { try FileManager.default.removeItem(at: cache.appendingPathComponent(key)) }
        let after = try s.plan(chainRecipe(text: "hello"))
        XCTAssertEqual(after[1].status, .willRun)
        XCTAssertEqual(after[1].reasons, [.upstreamChanged(cell: "a")])
        XCTAssertEqual(after[1].reasons[0].description, "upstream cell a's outputs changed")
    }

    func testInputFileChangeNamesTheFile() throws {
        let s = try Scratch()
        try s.write("v1", to: "data/in.txt")
        let recipe = "[recipe]\nname = \"f\"\n[[cell]]\nid = \"copy\"\nkind = \"test-copy\"\ninput = \"data/in.txt\"\n"
        try s.run(recipe)
        try s.write("v2", to: "data/in.txt")
        let plan = try s.plan(recipe)
        XCTAssertEqual(plan[0].reasons, [.inputFileChanged(parameter: "input", path: "data/in.txt")])
        XCTAssertEqual(plan[0].reasons[0].description, "input file data/in.txt changed (input)")
    }

    func testFromAndMissingEntryAndExtras() throws {
        let s = try Scratch()
        let result = try s.run(chainRecipe()).result
        let plan = try s.plan(chainRecipe(), from: "c")
        XCTAssertEqual(plan.map(\.status), [.cached, .cached, .willRun, .willRun])
        XCTAssertEqual(plan[2].reasons, [.forced(option: "--from c")])
        let dKey = result.manifest.predicate.cells[3].key.description
        try FileManager.default.removeItem(at: s.folder.appendingPathComponent("artifacts/cache/\(dKey)"))
        XCTAssertEqual(try s.plan(chainRecipe())[3].reasons, [.cacheEntryMissing])

        let threads = "[recipe]\nname = \"t\"\n[[cell]]\nid = \"t\"\nkind = \"test-threads\"\n"
        try s.run(threads, threads: 2, extraKinds: [CacheSemanticsTests.ThreadSensitiveCell.self])
        let p = try s.runner(threads, threads: 3, extraKinds: [CacheSemanticsTests.ThreadSensitiveCell.self]).plan()
        XCTAssertEqual(p[0].reasons, [.extraChanged(name: "threads", from: "2", to: "3")])
    }

    func testUnknownFromCellIsOneSentence() throws {
        let s = try Scratch()
        XCTAssertThrowsError(try s.plan(chainRecipe(), from: "zz")) { error in
            XCTAssertEqual("\(error)", "--from names cell 'zz', but the recipe's cells are 'a', 'b', 'c', 'd'")
        }
    }
}
