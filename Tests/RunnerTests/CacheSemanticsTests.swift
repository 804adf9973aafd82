import Foundation
import XCTest
import CellKit
import Recipe
import Store
@testable import Runner

/// What reruns and what stays cached.
final class CacheSemanticsTests: XCTestCase {
    func testUnchangedRecipeSecondRunExecutesNoCell() throws {
        let s = try Scratch()
        let first = try s.run(chainRecipe())
        XCTAssertEqual(first.executed, ["a", "b", "c", "d"])
        XCTAssertEqual(first.result.manifest.predicate.cells.map(\.status), [.ran, .ran, .ran, .ran])
        let second = try s.run(chainRecipe())
        XCTAssertEqual(second.executed, [])
        XCTAssertEqual(second.result.manifest.predicate.cells.map(\.status), [.cached, .cached, .cached, .cached])
        XCTAssertEqual(second.result.manifest.predicate.rootDigest, first.result.manifest.predicate.rootDigest)
    }

    func testChangingOneParameterRerunsOnlyThatCell() throws {
        let s = try Scratch()
        try s.run(chainRecipe())
        XCTAssertEqual(try s.run(chainRecipe(other: "y")).executed, ["d"])
    }

    func testUpstreamChangeRerunsDownstreamOnlyWhileItsInputsDiffer() throws {
        let s = try Scratch()
        try s.run(chainRecipe(text: "hello"))
        // a's bytes change, b's input changes and b reruns, but b's output is "HELLO" as
        // before, so c (DVC semantics) stays cached.
        let r = try s.run(chainRecipe(text: "HELLO"))
        XCTAssertEqual(r.executed, ["a", "b"])
        XCTAssertEqual(r.result.manifest.predicate.cells.map(\.status), [.ran, .ran, .cached, .cached])
        // A change that does reach c's bytes reruns it.
        XCTAssertEqual(try s.run(chainRecipe(text: "bye")).executed, ["a", "b", "c"])
    }

    func testTouchingAnInputWithoutChangingItsBytesRerunsNothing() throws {
        let s = try Scratch()
        try s.write("some data\n", to: "data.txt")
        let recipe = """
            [recipe]
            name = "touch"
            [[cell]]
            id = "copy"
            kind = "test-copy"
            input = "data.txt"
            """
        XCTAssertEqual(try s.run(recipe).executed, ["copy"])
        let data = s.folder.appendingPathComponent("data.txt")
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(3600)], ofItemAtPath: data.path)
        XCTAssertEqual(try s.run(recipe).executed, [])
        // Rewriting the same bytes (new inode, new mtime) reruns nothing either.
        try FileManager.default.removeItem(at: data)
        try s.write("some data\n", to: "data.txt")
        XCTAssertEqual(try s.run(recipe).executed, [])
        // Changing them does.
        try s.write("other data\n", to: "data.txt")
        XCTAssertEqual(try s.run(recipe).executed, ["copy"])
    }

    func testAnUnchangedInputIsNotReadAgain() throws {
        let s = try Scratch()
        try s.write(String(repeating: "big model bytes ", count: 4096), to: "model.bin")
        let model = s.folder.appendingPathComponent("model.bin")
        // Old enough that the stat cache may trust it (a just-written file is "racily clean").
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-3600)], ofItemAtPath: model.path)
        let recipe = "[recipe]\nname = \"big\"\n[[cell]]\nid = \"copy\"\nkind = \"test-copy\"\ninput = \"model.bin\"\n"
        XCTAssertEqual(try s.run(recipe).result.inputFilesHashed, 1)
        let second = try s.run(recipe)
        XCTAssertEqual(second.result.inputFilesHashed, 0)
        XCTAssertEqual(second.executed, [])
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-1800)], ofItemAtPath: model.path)
        let touched = try s.run(recipe)
        XCTAssertEqual(touched.result.inputFilesHashed, 1)
        XCTAssertEqual(touched.executed, [])
    }

    func testRenamingAFileOrACellKeepsTheCache() throws {
        let s = try Scratch()
        try s.write("bytes", to: "one.txt")
        try s.write("bytes", to: "sub/two.txt")
        func recipe(id: String, input: String) -> String {
            "[recipe]\nname = \"rename\"\n[[cell]]\nid = \"\(id)\"\nkind = \"test-copy\"\ninput = \"\(input)\"\n"
        }
        XCTAssertEqual(try s.run(recipe(id: "x", input: "one.txt")).executed, ["x"])
        XCTAssertEqual(try s.run(recipe(id: "x", input: "sub/two.txt")).executed, [])
        XCTAssertEqual(try s.run(recipe(id: "renamed", input: "sub/two.txt")).executed, [])
    }

    func testIntegerAndFloatSpellingsOfANumberShareAKey() throws {
        let s = try Scratch()
        func recipe(_ seconds: String) -> String {
            "[recipe]\nname = \"n\"\n[[cell]]\nid = \"s\"\nkind = \"test-sleep\"\nseconds = \(seconds)\n"
        }
        XCTAssertEqual(try s.run(recipe("0")).executed, ["s"])
        XCTAssertEqual(try s.run(recipe("0.0")).executed, [])
    }

    func testFromRerunsThatCellAndAllAfterAndRecordsByteIdentity() throws {
        let s = try Scratch()
        try s.run(chainRecipe())
        let r = try s.run(chainRecipe(), from: "b")
        XCTAssertEqual(r.executed, ["b", "c", "d"])
        let cells = r.result.manifest.predicate.cells
        XCTAssertEqual(cells.map(\.status), [.cached, .ran, .ran, .ran])
        XCTAssertEqual(cells.map(\.byteIdentical), [nil, true, true, true])

        let random = "[recipe]\nname = \"r\"\n[[cell]]\nid = \"rnd\"\nkind = \"test-random\"\n"
        let first = try s.run(random)
        let again = try s.run(random, from: "rnd")
        XCTAssertEqual(again.executed, ["rnd"])
        XCTAssertEqual(again.result.manifest.predicate.cells[0].byteIdentical, false)
        XCTAssertNotEqual(again.result.manifest.predicate.rootDigest, first.result.manifest.predicate.rootDigest)
        // The cache now holds the new bytes, so the manifest verifies.
        XCTAssertEqual(try ManifestVerifier.verify(manifestAt: again.result.manifestURL).problems, [])
    }

    func testOnlyRunsOneCellAndNeedsItsUpstreamsCached() throws {
        let s = try Scratch()
        XCTAssertThrowsError(try s.run(chainRecipe(), only: "b")) { error in
            XCTAssertEqual("\(error)", "--only b needs the outputs of cell 'a', which are not cached; run the recipe (or --only a) first")
        }
        try s.run(chainRecipe())
        let manifest = try Data(contentsOf: s.folder.appendingPathComponent("artifacts/chain/manifest.json"))
        let r = try s.run(chainRecipe(), only: "b")
        XCTAssertEqual(r.executed, ["b"])
        XCTAssertFalse(r.result.manifestWritten)
        XCTAssertEqual(try Data(contentsOf: s.folder.appendingPathComponent("artifacts/chain/manifest.json")), manifest)
    }

    func testAFailingCellLeavesNoEntryAndTheManifestAsItWas() throws {
        let s = try Scratch()
        try s.run(chainRecipe())
        let manifestURL = s.folder.appendingPathComponent("artifacts/chain/manifest.json")
        let manifest = try Data(contentsOf: manifestURL)
        let entries = s.cacheEntries
        let broken = chainRecipe(other: "new") + "\n[[cell]]\nid = \"boom\"\nkind = \"test-fail\"\nmessage = \"the disk is on fire\"\n"
        XCTAssertThrowsError(try s.run(broken)) { error in
            XCTAssertEqual("\(error)", "cell 'boom' (test-fail) failed: the disk is on fire")
        }
        // d ran and was committed (a later run reuses it); boom left nothing.
        XCTAssertEqual(s.cacheEntries.count, entries.count + 1)
        XCTAssertEqual(try Data(contentsOf: manifestURL), manifest)
        let staging = s.folder.appendingPathComponent("artifacts/cache/.staging")
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? [], [])
    }

    func testMissingInputFileIsOneSentenceNamingCellAndPath() throws {
        let s = try Scratch()
        let recipe = "[recipe]\nname = \"m\"\n[[cell]]\nid = \"copy\"\nkind = \"test-copy\"\ninput = \"nope.txt\"\n"
        XCTAssertThrowsError(try s.run(recipe)) { error in
            let path = s.folder.appendingPathComponent("nope.txt").standardizedFileURL.path
            XCTAssertEqual("\(error)", "cell 'copy': input input = \"nope.txt\" does not exist (looked for \(path))")
        }
    }

    /// A kind whose float sums depend on the thread split declares it; others ignore --threads.
    struct ThreadSensitiveCell: Cell {
        static let schema = CellSchema(kind: "test-threads", summary: "", parameters: [])
        static let version = 1
        static func cacheKeyExtras(threads: Int) -> [String: String] { ["threads": "\(threads)"] }
        func run(_ context: CellContext) throws -> CellSummary {
            try Data("t".utf8).write(to: context.outputDirectory.appendingPathComponent("t"))
            return CellSummary()
        }
    }

    func testDeclaredExtrasJoinTheKey() throws {
        let s = try Scratch()
        let recipe = """
            [recipe]
            name = "t"
            [[cell]]
            id = "t"
            kind = "test-threads"
            [[cell]]
            id = "w"
            kind = "test-write"
            text = "w"
            """
        let one = try s.run(recipe, threads: 1, extraKinds: [ThreadSensitiveCell.self]).result.manifest.predicate.cells
        let two = try s.run(recipe, threads: 2, extraKinds: [ThreadSensitiveCell.self]).result.manifest.predicate.cells
        XCTAssertNotEqual(one[0].key, two[0].key)
        XCTAssertEqual(two[0].status, .ran)
        XCTAssertEqual(one[1].key, two[1].key)
        XCTAssertEqual(two[1].status, .cached)
        let plan = try s.runner(recipe, threads: 1, extraKinds: [ThreadSensitiveCell.self]).plan()
        XCTAssertEqual(plan[0].status, .cached)
    }
}
