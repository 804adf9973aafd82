import Foundation
import XCTest
import TestSupport
import Tensors
@testable import Quantize

/// The GGUF → Hugging Face import against numpy + the `gguf` package doing the same from the
/// GGUF: dequantize every tensor, un-permute Q and K with numpy reshapes, compare.
final class GGUFImportTests: XCTestCase {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// numpy's inverse of convert_hf_to_gguf's permute: GGUF rows (n, D/2, 2) → HF rows (n, 2, D/2).
    static let numpyUnpermute = """
    def unpermute(w, n_head):
        rows = w.shape[0]
        return w.reshape(n_head, rows // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)
    HF = {"attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
          "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj", "attn_norm": "input_layernorm",
          "ffn_norm": "post_attention_layernorm"}
    def hf_name(name):
        if name == "token_embd.weight": return "model.embed_tokens.weight"
        if name == "output_norm.weight": return "model.norm.weight"
        if name == "output.weight": return "lm_head.weight"
        _, layer, part, _ = name.split(".")
        return f"model.layers.{layer}.{HF[part]}.weight"

    """

    /// A tiny llama GGUF with an untied output and a different quantization for each projection.
    static let tinyLlamaScript = """
    import sys, numpy as np, gguf
    from gguf import GGUFWriter, GGMLQuantizationType as T
    from gguf.quants import quantize
    rng = np.random.default_rng(5)
    arch = sys.argv[2] if len(sys.argv) > 2 else "llama"
    w = GGUFWriter(sys.argv[1], arch)
    w.add_block_count(2); w.add_context_length(512); w.add_embedding_length(64); w.add_feed_forward_length(96)
    w.add_head_count(4); w.add_head_count_kv(2); w.add_rope_freq_base(500000.0); w.add_layer_norm_rms_eps(1e-6)
    w.add_vocab_size(40); w.add_bos_token_id(1); w.add_eos_token_id(2)
    def add(name, shape, t):
        x = (rng.standard_normal(shape) * 0.3).astype(np.float32)
        if t == T.F32: w.add_tensor(name, x)
        elif t == T.F16: w.add_tensor(name, x.astype(np.float16))
        else: w.add_tensor(name, quantize(x, t), raw_dtype=t)
    add("token_embd.weight", (40, 64), T.F16)
    for l in range(2):
        add(f"blk.{l}.attn_norm.weight", (64,), T.F32)
        add(f"blk.{l}.attn_q.weight", (64, 64), T.Q8_0)
        add(f"blk.{l}.attn_k.weight", (32, 64), T.F16)
        add(f"blk.{l}.attn_v.weight", (32, 64), T.Q4_0)
        add(f"blk.{l}.attn_output.weight", (64, 64), T.Q4_1)
        add(f"blk.{l}.ffn_norm.weight", (64,), T.F32)
        add(f"blk.{l}.ffn_gate.weight", (96, 64), T.Q5_0)
        add(f"blk.{l}.ffn_up.weight", (96, 64), T.Q5_1)
        add(f"blk.{l}.ffn_down.weight", (64, 96), T.BF16 if False else T.F32)
    add("output_norm.weight", (64,), T.F32)
    add("output.weight", (40, 64), T.Q8_0)
    if len(sys.argv) > 3: add("rope_freqs.weight", (32,), T.F32)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
    """

    /// Reference HF tensors computed by gguf + numpy, written as F32 safetensors.
    static let referenceScript = numpyUnpermute + """
    import sys, json, numpy as np, gguf
    from gguf.quants import dequantize
    from safetensors.numpy import save_file
    r = gguf.GGUFReader(sys.argv[1])
    ROWS = {"token_embd.weight": 2000}   # a prefix is enough for the 49152-row embedding
    heads = int(r.fields["llama.attention.head_count"].contents())
    kv = int(r.fields["llama.attention.head_count_kv"].contents())
    wanted = sys.argv[3].split(",") if len(sys.argv) > 3 else None
    ref = {}
    for t in r.tensors:
        if wanted is not None and t.name not in wanted: continue
        shape = tuple(reversed([int(d) for d in t.shape]))
        data = t.data
        if t.name in ROWS and len(shape) == 2 and shape[0] > ROWS[t.name]:
            data = data[:ROWS[t.name]]; shape = (ROWS[t.name], shape[1])
        x = dequantize(data, t.tensor_type).astype(np.float32).reshape(shape)
        if ".attn_q." in t.name: x = unpermute(x, heads)
        if ".attn_k." in t.name: x = unpermute(x, kv)
        ref[hf_name(t.name)] = np.ascontiguousarray(x)
    save_file(ref, sys.argv[2])
    c = lambda k: r.fields[k].contents()
    print(json.dumps({"hidden_size": c("llama.embedding_length"), "intermediate_size": c("llama.feed_forward_length"),
      "num_hidden_layers": c("llama.block_count"), "num_attention_heads": c("llama.attention.head_count"),
      "num_key_value_heads": c("llama.attention.head_count_kv"), "max_position_embeddings": c("llama.context_length"),
      "bos_token_id": c("tokenizer.ggml.bos_token_id"), "eos_token_id": c("tokenizer.ggml.eos_token_id"),
      "rope_theta": repr(c("llama.rope.freq_base")), "rms_norm_eps": repr(c("llama.attention.layer_norm_rms_epsilon")),
      "chat_template": c("tokenizer.chat_template") if "tokenizer.chat_template" in r.fields else None}))
    """

    func testTinyLlamaImportMatchesNumpy() throws {
        guard try Fixtures.hasPython("gguf") else { throw XCTSkip("gguf missing") }
        let dir = try temporaryDirectory()
        let gguf = dir.appendingPathComponent("tiny.gguf"), refURL = dir.appendingPathComponent("ref.safetensors")
        _ = try Fixtures.python(Self.tinyLlamaScript, [gguf.path])
        _ = try Fixtures.python(Self.referenceScript, [gguf.path, refURL.path])
        let ref = try SafetensorsFile(refURL)

        let f32 = dir.appendingPathComponent("out-f32")
        let summary = try GGUFImport.run(gguf: gguf, to: f32, dtype: .f32)
        XCTAssertFalse(summary.tiedEmbeddings)
        XCTAssertFalse(summary.hasTokenizer)
        let imported = try SafetensorsFile(f32.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(Set(imported.names), Set(ref.names))
        XCTAssertTrue(imported.names.contains("lm_head.weight"))
        XCTAssertEqual(imported.names.first, "model.embed_tokens.weight")
        for name in ref.names {
            XCTAssertEqual(imported.info(name)?.shape, ref.info(name)?.shape, name)
            XCTAssertEqual(imported.info(name)?.dtype, .f32, name)
            XCTAssertEqual(try imported.floats(name).map(\.bitPattern), try ref.floats(name).map(\.bitPattern), name)
        }

        // fp16: numpy's float16 rounding of the same reference.
        let f16 = dir.appendingPathComponent("out-f16")
        _ = try GGUFImport.run(gguf: gguf, to: f16, dtype: .f16)
        let check = """
        import sys, numpy as np
        from safetensors.numpy import load_file
        a, b = load_file(sys.argv[1]), load_file(sys.argv[2])
        assert set(a) == set(b)
        for k in a:
            assert a[k].dtype == np.float16, (k, a[k].dtype)
            assert np.array_equal(a[k].view(np.uint16), b[k].astype(np.float16).view(np.uint16)), k
        print("ok")
        """
        let out = try Fixtures.python(check, [f16.appendingPathComponent("model.safetensors").path, refURL.path])
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "ok\n")

        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: f16.appendingPathComponent("config.json"))) as? [String: Any])
        XCTAssertEqual(config["architectures"] as? [String], ["LlamaForCausalLM"])
        XCTAssertEqual(config["model_type"] as? String, "llama")
        XCTAssertEqual(config["hidden_size"] as? Int, 64)
        XCTAssertEqual(config["intermediate_size"] as? Int, 96)
        XCTAssertEqual(config["num_hidden_layers"] as? Int, 2)
        XCTAssertEqual(config["num_attention_heads"] as? Int, 4)
        XCTAssertEqual(config["num_key_value_heads"] as? Int, 2)
        XCTAssertEqual(config["max_position_embeddings"] as? Int, 512)
        XCTAssertEqual(config["vocab_size"] as? Int, 40)
        XCTAssertEqual(config["rope_theta"] as? Double, 500000)
        XCTAssertEqual(config["rms_norm_eps"] as? Double, 1e-6)
        XCTAssertEqual(config["tie_word_embeddings"] as? Bool, false)
        XCTAssertEqual(config["bos_token_id"] as? Int, 1)
        XCTAssertEqual(config["eos_token_id"] as? Int, 2)
        XCTAssertEqual(config["torch_dtype"] as? String, "float16")
        let generation = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: f16.appendingPathComponent("generation_config.json"))) as? [String: Any])
        XCTAssertEqual(generation["eos_token_id"] as? Int, 2)

        // The output folder exists and is full now: a second import refuses and leaves no debris.
        XCTAssertThrowsError(try GGUFImport.run(gguf: gguf, to: f16)) { XCTAssertTrue("\($0)".contains("not empty"), "\($0)") }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }, [])
    }

    func testUnsupportedInputsGiveClearErrors() throws {
        guard try Fixtures.hasPython("gguf") else { throw XCTSkip("gguf missing") }
        let dir = try temporaryDirectory()
        let gpt2 = dir.appendingPathComponent("gpt2.gguf"), extra = dir.appendingPathComponent("extra.gguf")
        _ = try Fixtures.python(Self.tinyLlamaScript, [gpt2.path, "gpt2"])
        _ = try Fixtures.python(Self.tinyLlamaScript, [extra.path, "llama", "extra"])
        XCTAssertThrowsError(try GGUFImport.run(gguf: gpt2, to: dir.appendingPathComponent("a"))) {
            XCTAssertTrue("\($0)".contains("architecture 'gpt2' is not supported"), "\($0)")
        }
        XCTAssertThrowsError(try GGUFImport.run(gguf: extra, to: dir.appendingPathComponent("b"))) {
            XCTAssertTrue("\($0)".contains("'rope_freqs.weight'"), "\($0)")
        }
        XCTAssertThrowsError(try GGUFImport.run(gguf: dir.appendingPathComponent("none.gguf"), to: dir.appendingPathComponent("c")))
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)), ["gpt2.gguf", "extra.gguf"])
    }

    /// SmolLM2's real GGUF, imported in fp32: config from its metadata; Q/K/embedding/norm
    /// values equal the gguf package's dequantization, un-permuted by numpy.
    func testSmolLM2ImportFP32() throws {
        guard try Fixtures.hasPython("gguf"), let gguf = try Fixtures.optional(Fixtures.smolGGUF) else { throw XCTSkip("gguf or SmolLM2 missing") }
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("smollm2")
        let summary = try GGUFImport.run(gguf: gguf, to: out, dtype: .f32)
        XCTAssertTrue(summary.tiedEmbeddings)
        XCTAssertEqual(summary.tensorCount, 272)

        let refURL = dir.appendingPathComponent("ref.safetensors")
        let wanted = ["token_embd.weight", "output_norm.weight", "blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.attn_v.weight",
                      "blk.17.attn_q.weight", "blk.29.attn_k.weight", "blk.29.ffn_down.weight", "blk.3.ffn_norm.weight"]
        let metaOut = try Fixtures.python(Self.referenceScript, [gguf.path, refURL.path, wanted.joined(separator: ",")])
        let ref = try SafetensorsFile(refURL)
        let imported = try SafetensorsFile(out.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(ref.names.count, wanted.count)
        for name in ref.names {
            let theirs = try ref.floats(name)
            XCTAssertEqual(imported.info(name)?.shape.dropFirst(), ref.info(name)?.shape.dropFirst(), name)
            XCTAssertEqual(try imported.floats(name).prefix(theirs.count).map(\.bitPattern), theirs.map(\.bitPattern), name)
        }
        XCTAssertEqual(imported.info("model.embed_tokens.weight")?.shape, [49152, 576])
        XCTAssertEqual(imported.info("model.layers.0.self_attn.k_proj.weight")?.shape, [192, 576])
        XCTAssertNil(imported.info("lm_head.weight"))
        XCTAssertEqual(imported.names.count, 272)

        let want = try XCTUnwrap(JSONSerialization.jsonObject(with: metaOut) as? [String: Any])
        let configText = try String(contentsOf: out.appendingPathComponent("config.json"), encoding: .utf8)
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(configText.utf8)) as? [String: Any])
        for key in ["hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                    "max_position_embeddings", "bos_token_id", "eos_token_id"] {
            XCTAssertEqual(config[key] as? Int, want[key] as? Int, key)
        }
        XCTAssertEqual(config["vocab_size"] as? Int, 49152)
        XCTAssertEqual(config["tie_word_embeddings"] as? Bool, true)
        XCTAssertEqual(config["torch_dtype"] as? String, "float32")
        // The float32 metadata printed as its shortest decimal, as Python's float32 repr does.
        XCTAssertTrue(configText.contains("\"rms_norm_eps\": 1e-05"), configText)
        XCTAssertTrue(configText.contains("\"rope_theta\": 100000.0"), configText)
        XCTAssertEqual(want["rope_theta"] as? String, "100000.0")

        // The tokenizer files: `tokenizers` loads ours and encodes a corpus exactly as the real
        // SmolLM2 tokenizer.json does; the config carries the GGUF's chat template.
        guard try Fixtures.hasPython("tokenizers"),
              let realTokenizer = try Fixtures.optional(Fixtures.shared.appendingPathComponent("tokenizers/smollm2-135m-instruct/tokenizer.json")),
              let corpus = try Fixtures.optional(Fixtures.shared.appendingPathComponent("data/arc_easy_test.jsonl")) else { return }
        XCTAssertTrue(summary.hasTokenizer)
        let compare = """
        import sys, json
        from tokenizers import Tokenizer
        ours, real = Tokenizer.from_file(sys.argv[1]), Tokenizer.from_file(sys.argv[2])
        lines = open(sys.argv[3], encoding="utf-8").read().splitlines()[:400]
        texts = lines + ["Hello 123 world\\n\\n  x", "<|im_start|>user\\nHi<|im_end|>\\n"]
        bad = [t for t in texts if ours.encode(t).ids != real.encode(t).ids]
        cfg = json.load(open(sys.argv[4]))
        print(json.dumps({"texts": len(texts), "mismatches": len(bad), "template": cfg.get("chat_template"),
                          "eos": cfg.get("eos_token"), "add_bos": cfg.get("add_bos_token")}))
        """
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Fixtures.python(compare, [
            out.appendingPathComponent("tokenizer.json").path, realTokenizer.path, corpus.path,
            out.appendingPathComponent("tokenizer_config.json").path])) as? [String: Any])
        XCTAssertEqual(result["texts"] as? Int, 402)
        XCTAssertEqual(result["mismatches"] as? Int, 0)
        XCTAssertEqual(result["template"] as? String, want["chat_template"] as? String)
        XCTAssertTrue((want["chat_template"] as? String ?? "").contains("<|im_start|>"))
        XCTAssertEqual(result["eos"] as? String, "<|im_end|>")
        XCTAssertEqual(result["add_bos"] as? Bool, false)
    }
}
