import Foundation
import TestSupport
import XCTest

/// `cellar inspect` on the tiny AWQ Llama (checked against its config.json and safetensors
/// header, read here independently) and on the SmolLM2 GGUF (checked against the `gguf` library).
final class InspectCLITests: XCTestCase {
    private func tinyLlama() throws -> URL {
        guard let dir = try Fixtures.optional(Fixtures.shared.appendingPathComponent("fixtures/awq/tiny-llama-awq")) else {
            throw XCTSkip("tiny-llama-awq fixture missing")
        }
        return dir
    }

    /// Parameters from the safetensors header alone (u64 little-endian length, then JSON): an AWQ
    /// qweight int32 holds 8 weights; qzeros and scales are quantization metadata.
    private func headerParameterCount(_ file: URL) throws -> Int {
        let data = try Data(contentsOf: file)
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
        var count = 0
        for (name, value) in header where name != "__metadata__" {
            if name.hasSuffix(".qzeros") || name.hasSuffix(".scales") { continue }
            let shape = try XCTUnwrap((value as? [String: Any])?["shape"] as? [Int], name)
            count += shape.reduce(1, *) * (name.hasSuffix(".qweight") ? 8 : 1)
        }
        return count
    }

    private func line(_ prefix: String, in output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init)
    }

    func testTinyLlamaAWQ() throws {
        let dir = try tinyLlama()
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("config.json"))) as? [String: Any])
        func int(_ key: String) throws -> Int { try XCTUnwrap(config[key] as? Int, key) }
        let group = try XCTUnwrap((config["quantization_config"] as? [String: Any])?["group_size"] as? Int)
        let r = try CLI.run(["inspect", dir.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(line("architecture:", in: r.stdout), "architecture: \(config["model_type"] as? String ?? "?")")
        let heads = try int("num_attention_heads")
        XCTAssertEqual(line("dimensions:", in: r.stdout),
                       "dimensions: hidden \(try int("hidden_size")), intermediate \(try int("intermediate_size")), \(try int("num_hidden_layers")) layers, \(heads) heads, \(try int("num_key_value_heads")) KV heads, head dim \(try int("hidden_size") / heads), vocab \(try int("vocab_size"))")
        XCTAssertEqual(line("quantization:", in: r.stdout), "quantization: AWQ int4, group size \(group)")
        let count = try headerParameterCount(dir.appendingPathComponent("model.safetensors"))
        XCTAssertTrue(line("parameters:", in: r.stdout)?.hasPrefix("parameters: \(count) ") ?? false, r.stdout)
        // One device by default: every layer on cpu:0.
        XCTAssertEqual(r.stdout.split(separator: "\n").filter { $0.hasPrefix("  cpu:") }.count, 1, r.stdout)
        XCTAssertTrue(r.stdout.contains("  cpu:0: layers 0..<\(try int("num_hidden_layers")),"), r.stdout)
    }

    func testPlanOverTwoDevicesAndARefusal() throws {
        let dir = try tinyLlama()
        var r = try CLI.run(["inspect", dir.path, "--devices", "2", "--memory-per-device", "1GiB", "--split", "layers"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("plan (layers split, max context 4096):"), r.stdout)
        XCTAssertTrue(r.stdout.contains("  cpu:0: layers 0..<1,"), r.stdout)
        XCTAssertTrue(r.stdout.contains("  cpu:1: layers 1..<2,"), r.stdout)

        r = try CLI.run(["inspect", dir.path, "--devices", "2", "--memory-per-device", "1GiB"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for device in ["cpu:0", "cpu:1"] {
            // A tensor split gives every device every layer.
            XCTAssertTrue(r.stdout.contains("  \(device): layers 0..<2,"), r.stdout)
        }

        r = try CLI.run(["inspect", dir.path, "--devices", "2", "--memory-per-device", "256KiB"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("cellar: the model does not fit: cpu:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("too much"), r.stderr)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)

        for bad in [["--memory-per-device", "lots"], ["--devices", "0"], ["--split", "rows"]] {
            r = try CLI.run(["inspect", dir.path] + bad)
            XCTAssertEqual(r.status, 2, "\(bad): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("cellar: inspect: "), r.stderr)
        }
        r = try CLI.run(["inspect", dir.appendingPathComponent("missing").path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("cellar: ") && r.stderr.contains("missing"), r.stderr)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
    }

    func testSmolLM2GGUF() throws {
        guard let gguf = try Fixtures.optional(Fixtures.smolGGUF), try Fixtures.hasPython("gguf") else {
            throw XCTSkip("SmolLM2 GGUF or gguf missing")
        }
        let read = #"""
import json, sys
from gguf import GGUFReader
r = GGUFReader(sys.argv[1])
def field(k):
    f = r.fields[k]
    return f.parts[f.data[0]]
arch = bytes(field("general.architecture")).decode()
num = lambda k: int(field(arch + "." + k)[0])
print(json.dumps({"arch": arch, "hidden": num("embedding_length"), "ffn": num("feed_forward_length"),
    "layers": num("block_count"), "heads": num("attention.head_count"), "kv": num("attention.head_count_kv"),
    "vocab": len(r.fields["tokenizer.ggml.tokens"].data), "params": sum(int(t.n_elements) for t in r.tensors)}))
"""#
        let ref = try XCTUnwrap(JSONSerialization.jsonObject(with: Fixtures.python(read, [gguf.path])) as? [String: Any])
        func int(_ key: String) throws -> Int { try XCTUnwrap(ref[key] as? Int, key) }
        let r = try CLI.run(["inspect", gguf.path, "--devices", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(line("architecture:", in: r.stdout), "architecture: \(ref["arch"] as? String ?? "?")")
        XCTAssertEqual(line("dimensions:", in: r.stdout),
                       "dimensions: hidden \(try int("hidden")), intermediate \(try int("ffn")), \(try int("layers")) layers, \(try int("heads")) heads, \(try int("kv")) KV heads, head dim \(try int("hidden") / int("heads")), vocab \(try int("vocab"))")
        XCTAssertTrue(line("quantization:", in: r.stdout)?.hasPrefix("quantization: GGUF") ?? false, r.stdout)
        XCTAssertTrue(line("parameters:", in: r.stdout)?.hasPrefix("parameters: \(try int("params")) ") ?? false, r.stdout)
        XCTAssertEqual(r.stdout.split(separator: "\n").filter { $0.hasPrefix("  cpu:") }.count, 2, r.stdout)
    }
}
