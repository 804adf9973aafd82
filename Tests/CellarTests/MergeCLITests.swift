import Foundation
import TestSupport
import XCTest

/// The `merge` cell in a recipe: runs once, is cached on the next run, and its output is
/// numpy's W + (alpha / r)·B·A; a bad adapter fails the cell with the merge's own sentence.
final class MergeCLITests: XCTestCase {
    func testMergeCellRunsCachesAndMatchesNumpy() throws {
        guard try Fixtures.hasPython("safetensors") else { throw XCTSkip("python safetensors missing") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-merge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        _ = try Fixtures.python("""
            import sys, os, json, numpy as np
            from safetensors.numpy import save_file
            root = sys.argv[1]; r = np.random.default_rng(3)
            os.makedirs(root + "/base"); os.makedirs(root + "/lora")
            save_file({"model.layers.0.self_attn.q_proj.weight": r.standard_normal((8, 6)).astype(np.float32),
                       "model.norm.weight": np.ones(6, np.float32)}, root + "/base/model.safetensors")
            json.dump({"model_type": "llama"}, open(root + "/base/config.json", "w"))
            save_file({"base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight": r.standard_normal((2, 6)).astype(np.float32),
                       "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight": r.standard_normal((8, 2)).astype(np.float32)},
                      root + "/lora/adapter_model.safetensors")
            json.dump({"r": 2, "lora_alpha": 4, "target_modules": ["q_proj"]}, open(root + "/lora/adapter_config.json", "w"))
            """, [dir.path])
        let recipe = dir.appendingPathComponent("recipe.toml")
        try Data("""
            [recipe]
            name = "merge-demo"

            [[cell]]
            id = "merged"
            kind = "merge"
            model = "base"
            adapter = "lora"
            """.utf8).write(to: recipe)

        var statuses: [String] = [], key = ""
        for _ in 0..<2 {
            let run = try CLI.run(["run", recipe.path, "--json"])
            XCTAssertEqual(run.status, 0, run.stderr)
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            let cell = try XCTUnwrap((json["cells"] as? [[String: Any]])?.first)
            statuses.append(cell["status"] as? String ?? "?")
            key = cell["key"] as? String ?? ""
        }
        XCTAssertEqual(statuses, ["ran", "cached"])
        let check = try Fixtures.python("""
            import sys, numpy as np
            from safetensors.numpy import load_file
            root, out = sys.argv[1], sys.argv[2]
            b, a, m = load_file(root + "/base/model.safetensors"), load_file(root + "/lora/adapter_model.safetensors"), load_file(out + "/model.safetensors")
            p = "base_model.model.model.layers.0.self_attn.q_proj."
            want = b["model.layers.0.self_attn.q_proj.weight"].astype(np.float64) + 2.0 * (a[p + "lora_B.weight"].astype(np.float64) @ a[p + "lora_A.weight"].astype(np.float64))
            got = m["model.layers.0.self_attn.q_proj.weight"]
            ok = got.dtype == np.float32 and np.abs(got - want).max() <= 1e-6 * np.abs(want).max() and (m["model.norm.weight"] == b["model.norm.weight"]).all()
            print("ok" if ok else "differs")
            """, [dir.path, dir.appendingPathComponent("artifacts/cache/\(key)").path])
        XCTAssertEqual(String(decoding: check, as: UTF8.self), "ok\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("artifacts/cache/\(key)/config.json").path))

        try Data(#"{"r": 2, "lora_alpha": 4, "target_modules": ["q_proj", "k_proj"]}"#.utf8)
            .write(to: dir.appendingPathComponent("lora/adapter_config.json"))
        let bad = try CLI.run(["run", recipe.path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("cell 'merged' (merge) failed: ") && bad.stderr.contains("target module \"k_proj\" matches no module"), bad.stderr)
    }
}
