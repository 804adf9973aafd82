import Foundation
import XCTest
import Models
import Tensors

/// The planner on real models' configs with synthesized safetensors headers (no weights).
final class PlannerTests: XCTestCase {
    let gib = 1 << 30

    /// A folder with config.json and a model.safetensors holding only a header (AutoAWQ names and shapes).
    func synthesize(hidden: Int, intermediate: Int, layers: Int, heads: Int, kvHeads: Int, vocab: Int, group: Int,
                    modelType: String = "llama") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let config: [String: Any] = [
            "model_type": modelType, "hidden_size": hidden, "intermediate_size": intermediate, "num_hidden_layers": layers,
            "num_attention_heads": heads, "num_key_value_heads": kvHeads, "vocab_size": vocab, "rms_norm_eps": 1e-5,
            "tie_word_embeddings": false,
            "quantization_config": ["quant_method": "awq", "bits": 4, "group_size": group, "version": "gemm", "zero_point": true],
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("config.json"))
        var entries: [(String, String, [Int])] = [("model.embed_tokens.weight", "F16", [vocab, hidden]),
                                                  ("lm_head.weight", "F16", [vocab, hidden]), ("model.norm.weight", "F16", [hidden])]
        let hd = hidden / heads
        for l in 0..<layers {
            let p = "model.layers.\(l)."
            for (name, k, n) in [("self_attn.q_proj", hidden, heads * hd), ("self_attn.k_proj", hidden, kvHeads * hd),
                                 ("self_attn.v_proj", hidden, kvHeads * hd), ("self_attn.o_proj", heads * hd, hidden),
                                 ("mlp.gate_proj", hidden, intermediate), ("mlp.up_proj", hidden, intermediate),
                                 ("mlp.down_proj", intermediate, hidden)] {
                entries.append((p + name + ".qweight", "I32", [k, n / 8]))
                entries.append((p + name + ".qzeros", "I32", [k / group, n / 8]))
                entries.append((p + name + ".scales", "F16", [k / group, n]))
            }
            entries.append((p + "input_layernorm.weight", "F16", [hidden]))
            entries.append((p + "post_attention_layernorm.weight", "F16", [hidden]))
        }
        var header: [String: Any] = [:]
        var offset = 0
        for (name, dtype, shape) in entries {
            let bytes = shape.reduce(1, *) * (dtype == "I32" ? 4 : 2)
            header[name] = ["dtype": dtype, "shape": shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        let json = try JSONSerialization.data(withJSONObject: header)
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        try file.write(to: dir.appendingPathComponent("model.safetensors"))
        return dir
    }

    func testYi34BFitsTwo16GiBDevicesAt4096() throws {
        let dir = try synthesize(hidden: 7168, intermediate: 20480, layers: 60, heads: 56, kvHeads: 8, vocab: 64000, group: 128)
        defer { try? FileManager.default.removeItem(at: dir) }
        for split in [Split.tensor, .layers] {
            let plan = try Planner.plan(modelDirectory: dir, devices: ["cpu:0", "cpu:1"], split: split,
                                        memoryPerDevice: 16 * gib, maxContext: 4096)
            XCTAssertEqual(plan.devices.count, 2)
            // Independent arithmetic: 60 layers of 4-bit weights (plus a float scale and zero per
            // 128-group) are ~18.8 GB; each device holds about half.
            let perLayerParams = 7168 * (7168 + 2 * 1024) + 7168 * 7168 + 3 * 7168 * 20480
            let int4Total = Double(60 * perLayerParams) * (0.5 + 8.0 / 128)
            let weights = plan.devices.map(\.weightBytes).reduce(0, +)
            XCTAssertGreaterThan(Double(weights), int4Total)
            XCTAssertLessThan(Double(weights), int4Total + 2 * 64000 * 7168 * 4 + 1e8)
            // KV: 2 · 60 layers · 4096 · 8 heads · 128 · 4 bytes in total.
            XCTAssertEqual(plan.devices.map(\.kvCacheBytes).reduce(0, +), 2 * 60 * 4096 * 1024 * 4)
            for d in plan.devices { XCTAssertLessThanOrEqual(d.totalBytes, 16 * gib, "\(split): \(plan.lines)") }
        }
    }

    func testLlama3_70BDoesNotFitAndSaysByHowMuch() throws {
        let dir = try synthesize(hidden: 8192, intermediate: 28672, layers: 80, heads: 64, kvHeads: 8, vocab: 128256, group: 128)
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try Planner.plan(modelDirectory: dir, devices: ["cpu:0", "cpu:1"], split: .tensor,
                                              memoryPerDevice: 16 * gib, maxContext: 4096)) { error in
            let m = "\(error)"
            XCTAssertTrue(m.contains("does not fit"), m)
            XCTAssertTrue(m.contains("too much"), m)
            XCTAssertTrue(m.contains("16.00 GiB"), m)
        }
    }

    func testQwen72BCannotBeTensorSplitInTwo() throws {
        let dir = try synthesize(hidden: 8192, intermediate: 29568, layers: 2, heads: 64, kvHeads: 8, vocab: 1024, group: 128,
                                 modelType: "qwen2")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try Planner.plan(modelDirectory: dir, devices: ["cpu:0", "cpu:1"], split: .tensor,
                                              memoryPerDevice: nil, maxContext: 4096)) { error in
            let m = "\(error)"
            XCTAssertTrue(m.contains("29568"), m)
            XCTAssertTrue(m.contains("14784"), m)
            XCTAssertTrue(m.contains("128"), m)
            XCTAssertTrue(m.contains("split = \"layers\""), m)
        }
        // The layer split works.
        XCTAssertNoThrow(try Planner.plan(modelDirectory: dir, devices: ["cpu:0", "cpu:1"], split: .layers,
                                          memoryPerDevice: nil, maxContext: 4096))
    }

    func testByteSizes() {
        XCTAssertEqual(Planner.parseBytes("16GiB"), 16 << 30)
        XCTAssertEqual(Planner.parseBytes("1.5 GB"), 1_500_000_000)
        XCTAssertEqual(Planner.parseBytes("512MiB"), 512 << 20)
        XCTAssertNil(Planner.parseBytes("lots"))
    }
}
