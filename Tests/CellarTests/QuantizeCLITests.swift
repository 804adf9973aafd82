import Foundation
import XCTest

/// `cellar quantize` refuses bad input with one sentence, and writes nothing.
final class QuantizeCLITests: XCTestCase {
    func testBadInputsAreOneSentenceAndLeaveNoOutput() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-quantizecli-\(UUID().uuidString)")
        let model = dir.appendingPathComponent("model"), out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let config = """
        {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
         "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 100,
         "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "max_position_embeddings": 256}
        """
        try Data(config.utf8).write(to: model.appendingPathComponent("config.json"))

        let missing = dir.appendingPathComponent("nowhere").path
        var r = try CLI.run(["quantize", missing, "-o", out.path, "--method", "rtn"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "cellar: cannot quantize: \(missing) is not a folder; expected a Hugging Face model folder\n")

        r = try CLI.run(["quantize", model.path, "-o", out.path, "--method", "rtn", "--group-size", "48"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "cellar: cannot quantize: group size 48 does not divide hidden_size 64\n")

        r = try CLI.run(["quantize", model.path, "-o", out.path, "--method", "rtn", "--bits", "3"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "cellar: cannot quantize: only 4-bit quantization is supported, not 3\n")

        r = try CLI.run(["quantize", model.path, "-o", out.path, "--method", "gptq"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("--method must be awq or rtn, got 'gptq'"), r.stderr)

        r = try CLI.run(["quantize", model.path, "-o", out.path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("--calibration FILE is required for AWQ"), r.stderr)

        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["model"])
    }
}
