import Foundation
import XCTest
import Models

/// config.json parsing for the three families, and bad configs giving one clear error.
final class ModelConfigTests: XCTestCase {
    func parse(_ json: String) throws -> ModelConfig {
        try ModelConfig.parse(json: Data(json.utf8), file: "config.json")
    }

    let base = #""hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": 2, "vocab_size": 100"#

    func testFamilies() throws {
        let qwen = try parse(#"{"model_type": "qwen2", \#(base), "sliding_window": 32, "use_sliding_window": false, "tie_word_embeddings": true}"#)
        XCTAssertTrue(qwen.qkvBias); XCTAssertFalse(qwen.outputBias); XCTAssertNil(qwen.slidingWindow); XCTAssertTrue(qwen.tiedEmbeddings)
        XCTAssertEqual(qwen.groupSize, 4); XCTAssertEqual(qwen.headDim, 8)
        let mistral = try parse(#"{"model_type": "mistral", \#(base), "sliding_window": 32}"#)
        XCTAssertEqual(mistral.slidingWindow, 32); XCTAssertFalse(mistral.qkvBias)
        let llama = try parse(#"{"model_type": "llama", \#(base), "attention_bias": true, "rope_scaling": {"rope_type": "linear", "factor": 4.0}}"#)
        XCTAssertTrue(llama.qkvBias && llama.outputBias)
        XCTAssertEqual(llama.ropeScaling, .linear(factor: 4))
        // Linear scaling divides every frequency by the factor; the first is theta^0 = 1.
        XCTAssertEqual(llama.ropeInverseFrequencies[0], 0.25, accuracy: 1e-7)
    }

    func testLlama3RopeScalingBands() throws {
        // Llama 3.1's published values: factor 8, low 1, high 4, original context 8192, theta 500000.
        let c = try parse(#"{"model_type": "llama", "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 1, "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 10, "rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}"#)
        let inv = c.ropeInverseFrequencies
        let plain = (0..<64).map { 1 / pow(500000.0, Double(2 * $0) / 128) }
        // High frequencies (wavelength < 8192 / 4 = 2048 positions) are untouched ...
        XCTAssertEqual(Double(inv[0]), plain[0], accuracy: 1e-7)
        XCTAssertEqual(Double(inv[10]), plain[10], accuracy: plain[10] * 1e-6)
        // ... low ones (wavelength > 8192) are divided by 8.
        XCTAssertEqual(Double(inv[63]), plain[63] / 8, accuracy: plain[63] / 8 * 1e-6)
        for i in 0..<64 {
            XCTAssertLessThanOrEqual(Double(inv[i]), plain[i] * (1 + 1e-6))
            XCTAssertGreaterThanOrEqual(Double(inv[i]), plain[i] / 8 * (1 - 1e-6))
        }
    }

    func testBadConfigsGiveOneClearError() {
        XCTAssertThrowsError(try parse(#"{"model_type": "gpt2", \#(base)}"#)) { XCTAssertTrue("\($0)".contains("model_type 'gpt2' is not supported"), "\($0)") }
        XCTAssertThrowsError(try parse(#"{"model_type": "llama", "hidden_size": 64}"#)) { XCTAssertTrue("\($0)".contains("is missing or not a number"), "\($0)") }
        XCTAssertThrowsError(try parse(#"{"model_type": "llama", \#(base), "quantization_config": {"quant_method": "gptq", "bits": 4}}"#)) {
            XCTAssertTrue("\($0)".contains("gptq"), "\($0)")
        }
        XCTAssertThrowsError(try parse(#"{"model_type": "llama", \#(base), "quantization_config": {"quant_method": "awq", "bits": 4, "group_size": 48, "version": "gemm"}}"#)) {
            XCTAssertTrue("\($0)".contains("group size 48"), "\($0)")
        }
        XCTAssertThrowsError(try parse("[1, 2]")) { XCTAssertTrue("\($0)".contains("config.json: not a JSON object"), "\($0)") }
    }
}
