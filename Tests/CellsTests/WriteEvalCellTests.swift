import Foundation
import XCTest
import TestSupport
import CellKit
import Recipe
import Runner
@testable import Cells

/// A recipe folder with hand-made prediction records, run through the real runner.
final class MissionScratch {
    let folder: URL
    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-mission-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: folder) }

    func write(_ text: String, to name: String) throws {
        try Data(text.utf8).write(to: folder.appendingPathComponent(name))
    }

    func run(_ recipe: String, from: String? = nil) throws -> RunResult {
        try write(recipe, to: "recipe.toml")
        let loaded = try Recipe.load(folder.appendingPathComponent("recipe.toml"), schemas: cellRegistry.schemas)
        return try Runner(recipe: loaded, registry: cellRegistry,
                          options: RunOptions(from: from, threads: 2, cellarVersion: "test")).run()
    }

    func text(_ path: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
    }
}

final class WriteEvalCellTests: XCTestCase {
    /// Ids with a comma, a quote and a line break; probabilities that need all 17 digits.
    static let predictions = """
        {"row": 0, "id": "1000", "choices": ["A", "B", "tie"], "probs": [0.7, 0.2, 0.09999999999999998], "prediction": "A", "prediction_index": 0, "scores": [1, 2, 3], "columns": {"winner": "a"}}
        {"row": 1, "id": "a,b \\"q\\"", "choices": ["A", "B", "tie"], "probs": [0.1, 0.3333333333333333, 0.5666666666666667], "prediction": "tie", "prediction_index": 2, "scores": [1, 2, 3], "columns": {"winner": "b"}}
        {"row": 2, "id": "two\\nlines", "choices": ["A", "B", "tie"], "probs": [1e-20, 0.9999999999, 1e-10], "prediction": "B", "prediction_index": 1, "scores": [1, 2, 3], "columns": {"winner": "b"}}
        {"row": 3, "id": "ünï", "choices": ["A", "B", "tie"], "probs": [0.25, 0.25, 0.5], "prediction": "tie", "prediction_index": 2, "scores": [1, 2, 3], "columns": {"winner": "tie"}}

        """

    static let recipe = """
        [recipe]
        name = "arena"
        description = "hand-made predictions"

        [[cell]]
        id = "write"
        kind = "write"
        predictions = "predictions.jsonl"
        path = "submission.csv"
        columns = { id = "id", winner_model_a = "prob:A", winner_model_b = "prob:B", winner_tie = "prob:tie" }

        [[cell]]
        id = "eval"
        kind = "eval"
        predictions = "predictions.jsonl"
        label_column = "winner"
        label_map = { a = "A", b = "B", tie = "tie" }
        """

    func testSubmissionMetricsExportAndReport() throws {
        guard try Fixtures.hasPython("numpy") else { throw XCTSkip("numpy missing") }
        let s = try MissionScratch()
        try s.write(WriteEvalCellTests.predictions, to: "predictions.jsonl")
        let result = try s.run(WriteEvalCellTests.recipe)
        XCTAssertEqual(result.exported.sorted(), ["metrics.json", "submission.csv"])
        let out = s.folder.appendingPathComponent("artifacts/arena")
        // Python's csv and json read the files back; numpy recomputes the metrics.
        let check = """
        import csv, json, sys, math
        import numpy as np
        folder, preds = sys.argv[1], [json.loads(l) for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
        with open(folder + "/submission.csv", newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        assert rows[0] == ["id", "winner_model_a", "winner_model_b", "winner_tie"], rows[0]
        assert len(rows) == len(preds) + 1
        for r, p in zip(rows[1:], preds):
            assert r[0] == p["id"], (r[0], p["id"])
            probs = dict(zip(p["choices"], p["probs"]))
            assert [float(x) for x in r[1:]] == [probs["A"], probs["B"], probs["tie"]], (r, p)
        m = json.load(open(folder + "/metrics.json"))
        mapping = {"a": "A", "b": "B", "tie": "tie"}
        truth = [p["choices"].index(mapping[p["columns"]["winner"]]) for p in preds]
        P = np.array([p["probs"] for p in preds])
        acc = float(np.mean(np.argmax(P, axis=1) == np.array(truth)))
        loss = float(np.mean([-math.log(min(1, max(1e-15, P[i, t]))) for i, t in enumerate(truth)]))
        assert m["rows"] == len(preds) and abs(m["accuracy"] - acc) < 1e-12 and abs(m["log_loss"] - loss) < 1e-12, (m, acc, loss)
        conf = {}
        for i, t in enumerate(truth):
            a, b = preds[i]["choices"][t], preds[i]["choices"][int(np.argmax(P[i]))]
            conf.setdefault(a, {}).setdefault(b, 0); conf[a][b] += 1
        for a in conf:
            for b in conf[a]:
                assert m["confusion"][a][b] == conf[a][b], (a, b, m["confusion"])
        assert sum(sum(v.values()) for v in m["confusion"].values()) == len(preds)
        print("ok")
        """
        let output = try Fixtures.python(check, [out.path, s.folder.appendingPathComponent("predictions.jsonl").path])
        XCTAssertEqual(String(decoding: output, as: UTF8.self), "ok\n")
        // The eval cell's notebook lines carry the figures.
        let eval = try XCTUnwrap(result.manifest.predicate.cells.first { $0.id == "eval" })
        XCTAssertEqual(eval.summary.first, "accuracy 0.7500 (3/4) · log loss \(String(format: "%.4f", eval.metrics["log_loss"] ?? -1))")

        // Run again: everything cached, exports rewritten from the cache, identical.
        let before = try s.text("artifacts/arena/submission.csv")
        try FileManager.default.removeItem(at: out.appendingPathComponent("submission.csv"))
        let again = try s.run(WriteEvalCellTests.recipe)
        XCTAssertTrue(again.manifest.predicate.cells.allSatisfy { $0.status == .cached })
        XCTAssertEqual(try s.text("artifacts/arena/submission.csv"), before)
        try checkNotebook(out.appendingPathComponent("report.ipynb"), cells: ["write", "eval"])
    }

    /// report.ipynb: Python json, a structural check of nbformat 4.5, and nbformat's own
    /// validator when it is installed.
    func checkNotebook(_ url: URL, cells: [String]) throws {
        let script = """
        import json, re, sys
        nb = json.load(open(sys.argv[1], encoding="utf-8"))
        assert nb["nbformat"] == 4 and nb["nbformat_minor"] == 5 and isinstance(nb["metadata"], dict)
        ids = [c["id"] for c in nb["cells"]]
        assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", i) for i in ids), ids
        for c in nb["cells"]:
            assert c["cell_type"] == "markdown" and c["metadata"] == {} and all(isinstance(l, str) for l in c["source"])
        heads = ["".join(c["source"]).split("\\n")[0] for c in nb["cells"]]
        print(json.dumps(heads))
        try:
            import nbformat
        except ImportError:
            sys.exit(0)
        nbformat.validate(nbformat.read(sys.argv[1], as_version=4))
        """
        let heads = try JSONSerialization.jsonObject(with: Fixtures.python(script, [url.path])) as? [String]
        XCTAssertEqual(heads?.count, cells.count + 1)
        XCTAssertEqual(heads?.first, "# arena")
        for (n, id) in cells.enumerated() { XCTAssertTrue(heads?[n + 1].contains("] \(id) · ") ?? false, "\(heads ?? [])") }
    }

    func testWriteErrorsNameTheLineAndField() throws {
        let s = try MissionScratch()
        try s.write(WriteEvalCellTests.predictions, to: "predictions.jsonl")
        let recipe = WriteEvalCellTests.recipe.replacingOccurrences(of: "prob:tie", with: "prob:draw")
        XCTAssertThrowsError(try s.run(recipe)) {
            XCTAssertEqual("\($0)", "cell 'write' (write) failed: predictions.jsonl line 1: the record has no field 'prob:draw' for column 'winner_tie'")
        }
        let badLabel = WriteEvalCellTests.recipe.replacingOccurrences(of: "tie = \"tie\" }", with: "tie = \"draw\" }")
        XCTAssertThrowsError(try s.run(badLabel)) {
            XCTAssertTrue("\($0)".contains("predictions.jsonl line 4: label 'draw' is not one of the choices"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.folder.appendingPathComponent("artifacts/arena/metrics.json").path),
                       "a failed run exports nothing")
    }

    func testLabelIsIndexAndJSONLSubmission() throws {
        let s = try MissionScratch()
        try s.write("""
            {"row": 0, "id": "q1", "choices": ["x", "y"], "probs": [0.2, 0.8], "prediction_index": 1, "columns": {"label": 1}}
            {"row": 1, "id": "q2", "choices": ["p", "q"], "probs": [0.6, 0.4], "prediction_index": 0, "columns": {"label": 1}}

            """, to: "p.jsonl")
        let result = try s.run("""
            [recipe]
            name = "mc"
            [[cell]]
            id = "w"
            kind = "write"
            predictions = "p.jsonl"
            path = "out.jsonl"
            columns = { id = "id", answer = "prediction_index", gold = "columns.label" }
            [[cell]]
            id = "e"
            kind = "eval"
            predictions = "p.jsonl"
            label_column = "label"
            label_is_index = true
            """)
        XCTAssertEqual(try s.text("artifacts/mc/out.jsonl"),
                       "{\"id\":\"q1\",\"answer\":1,\"gold\":1}\n{\"id\":\"q2\",\"answer\":0,\"gold\":1}\n")
        let metrics = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(s.text("artifacts/mc/metrics.json").utf8)) as? [String: Any])
        XCTAssertEqual(metrics["accuracy"] as? Double, 0.5)
        XCTAssertEqual(try XCTUnwrap(metrics["log_loss"] as? Double), -(log(0.8) + log(0.4)) / 2, accuracy: 1e-15)
        // Index labels: the confusion is by choice position (row 1: true 1, predicted 1; row 2:
        // true 1, predicted 0), not by each row's own choice texts.
        let confusion = metrics["confusion"] as? [String: [String: Int]]
        XCTAssertEqual(confusion, ["0": ["0": 0, "1": 0], "1": ["0": 1, "1": 1]])
        XCTAssertEqual(result.exported.sorted(), ["metrics.json", "out.jsonl"])
    }
}
