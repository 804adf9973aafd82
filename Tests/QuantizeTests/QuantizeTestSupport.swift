import Foundation
import Models
import TestSupport
import XCTest
@testable import Quantize

enum QuantizeFixtures {
    static var tinyLlamaAWQ: URL { Fixtures.shared.appendingPathComponent("fixtures/awq/tiny-llama-awq") }

    /// numpy dequantizes tiny-llama-awq into a float32 Hugging Face folder: the full-precision
    /// model our quantizer starts from (independent of our unpacking code).
    static let dequantizeScript = """
    import sys, json, os, numpy as np
    from safetensors.numpy import load_file, save_file
    src, dst = sys.argv[1], sys.argv[2]
    t = load_file(os.path.join(src, 'model.safetensors'))
    order = [0, 2, 4, 6, 1, 3, 5, 7]
    def unpack(p):
        u = p.view(np.uint32); out = np.zeros((p.shape[0], p.shape[1] * 8), dtype=np.float32)
        for n in range(8): out[:, order[n]::8] = (u >> (4 * n)) & 15
        return out
    out = {}
    for k, v in t.items():
        if k.endswith('.qweight'):
            b = k[:-8]; q = unpack(v); z = unpack(t[b + '.qzeros']); s = t[b + '.scales'].astype(np.float32)
            g = q.shape[0] // z.shape[0]
            w = (q - np.repeat(z, g, axis=0)) * np.repeat(s, g, axis=0)
            out[b + '.weight'] = np.ascontiguousarray(w.T.astype(np.float32))
        elif k.endswith('.qzeros') or k.endswith('.scales'):
            continue
        else:
            out[k] = v.astype(np.float32)
    os.makedirs(dst, exist_ok=True)
    save_file(out, os.path.join(dst, 'model.safetensors'), metadata={'format': 'pt'})
    c = json.load(open(os.path.join(src, 'config.json'))); c.pop('quantization_config'); c['torch_dtype'] = 'float32'
    json.dump(c, open(os.path.join(dst, 'config.json'), 'w'))
    open(os.path.join(dst, 'tokenizer_config.json'), 'w').write('{"note": "copied through"}')
    """

    /// A temporary float32 folder made from tiny-llama-awq, or nil (skip) when references are absent.
    static func fullPrecisionTinyLlama() throws -> URL? {
        guard try Fixtures.optional(tinyLlamaAWQ) != nil, try Fixtures.hasPython("safetensors") else { return nil }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-awq-fp-\(UUID().uuidString)")
        _ = try Fixtures.python(dequantizeScript, [tinyLlamaAWQ.path, dir.path])
        return dir
    }

    /// ref.safetensors: input_ids [2, 13] and logits [2, 13, 512] from transformers.
    static func reference() throws -> (ids: [[Int32]], logits: [Float]) {
        let script = """
        import sys, numpy as np
        from safetensors.numpy import load_file
        t = load_file(sys.argv[1])
        sys.stdout.buffer.write(t['input_ids'].astype(np.int32).tobytes() + t['logits'].astype(np.float32).tobytes())
        """
        let out = try Fixtures.python(script, [tinyLlamaAWQ.appendingPathComponent("ref.safetensors").path])
        let ids = out.prefix(2 * 13 * 4).withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        let logits = out.dropFirst(2 * 13 * 4).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        return ([Array(ids[0..<13]), Array(ids[13..<26])], logits)
    }

    /// Logits [tokens, vocab] of each sequence from our engine loading `folder`.
    static func engineLogits(_ folder: URL, _ sequences: [[Int32]]) throws -> [Float] {
        let engine = Engine(weights: try ModelLoader.loadHF(directory: folder))
        var all: [Float] = []
        for seq in sequences {
            let cache = engine.makeCache(slots: 1, maxContext: seq.count)
            all += try engine.forward([SequenceInput(slot: 0, tokens: seq)], cache: cache, logits: .all)
        }
        return all
    }
}
