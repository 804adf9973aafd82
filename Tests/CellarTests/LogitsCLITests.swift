import Foundation
import TestSupport
import XCTest

/// `cellar logits` on the tiny AWQ Llama, read back with Python's safetensors + numpy and
/// compared with the transformers logits in ref.safetensors.
final class LogitsCLITests: XCTestCase {
    private func setUpFolders() throws -> (model: URL, work: URL) {
        guard let model = try Fixtures.optional(Fixtures.shared.appendingPathComponent("fixtures/awq/tiny-llama-awq")) else {
            throw XCTSkip("tiny-llama-awq fixture missing")
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-logits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: work) }
        return (model, work)
    }

    func testLogitsMatchTransformers() throws {
        let (model, work) = try setUpFolders()
        guard try Fixtures.hasPython("safetensors"), try Fixtures.hasPython("numpy") else { throw XCTSkip("safetensors/numpy missing") }
        let ids = String(decoding: try Fixtures.python(#"""
import sys
from safetensors.numpy import load_file
print(" ".join(str(int(i)) for i in load_file(sys.argv[1])["input_ids"][0]), end="")
"""#, [model.appendingPathComponent("ref.safetensors").path]), as: UTF8.self)
        XCTAssertFalse(ids.isEmpty)
        let out = work.appendingPathComponent("out.safetensors")
        let r = try CLI.run(["logits", model.path, "--ids", ids, "-o", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let compare = #"""
import json, sys
import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file
ref = load_file(sys.argv[2])["logits"][0]
with safe_open(sys.argv[1], framework="numpy") as f:
    keys = list(f.keys())
    ours = f.get_tensor("logits")
print(json.dumps({"keys": keys, "dtype": str(ours.dtype), "shape": list(ours.shape), "ref_shape": list(ref.shape),
                  "max_diff": float(np.abs(ours.astype(np.float64) - ref).max()) if ours.shape == ref.shape else -1.0}))
"""#
        let result = try XCTUnwrap(JSONSerialization.jsonObject(
            with: Fixtures.python(compare, [out.path, model.appendingPathComponent("ref.safetensors").path])) as? [String: Any])
        XCTAssertEqual(result["keys"] as? [String], ["logits"])
        XCTAssertEqual(result["dtype"] as? String, "float32")
        XCTAssertEqual(result["shape"] as? [Int], result["ref_shape"] as? [Int])
        let diff = try XCTUnwrap(result["max_diff"] as? Double)
        XCTAssertTrue(diff >= 0 && diff < 1e-4, "max |Δlogit| \(diff)")
    }

    func testBadIdsAndMissingModelAreOneSentence() throws {
        let (model, work) = try setUpFolders()
        let out = work.appendingPathComponent("out.safetensors")
        let vocab = try XCTUnwrap((JSONSerialization.jsonObject(with: Data(contentsOf: model.appendingPathComponent("config.json"))) as? [String: Any])?["vocab_size"] as? Int)
        let cases: [(args: [String], status: Int32, expected: String)] = [
            (["logits", model.path, "--ids", "1 x 3", "-o", out.path], 2, "cellar: logits: --ids entry 2 'x' is not a token id\nusage: "),
            (["logits", model.path, "--ids", " ", "-o", out.path], 2, "cellar: logits: --ids is empty\nusage: "),
            (["logits", model.path, "-o", out.path], 2, "--ids"),
            (["logits", model.path, "--ids", "1 2"], 2, "-o OUT.safetensors"),
            (["logits", model.path, "--ids", "1 \(vocab)", "-o", out.path], 1, "token id \(vocab) is outside the vocabulary of \(vocab)"),
            (["logits", model.path, "--ids", "-1", "-o", out.path], 1, "token id -1 is outside the vocabulary"),
            (["logits", work.appendingPathComponent("nope").path, "--ids", "1", "-o", out.path], 1, "nope"),
        ]
        for c in cases {
            let r = try CLI.run(c.args)
            XCTAssertEqual(r.status, c.status, "\(c.args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("cellar: ") && r.stderr.contains(c.expected), "\(c.args): \(r.stderr)")
            // A usage error adds the usage line; anything else is one line.
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, c.status == 2 ? 2 : 1, r.stderr)
            if c.status == 2 { XCTAssertEqual(lines.last, "usage: cellar logits MODEL --ids \"1 2 3\" -o OUT.safetensors") }
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(c.args) wrote an output")
        }
    }
}
