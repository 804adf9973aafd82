import Foundation
import Tensors
import TestSupport
import XCTest
@testable import Quantize

/// LoRA merges against numpy's W + scale·B·A, on small Hugging Face folders and PEFT adapters
/// written by numpy + `safetensors` in the test.
final class LoRAMergeTests: XCTestCase {
    /// argv: folder, dtype ("float32" | "float16"), variant ("plain" | "conv1d").
    /// Writes folder/model (HF), folder/adapter (PEFT) and folder/expected.safetensors holding
    /// the merged weights computed in float64 and rounded to the model's dtype.
    static let script = """
    import sys, os, json, numpy as np
    from safetensors.numpy import save_file
    root, dtype, variant = sys.argv[1], np.dtype(sys.argv[2]), sys.argv[3]
    rng = np.random.default_rng(7)
    conv1d = variant == 'conv1d'
    r, alpha, hidden, kv, ffn = 4, 16, 32, 8, 48
    shapes = {'model.embed_tokens.weight': (50, hidden)}
    for l in range(2):
        p = f'model.layers.{l}.'
        shapes[p + 'self_attn.q_proj.weight'] = (hidden, hidden)
        shapes[p + 'self_attn.v_proj.weight'] = (kv, hidden)
        shapes[p + 'mlp.down_proj.weight'] = (hidden, ffn)
        shapes[p + 'input_layernorm.weight'] = (hidden,)
    shapes['model.norm.weight'] = (hidden,)
    base = {}
    for k, s in shapes.items():
        if conv1d and len(s) == 2 and 'proj' in k: s = (s[1], s[0])   # Conv1D stores [in, out]
        base[k] = rng.standard_normal(s).astype(dtype)
    targets = ['q_proj', 'v_proj']
    adapter, expected = {}, {}
    scale = alpha / np.sqrt(r) if conv1d else alpha / r
    for k, w in base.items():
        module = k[:-len('.weight')]
        if not any(module.endswith('.' + t) for t in targets): continue
        out, inp = (w.shape[1], w.shape[0]) if conv1d else w.shape
        a = rng.standard_normal((r, inp)).astype(np.float32)
        b = rng.standard_normal((out, r)).astype(np.float32)
        adapter['base_model.model.' + module + '.lora_A.weight'] = a
        adapter['base_model.model.' + module + '.lora_B.weight'] = b
        delta = scale * (b.astype(np.float64) @ a.astype(np.float64))
        if conv1d: delta = delta.T
        expected[k] = (w.astype(np.float64) + delta).astype(dtype)
    m, ad = os.path.join(root, 'model'), os.path.join(root, 'adapter')
    os.makedirs(m); os.makedirs(ad)
    names = list(base)
    if conv1d:   # two shards and an index, as large checkpoints come
        half = len(names) // 2
        shards = {'model-00001-of-00002.safetensors': names[:half], 'model-00002-of-00002.safetensors': names[half:]}
        for f, ns in shards.items(): save_file({n: base[n] for n in ns}, os.path.join(m, f), metadata={'format': 'pt'})
        json.dump({'metadata': {}, 'weight_map': {n: f for f, ns in shards.items() for n in ns}}, open(os.path.join(m, 'model.safetensors.index.json'), 'w'))
    else:
        save_file(base, os.path.join(m, 'model.safetensors'), metadata={'format': 'pt'})
    json.dump({'model_type': 'llama', 'torch_dtype': str(dtype)}, open(os.path.join(m, 'config.json'), 'w'))
    open(os.path.join(m, 'tokenizer.json'), 'w').write('{"copied": true}')
    save_file(adapter, os.path.join(ad, 'adapter_model.safetensors'))
    json.dump({'peft_type': 'LORA', 'r': r, 'lora_alpha': alpha, 'target_modules': targets,
               'fan_in_fan_out': conv1d, 'use_rslora': conv1d, 'bias': 'none'}, open(os.path.join(ad, 'adapter_config.json'), 'w'))
    save_file(expected, os.path.join(root, 'expected.safetensors'))
    """

    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-lora-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func makeFolders(_ dtype: String, _ variant: String) throws -> Bool {
        guard try Fixtures.hasPython("safetensors"), try Fixtures.hasPython("numpy") else { return false }
        _ = try Fixtures.python(Self.script, [root.path, dtype, variant])
        return true
    }

    /// Merged weights against numpy within `tolerance(expected)`, everything else byte for byte.
    func check(dtype: DType, tolerance: (Float, Float) -> Float) throws {
        let model = root.appendingPathComponent("model"), out = root.appendingPathComponent("merged")
        let report = try LoRAMerge.merge(model: model, adapter: root.appendingPathComponent("adapter"), output: out)
        let expected = try SafetensorsFile(root.appendingPathComponent("expected.safetensors"))
        XCTAssertEqual(Set(report.mergedTensors), Set(expected.names))
        XCTAssertEqual(report.mergedTensors.count, 4)
        let original = try Checkpoint(directory: model), merged = try Checkpoint(directory: out)
        XCTAssertEqual(merged.names, original.names)
        XCTAssertEqual(merged.files.map { $0.url.lastPathComponent }, original.files.map { $0.url.lastPathComponent })
        for name in original.names {
            let info = try XCTUnwrap(merged.info(name))
            XCTAssertEqual(info.dtype, dtype, name)
            XCTAssertEqual(info.shape, original.info(name)?.shape, name)
            guard expected.info(name) != nil else {
                XCTAssertEqual(Data(try merged.bytes(name)), Data(try original.bytes(name)), "\(name) should be copied unchanged")
                continue
            }
            let ours = try merged.floats(name), reference = try expected.floats(name)
            let maxAbs = reference.map(abs).max() ?? 1
            var worst: Float = 0
            for (x, y) in zip(ours, reference) {
                XCTAssertLessThanOrEqual(abs(x - y), tolerance(y, maxAbs), "\(name): \(x) vs numpy \(y)")
                worst = max(worst, abs(x - y) / maxAbs)
            }
            XCTAssertGreaterThan(zip(ours, try original.floats(name)).filter { $0 != $1 }.count, ours.count / 2, "\(name) was not changed")
            print("\(name): largest difference \(worst) of the largest weight")
        }
        for file in ["config.json", "tokenizer.json"] + (original.files.count > 1 ? ["model.safetensors.index.json"] : []) {
            XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent(file)), try Data(contentsOf: model.appendingPathComponent(file)), file)
        }
    }

    func testFloat32MergeMatchesNumpy() throws {
        guard try makeFolders("float32", "plain") else { throw XCTSkip("numpy or safetensors missing") }
        try check(dtype: .f32) { _, maxAbs in 1e-6 * maxAbs }
    }

    /// Conv1D layout (fan_in_fan_out), rsLoRA scaling, two shards, float16: within one fp16 step.
    func testFloat16ShardedConv1DMergeMatchesNumpy() throws {
        guard try makeFolders("float16", "conv1d") else { throw XCTSkip("numpy or safetensors missing") }
        try check(dtype: .f16) { y, _ in Float(Float16(abs(y)).nextUp.ulp) }
    }

    func expectError(_ containing: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try LoRAMerge.merge(model: root.appendingPathComponent("model"), adapter: root.appendingPathComponent("adapter"),
                                                 output: root.appendingPathComponent("out-\(UUID().uuidString)")), file: file, line: line) { error in
            XCTAssertTrue(String(describing: error).contains(containing), "\(error)", file: file, line: line)
        }
    }

    func rewriteAdapter(config: [String: Any]? = nil, tensors: String? = nil) throws {
        let adapter = root.appendingPathComponent("adapter")
        if let config {
            let url = adapter.appendingPathComponent("adapter_config.json")
            var json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            for (k, v) in config { json[k] = v }
            try JSONSerialization.data(withJSONObject: json).write(to: url)
        }
        if let tensors {
            // Python edits the adapter's tensors: `t` is the dict, saved back afterwards.
            _ = try Fixtures.python("""
                import sys, numpy as np
                from safetensors.numpy import load_file, save_file
                t = load_file(sys.argv[1])
                \(tensors)
                save_file(t, sys.argv[1])
                """, [adapter.appendingPathComponent("adapter_model.safetensors").path])
        }
    }

    func testErrorsNameTheTensorOrTarget() throws {
        guard try makeFolders("float32", "plain") else { throw XCTSkip("numpy or safetensors missing") }
        let a0 = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"
        let original = try Data(contentsOf: root.appendingPathComponent("adapter/adapter_model.safetensors"))
        let originalConfig = try Data(contentsOf: root.appendingPathComponent("adapter/adapter_config.json"))
        func restore() throws {
            try original.write(to: root.appendingPathComponent("adapter/adapter_model.safetensors"))
            try originalConfig.write(to: root.appendingPathComponent("adapter/adapter_config.json"))
        }

        // lora_A with the wrong number of inputs.
        try rewriteAdapter(tensors: "t['\(a0)'] = np.zeros((4, 31), np.float32)")
        expectError("tensors '\(a0)' [4, 31] and 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight' [32, 4] do not fit model.layers.0.self_attn.q_proj.weight [32, 32]")
        // A rank that disagrees with r.
        try restore(); try rewriteAdapter(tensors: "t['\(a0)'] = np.zeros((3, 32), np.float32)")
        expectError("tensor '\(a0)' has shape [3, 32] but r = 4")
        // A target that matches nothing in the model.
        try restore(); try rewriteAdapter(config: ["target_modules": ["q_proj", "v_proj", "k_proj"]])
        expectError("target module \"k_proj\" matches no module of the model")
        // Adapter tensors for a module that target_modules does not name.
        try restore(); try rewriteAdapter(config: ["target_modules": ["q_proj"]])
        expectError("tensor 'base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight' is for module model.layers.0.self_attn.v_proj, which target_modules [\"q_proj\"] does not name")
        // A module the model does not have.
        try restore(); try rewriteAdapter(tensors: """
            t['base_model.model.model.layers.9.self_attn.q_proj.lora_A.weight'] = t['\(a0)']
            t['base_model.model.model.layers.9.self_attn.q_proj.lora_B.weight'] = t['\(a0.replacingOccurrences(of: "lora_A", with: "lora_B"))']
            """)
        expectError("tensor 'base_model.model.model.layers.9.self_attn.q_proj.lora_A.weight' adapts model.layers.9.self_attn.q_proj.weight, which the model")
        // lora_A without its lora_B.
        try restore(); try rewriteAdapter(tensors: "del t['\(a0.replacingOccurrences(of: "lora_A", with: "lora_B"))']")
        expectError("tensor '\(a0)' has no lora_B partner")
        // Something other than lora_A/lora_B.
        try restore(); try rewriteAdapter(tensors: "t['base_model.model.model.layers.0.self_attn.q_proj.lora_B.bias'] = np.zeros(32, np.float32)")
        expectError("tensor 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.bias' is neither lora_A.weight nor lora_B.weight")
        // Config problems.
        try restore(); try rewriteAdapter(config: ["r": 0])
        expectError("adapter_config.json: key r must be a positive integer")
        try restore(); try rewriteAdapter(config: ["use_dora": true])
        expectError("DoRA adapters are not supported")
        // A single-string target_modules is a whole-name regex, as in PEFT.
        try restore(); try rewriteAdapter(config: ["target_modules": ".*\\.(q|v)_proj"])
        XCTAssertEqual(try LoRAMerge.merge(model: root.appendingPathComponent("model"), adapter: root.appendingPathComponent("adapter"),
                                           output: root.appendingPathComponent("regex")).mergedTensors.count, 4)
        try rewriteAdapter(config: ["target_modules": ".*\\.k_proj"])
        expectError("target_modules \".*\\.k_proj\" matches no module")
    }
}
