import Foundation
import XCTest
import TestSupport
import Runner
@testable import Cells

/// The prompt cell through the runner on the repository's arena sample, with the SmolLM2
/// GGUF's tokenizer and chat template.
final class PromptCellTests: XCTestCase {
    func recipe(gguf: URL, data: URL, user: String, extra: String = "") -> String {
        """
        [recipe]
        name = "prompts"

        [[cell]]
        id = "prompt"
        kind = "prompt"
        model = "\(gguf.path)"
        data = "\(data.path)"
        system = "You judge chatbot answers."
        messages = [{ role = "user", content = '''\(user)''' }]
        keep = ["winner"]
        \(extra)
        """
    }

    static let user = """
        {% for p in prompt|from_json %}Prompt: {{ p }}
        {% endfor %}A: {{ response_a|from_json|join(" ") }}
        B: {{ response_b|from_json|join(" ") }}
        """

    func testArenaSampleBecomesOneRecordPerRowWithStatistics() throws {
        guard let gguf = try Fixtures.optional(Fixtures.smolGGUF), try Fixtures.hasPython("numpy") else { throw XCTSkip("GGUF missing") }
        let data = Fixtures.repositoryRoot.appendingPathComponent("data/arena/sample.csv")
        let s = try MissionScratch()
        let result = try s.run(recipe(gguf: gguf, data: data, user: PromptCellTests.user, extra: "max_input_tokens = 56"))
        let cell = try XCTUnwrap(result.manifest.predicate.cells.first)
        let entry = s.folder.appendingPathComponent("artifacts/cache/\(cell.key)/prompts.jsonl")
        // Python reads the CSV and the records: one per row, in order, ids and kept columns
        // as read, every prompt within budget; numpy's percentiles (nearest rank) give the summary.
        let script = """
        import csv, json, sys, math
        import numpy as np
        rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8-sig")))
        recs = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
        assert len(recs) == len(rows)
        for i, (r, rec) in enumerate(zip(rows, recs)):
            assert rec["row"] == i and rec["id"] == r["id"] and rec["columns"] == {"winner": r["winner"]}, rec
            assert len(rec["ids"]) <= 56 and rec["text"].endswith("<|im_start|>assistant\\n")
        n = sorted(len(r["ids"]) for r in recs)
        q = lambda p: int(np.percentile(n, p, method="inverted_cdf"))
        print(json.dumps([len(n), n[0], q(50), q(95), n[-1], sum(r["truncated"] for r in recs)]))
        """
        let figures = try JSONSerialization.jsonObject(with: Fixtures.python(script, [data.path, entry.path])) as? [Int]
        let f = try XCTUnwrap(figures)
        XCTAssertGreaterThan(f[5], 0, "the budget should cut some rows: \(f)")
        XCTAssertEqual(cell.summary, ["\(f[0]) rows · tokens min \(f[1]) · median \(f[2]) · p95 \(f[3]) · max \(f[4])",
                                      "\(f[5]) rows truncated"])
    }

    func testUnknownColumnFailsTheCellNamingIt() throws {
        guard let gguf = try Fixtures.optional(Fixtures.smolGGUF) else { throw XCTSkip("GGUF missing") }
        let data = Fixtures.repositoryRoot.appendingPathComponent("data/arena/sample.csv")
        let s = try MissionScratch()
        XCTAssertThrowsError(try s.run(recipe(gguf: gguf, data: data, user: "{{ question }}"))) {
            XCTAssertEqual("\($0)", "cell 'prompt' (prompt) failed: messages[1] (user) names 'question' (template line 1:4), which is not a column of sample.csv (its columns: id, prompt, response_a, response_b, winner)")
        }
        try s.write("id,prompt\n1,x\n2,\"y\n", to: "broken.csv")
        XCTAssertThrowsError(try s.run(recipe(gguf: gguf, data: s.folder.appendingPathComponent("broken.csv"), user: "{{ prompt }}"))) {
            XCTAssertEqual("\($0)", "cell 'prompt' (prompt) failed: broken.csv line 3: a quoted field opened here is never closed (missing closing double quote)")
        }
        try s.write("", to: "empty.csv")
        XCTAssertThrowsError(try s.run(recipe(gguf: gguf, data: s.folder.appendingPathComponent("empty.csv"), user: "{{ prompt }}"))) {
            XCTAssertEqual("\($0)", "cell 'prompt' (prompt) failed: empty.csv: the file is empty; expected a header line naming the columns")
        }
    }
}
