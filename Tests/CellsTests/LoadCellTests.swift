import CellKit
import Cells
import Foundation
import Models
import Recipe
import Tensors
import TestSupport
import XCTest

/// The load cell driven directly with a hand-built context, as the runner would, on
/// ../shared/fixtures/awq/tiny-llama-awq (logits from Hugging Face transformers in ref.safetensors).
final class LoadCellTests: XCTestCase {
    private var folders: [URL] = []
    override func tearDown() { for f in folders { try? FileManager.default.removeItem(at: f) } }

    private func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-load-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        folders.append(url)
        return url
    }

    private func fixture() throws -> URL {
        guard let dir = try Fixtures.optional(Fixtures.shared.appendingPathComponent("fixtures/awq/tiny-llama-awq")) else {
            throw XCTSkip("tiny-llama-awq fixture missing")
        }
        return dir
    }

    private func context(model: URL, devices: [String], split: String?, memory: String? = nil, output: URL) -> CellContext {
        let p = SourcePosition(line: 1, column: 1)
        var table = TOMLTable(position: p)
        table.set("model", TOMLNode(.string(model.path), at: p), keyPosition: p)
        table.set("devices", TOMLNode(.array(devices.map { TOMLNode(.string($0), at: p) }), at: p), keyPosition: p)
        if let split { table.set("split", TOMLNode(.string(split), at: p), keyPosition: p) }
        if let memory { table.set("memory_per_device", TOMLNode(.string(memory), at: p), keyPosition: p) }
        table.set("max_context", TOMLNode(.integer(32), at: p), keyPosition: p)
        return CellContext(cellID: "load", parameters: table, inputs: ["model": [model]], outputDirectory: output,
                           recipeFile: model.deletingLastPathComponent().appendingPathComponent("recipe.toml"), threads: 2)
    }

    /// ref.safetensors: input_ids I64 [batch, tokens], logits F32 [batch, tokens, vocab].
    private func reference(_ dir: URL) throws -> (ids: [[Int32]], logits: [Float]) {
        let ref = try SafetensorsFile(dir.appendingPathComponent("ref.safetensors"))
        let info = try XCTUnwrap(ref.info("input_ids"))
        XCTAssertEqual(info.dtype, .i64)
        let raw = try ref.bytes("input_ids")
        var ids64 = [Int64](repeating: 0, count: info.elementCount)
        ids64.withUnsafeMutableBytes { $0.copyMemory(from: raw) }
        let (b, t) = (info.shape[0], info.shape[1])
        return ((0..<b).map { s in (0..<t).map { Int32(ids64[s * t + $0]) } }, try ref.floats("logits"))
    }

    private func checkArtifactReproducesReference(split: String) throws {
        let dir = try fixture()
        let out = try folder()
        let logged = LockedLines()
        var ctx = context(model: dir, devices: ["cpu:0", "cpu:1"], split: split, output: out)
        ctx.log = { logged.append($0) }
        let summary = try LoadCell().run(ctx)
        XCTAssertEqual(summary.metrics["parameters"].map(Int.init), try parameterCount(dir))
        XCTAssertTrue(logged.lines.contains { $0.hasPrefix("cpu:1:") }, "plan lines: \(logged.lines)")

        let engine = try Engine.open(loadArtifact: out)
        XCTAssertEqual(engine.deviceCount, 2)
        XCTAssertEqual(engine.weights.split.rawValue, split)
        let ref = try reference(dir)
        let cache = engine.makeCache(slots: ref.ids.count, maxContext: 32)
        let ours = try engine.forward(ref.ids.enumerated().map { SequenceInput(slot: $0.offset, tokens: $0.element) },
                                      cache: cache, logits: .all)
        XCTAssertEqual(ours.count, ref.logits.count)
        var worst: Float = 0
        for i in 0..<min(ours.count, ref.logits.count) { worst = max(worst, abs(ours[i] - ref.logits[i])) }
        XCTAssertLessThan(worst, 1e-4, "max |Δlogit| \(worst), split \(split)")
    }

    func testTensorSplitArtifactReproducesTransformersLogits() throws { try checkArtifactReproducesReference(split: "tensor") }
    func testLayerSplitArtifactReproducesTransformersLogits() throws { try checkArtifactReproducesReference(split: "layers") }

    /// Opening maps weights.bin: the tensors point into the mapping rather than into a copy.
    func testOpeningMapsTheWeightsFile() throws {
        let out = try folder()
        _ = try LoadCell().run(context(model: try fixture(), devices: ["cpu:0", "cpu:1"], split: "tensor", output: out))
        let (weights, info, file) = try EngineArtifact.open(out)
        XCTAssertEqual(info.deviceNames, ["cpu:0", "cpu:1"])
        XCTAssertEqual(info.maxContext, 32)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: out.appendingPathComponent(EngineArtifact.weightsName).path)[.size] as? Int)
        XCTAssertEqual(file.bytes.count, size)
        let mapping = UnsafeRawPointer(file.bytes.baseAddress!)..<(UnsafeRawPointer(file.bytes.baseAddress!) + file.bytes.count)
        // A float16 checkpoint's embedding stays float16, mapped like the rest.
        guard case .half(let embedding) = weights.embedding else { return XCTFail("the float16 embedding was not kept as float16") }
        XCTAssertTrue(mapping.contains(embedding.storageAddress), "the embedding was copied out of the mapping")
        for tensor in [weights.finalNorm, weights.devices[1].layers[0].mlpNorm] {
            XCTAssertTrue(mapping.contains(UnsafeRawPointer(tensor.pointer)), "a tensor was copied out of the mapping")
        }
    }

    func testModelLargerThanMemoryPerDeviceIsRefusedWithThePlannersNumbers() throws {
        let out = try folder()
        let ctx = context(model: try fixture(), devices: ["cpu:0", "cpu:1"], split: "layers", memory: "256KiB", output: out)
        XCTAssertThrowsError(try LoadCell().run(ctx)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("cell 'load': tiny-llama-awq: the model does not fit: cpu:"), text)
            XCTAssertTrue(text.contains("too much"), text)
            XCTAssertFalse(text.contains("\n"), text)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent(EngineArtifact.weightsName).path))
    }

    func testBadSplitAndDeviceNamesAreOneSentence() throws {
        let dir = try fixture()
        let cases: [(devices: [String], split: String?, expected: String)] = [
            (["cpu:0", "cpu:1"], "rows", "split must be \"tensor\" or \"layers\", got \"rows\""),
            (["gpu0"], nil, "device \"gpu0\""),
            (["cpu:0", "cpu:x"], nil, "device \"cpu:x\""),
            (["cpu:0", "cpu:0"], nil, "\"cpu:0\" is named twice"),
            ([], nil, "devices must name at least one device"),
        ]
        for c in cases {
            let out = try folder()
            XCTAssertThrowsError(try LoadCell().run(context(model: dir, devices: c.devices, split: c.split, output: out))) { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix("cell 'load': "), text)
                XCTAssertTrue(text.contains(c.expected), "\(c.devices) \(c.split ?? "-"): \(text)")
            }
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), [])
        }
    }

    /// Parameters counted from the safetensors header alone, AWQ int4 unpacked: 8 weights per
    /// int32 of qweight; qzeros and scales are quantization metadata, not parameters.
    private func parameterCount(_ dir: URL) throws -> Int {
        let file = try SafetensorsFile(dir.appendingPathComponent("model.safetensors"))
        var count = 0
        for (name, info) in file.tensors {
            if name.hasSuffix(".qzeros") || name.hasSuffix(".scales") { continue }
            count += info.shape.reduce(1, *) * (name.hasSuffix(".qweight") ? 8 : 1)
        }
        return count
    }
}

/// Log lines gathered from the cell's `@Sendable` log callback.
private final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}
