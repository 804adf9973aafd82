import Foundation
import XCTest
import Models
import Tensors
import TestSupport

/// ../shared/fixtures/awq/tiny-llama-awq: logits computed by Hugging Face transformers on the
/// dequantized weights, reproduced by the engine on one and two devices, both splits.
final class TinyLlamaAWQTests: XCTestCase {
    func fixture() throws -> URL? {
        try Fixtures.optional(Fixtures.shared.appendingPathComponent("fixtures/awq/tiny-llama-awq"))
    }

    func reference(_ dir: URL) throws -> (ids: [[Int32]], logits: [Float], vocab: Int) {
        let ref = try SafetensorsFile(dir.appendingPathComponent("ref.safetensors"))
        let idsInfo = try XCTUnwrap(ref.info("input_ids"))
        let raw = try ref.bytes("input_ids")
        var ids64 = [Int64](repeating: 0, count: idsInfo.elementCount)
        ids64.withUnsafeMutableBytes { $0.copyMemory(from: raw) }
        let (b, t) = (idsInfo.shape[0], idsInfo.shape[1])
        let ids = (0..<b).map { s in (0..<t).map { Int32(ids64[s * t + $0]) } }
        let logits = try ref.floats("logits")
        return (ids, logits, try XCTUnwrap(ref.info("logits")).shape[2])
    }

    func check(devices: Int, split: Split) throws {
        guard let dir = try fixture() else { throw XCTSkip("tiny-llama-awq fixture missing") }
        let ref = try reference(dir)
        let weights = try ModelLoader.loadHF(directory: dir, devices: devices, split: split)
        // Through the load cell's artifact: written, then mapped back.
        let artifact = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: artifact, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: artifact) }
        try EngineArtifact.write(weights, deviceNames: (0..<devices).map { "cpu:\($0)" }, maxContext: 32, to: artifact)
        let engine = try Engine.open(loadArtifact: artifact)
        XCTAssertEqual(engine.deviceCount, devices)
        let cache = engine.makeCache(slots: 2, maxContext: 32)
        let t = ref.ids[0].count
        // Sequence 0 whole and sequence 1's first 5 tokens in one batch, then the rest of
        // sequence 1 on top of its cache: batched prefill of different lengths plus continuation.
        let first = try engine.forward([SequenceInput(slot: 0, tokens: ref.ids[0]),
                                        SequenceInput(slot: 1, tokens: Array(ref.ids[1][..<5]))],
                                       cache: cache, logits: .all)
        let rest = try engine.forward([SequenceInput(slot: 1, tokens: Array(ref.ids[1][5...]))], cache: cache, logits: .all)
        let ours = first + rest                                   // [2 · t, vocab] in reference order
        XCTAssertEqual(ours.count, ref.logits.count)
        var worst: Float = 0
        for i in 0..<min(ours.count, ref.logits.count) { worst = max(worst, abs(ours[i] - ref.logits[i])) }
        XCTAssertLessThan(worst, 1e-4, "max |Δlogit| \(worst) with \(devices) device(s), split \(split)")
        XCTAssertEqual(cache.lengths, [t, t])
    }

    func testOneDevice() throws { try check(devices: 1, split: .tensor) }
    func testTwoDevicesTensorSplit() throws { try check(devices: 2, split: .tensor) }
    func testTwoDevicesLayerSplit() throws { try check(devices: 2, split: .layers) }
}
