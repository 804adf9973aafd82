import Foundation
import Kernels
import Tensors
import TestSupport
import XCTest
@testable import Models

/// Q4_1 blocks repacked into the int4 layout give the same weights as dequantizing them
/// (the GGUF dequantizer is bit-exact against the `gguf` Python package's), and the int4-loaded
/// SmolLM2 gives the float32-loaded one's logits.
final class GGUFInt4LoaderTests: XCTestCase {
    func testQ4_1RowsRepackExactly() throws {
        guard let url = try Fixtures.optional(Fixtures.smolGGUF) else { throw XCTSkip("SmolLM2 GGUF missing") }
        let file = try GGUFFile(url)
        let name = "blk.3.ffn_down.weight"           // [576, 1536]
        let info = try XCTUnwrap(file.tensor(name))
        XCTAssertEqual(info.type, .q4_1)
        let (rows, cols) = (info.shape[0], info.shape[1])
        let bytes = try file.bytes(name)
        let rowBytes = cols / 32 * 20
        let m = try Int4Columns(q4_1Rows: (0..<rows).map { UnsafeRawPointer(bytes.baseAddress! + $0 * rowBytes) }, inFeatures: cols)
        // q·d + m, computed as llama.cpp and gguf.quants compute it: bit for bit.
        XCTAssertEqual(m.dequantized(), try file.dequantize(name))
    }

    func testInt4LoadedSmolLM2MatchesFloat32Load() throws {
        guard let url = try Fixtures.optional(Fixtures.smolGGUF) else { throw XCTSkip("SmolLM2 GGUF missing") }
        let ids: [Int32] = [1, 9690, 198, 2683, 359, 253, 5649, 8048, 282, 11743, 2, 198, 1, 520, 9531, 198]
        func logits(_ e: Engine) throws -> [Float] {
            let cache = e.makeCache(slots: 1, maxContext: 32)
            return try e.forward([SequenceInput(slot: 0, tokens: ids)], cache: cache, logits: .last)
        }
        let (int4, tookInt4) = try ModelLoader.loadGGUFInt4Reporting(url, devices: 1, split: .tensor)
        XCTAssertTrue(tookInt4)
        let a = try logits(Engine(weights: int4))
        let b = try logits(Engine(weights: try ModelLoader.loadGGUF(url)))
        let twoDevices = try logits(Engine(weights: try ModelLoader.loadGGUFInt4(url, devices: 2)))
        let oneThread = try logits(Engine(weights: int4, threads: 1))
        XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max()!, 2e-3)
        XCTAssertLessThan(zip(twoDevices, b).map { abs($0 - $1) }.max()!, 2e-3)
        XCTAssertLessThan(zip(oneThread, a).map { abs($0 - $1) }.max()!, 1e-4, "a team of workers computes what one thread does")
    }

    /// Asking for a few vocabulary ids gives exactly those columns of the full logits, on one and
    /// two devices (each device holds part of the vocabulary).
    func testSelectedVocabularyIsTheFullLogitsAtThoseIds() throws {
        guard let url = try Fixtures.optional(Fixtures.smolGGUF) else { throw XCTSkip("SmolLM2 GGUF missing") }
        let ids: [[Int32]] = [[1, 9690, 198, 2683, 359, 253], [1, 520, 9531, 198]]
        let vocabulary: [Int32] = [330, 28, 49151, 0, 24600]
        for devices in [1, 2] {
            let engine = Engine(weights: try ModelLoader.loadGGUFInt4(url, devices: devices))
            func run(_ v: [Int32]?) throws -> [Float] {
                let cache = engine.makeCache(slots: 2, maxContext: 16)
                return try engine.forward(ids.enumerated().map { SequenceInput(slot: $0.offset, tokens: $0.element) },
                                          cache: cache, logits: .last, vocabulary: v)
            }
            let full = try run(nil), some = try run(vocabulary)
            XCTAssertEqual(some.count, 2 * vocabulary.count)
            for r in 0..<2 {
                for (j, id) in vocabulary.enumerated() {
                    XCTAssertEqual(some[r * vocabulary.count + j], full[r * 49152 + Int(id)], accuracy: 1e-4, "devices \(devices)")
                }
            }
            XCTAssertThrowsError(try run([49152])) { XCTAssertTrue("\($0)".contains("outside the vocabulary"), "\($0)") }
        }
    }
}
