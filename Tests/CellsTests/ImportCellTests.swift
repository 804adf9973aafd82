import Foundation
import XCTest
import TestSupport
import CellKit
import Recipe
@testable import Cells

final class ImportCellTests: XCTestCase {
    private func table(_ values: [String: TOMLValue]) -> TOMLTable {
        var t = TOMLTable(position: SourcePosition(line: 1, column: 1))
        for (k, v) in values.sorted(by: { $0.key < $1.key }) {
            t.set(k, TOMLNode(v, at: SourcePosition(line: 1, column: 1)), keyPosition: SourcePosition(line: 1, column: 1))
        }
        return t
    }

    func testImportCellWritesAHuggingFaceFolderIntoItsOutput() throws {
        guard try Fixtures.hasPython("gguf") else { throw XCTSkip("gguf missing") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-importcell-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let gguf = dir.appendingPathComponent("m.gguf"), output = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        _ = try Fixtures.python("""
        import sys, numpy as np
        from gguf import GGUFWriter
        w = GGUFWriter(sys.argv[1], "llama")
        w.add_block_count(1); w.add_context_length(64); w.add_embedding_length(32); w.add_feed_forward_length(64)
        w.add_head_count(2); w.add_head_count_kv(1); w.add_layer_norm_rms_eps(1e-5)
        r = np.random.default_rng(0)
        t = lambda *s: r.standard_normal(s).astype(np.float32)
        w.add_tensor("token_embd.weight", t(10, 32)); w.add_tensor("output_norm.weight", t(32))
        for n, s in [("attn_norm", (32,)), ("attn_q", (32, 32)), ("attn_k", (16, 32)), ("attn_v", (16, 32)), ("attn_output", (32, 32)),
                     ("ffn_norm", (32,)), ("ffn_gate", (64, 32)), ("ffn_up", (64, 32)), ("ffn_down", (32, 64))]:
            w.add_tensor(f"blk.0.{n}.weight", t(*s))
        w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
        """, [gguf.path])
        XCTAssertNotNil(cellRegistry["import"])
        let context = CellContext(cellID: "imp", parameters: table(["gguf": .string("m.gguf"), "dtype": .string("f32")]),
                                  inputs: ["gguf": [gguf]], outputDirectory: output, recipeFile: dir.appendingPathComponent("r.toml"), threads: 1)
        let summary = try ImportCell().run(context)
        XCTAssertEqual(summary.metrics["parameters"], Double(10 * 32 + 32 + 32 + 32 * 32 + 2 * 16 * 32 + 32 * 32 + 32 + 3 * 64 * 32))
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: output.path)),
                       ["config.json", "generation_config.json", "model.safetensors"])
        let names = try Fixtures.python("""
        import sys
        from safetensors import safe_open
        with safe_open(sys.argv[1], "numpy") as f: print(len(list(f.keys())), f.get_tensor("model.layers.0.mlp.down_proj.weight").dtype)
        """, [output.appendingPathComponent("model.safetensors").path])
        XCTAssertEqual(String(decoding: names, as: UTF8.self), "11 float32\n")

        let bad = CellContext(cellID: "imp", parameters: table(["dtype": .string("int4")]), inputs: ["gguf": [gguf]],
                              outputDirectory: output, recipeFile: dir, threads: 1)
        XCTAssertThrowsError(try ImportCell().run(bad)) { XCTAssertTrue("\($0)".contains("'dtype'"), "\($0)") }
    }
}
