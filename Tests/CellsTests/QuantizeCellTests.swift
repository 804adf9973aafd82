import Foundation
import XCTest
import TestSupport
import CellKit
import Recipe
@testable import Cells

/// The `quantize` cell on a small synthetic Llama folder (random weights, SmolLM2's tokenizer),
/// run with a hand-built context as the runner would; numpy checks the AutoAWQ layout it writes.
final class QuantizeCellTests: XCTestCase {
    private func table(_ values: [String: TOMLValue]) -> TOMLTable {
        var t = TOMLTable(position: SourcePosition(line: 1, column: 1))
        for (k, v) in values.sorted(by: { $0.key < $1.key }) {
            t.set(k, TOMLNode(v, at: SourcePosition(line: 1, column: 1)), keyPosition: SourcePosition(line: 1, column: 1))
        }
        return t
    }

    func testQuantizeCellWritesAnAutoAWQFolder() throws {
        let tokenizer = Fixtures.shared.appendingPathComponent("tokenizers/smollm2-135m-instruct/tokenizer.json")
        guard try Fixtures.optional(tokenizer) != nil, try Fixtures.hasPython("safetensors") else {
            throw XCTSkip("SmolLM2 tokenizer or safetensors missing")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-quantizecell-\(UUID().uuidString)")
        let model = dir.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        _ = try Fixtures.python("""
        import sys, json, shutil, numpy as np
        from safetensors.numpy import save_file
        d = sys.argv[1]
        json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
                   "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 49152,
                   "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "max_position_embeddings": 512,
                   "tie_word_embeddings": True, "torch_dtype": "float16"}, open(d + "/config.json", "w"))
        r = np.random.default_rng(1)
        t = lambda *s: (r.standard_normal(s) * 0.1).astype(np.float16)
        out = {"model.embed_tokens.weight": t(49152, 64), "model.norm.weight": np.ones(64, np.float16)}
        for l in range(2):
            p = f"model.layers.{l}."
            for n, s in [("self_attn.q_proj", (64, 64)), ("self_attn.k_proj", (32, 64)), ("self_attn.v_proj", (32, 64)),
                         ("self_attn.o_proj", (64, 64)), ("mlp.gate_proj", (128, 64)), ("mlp.up_proj", (128, 64)),
                         ("mlp.down_proj", (64, 128))]:
                out[p + n + ".weight"] = t(*s)
            out[p + "input_layernorm.weight"] = np.ones(64, np.float16)
            out[p + "post_attention_layernorm.weight"] = np.ones(64, np.float16)
        save_file(out, d + "/model.safetensors", metadata={"format": "pt"})
        shutil.copy(sys.argv[2], d + "/tokenizer.json")
        """, [model.path, tokenizer.path])
        let calibration = dir.appendingPathComponent("calibration.txt")
        try Data(String(repeating: "The quick brown fox jumps over the lazy dog while the cat sleeps. ", count: 40).utf8)
            .write(to: calibration)
        let output = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        XCTAssertNotNil(cellRegistry["quantize"])

        let logged = LockedLines()
        let context = CellContext(cellID: "q", parameters: table(["group_size": .integer(32), "calibration_tokens": .integer(256)]),
                                  inputs: ["model": [model], "calibration": [calibration]], outputDirectory: output,
                                  recipeFile: dir.appendingPathComponent("r.toml"), threads: 1,
                                  log: { logged.append($0) })
        let summary = try QuantizeCell().run(context)
        XCTAssertEqual(summary.metrics["layers"], 2)
        XCTAssertEqual(summary.metrics["calibration_tokens"], 256)
        XCTAssertEqual(logged.lines.count, 2)
        XCTAssertTrue(logged.lines.first?.hasPrefix("layer 1/2") ?? false, "\(logged.lines)")

        let check = try Fixtures.python("""
        import sys, json
        from safetensors import safe_open
        d = sys.argv[1]
        q = json.load(open(d + "/config.json"))["quantization_config"]
        with safe_open(d + "/model.safetensors", "numpy") as f:
            a = f.get_tensor("model.layers.1.mlp.down_proj.qweight"); z = f.get_tensor("model.layers.1.mlp.down_proj.qzeros")
            s = f.get_tensor("model.layers.1.mlp.down_proj.scales")
            print(q["quant_method"], q["bits"], q["group_size"], q["version"], a.dtype, a.shape, z.shape, s.dtype, s.shape,
                  "model.layers.0.mlp.down_proj.weight" in f.keys())
        """, [output.path])
        XCTAssertEqual(String(decoding: check, as: UTF8.self), "awq 4 32 gemm int32 (128, 8) (4, 8) float16 (4, 64) False\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent("tokenizer.json").path))

        let bad = CellContext(cellID: "q", parameters: table(["method": .string("gptq")]), inputs: ["model": [model]],
                              outputDirectory: dir.appendingPathComponent("bad"), recipeFile: dir, threads: 1)
        XCTAssertThrowsError(try QuantizeCell().run(bad)) { XCTAssertTrue("\($0)".contains("'method'"), "\($0)") }
        let noCalibration = CellContext(cellID: "q", parameters: table([:]), inputs: ["model": [model]],
                                        outputDirectory: dir.appendingPathComponent("bad"), recipeFile: dir, threads: 1)
        XCTAssertThrowsError(try QuantizeCell().run(noCalibration)) { XCTAssertTrue("\($0)".contains("calibration"), "\($0)") }
    }
}

private final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ line: String) { lock.lock(); storage.append(line); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}
