import Foundation
import XCTest
@testable import Kernels
import TestSupport

final class HalfMatrixTests: XCTestCase {
    /// A vocabulary-sized table with a row count that is not a multiple of 4: the fused product
    /// crosses output tiles and finishes the last inputs one at a time.
    func testFusedProductAcrossOutputTiles() throws {
        let k = 42, n = 2 * TablePrefetch.tile + 37
        var rng = SplitMix64(seed: 43)
        let w = (0..<(n * k)).map { _ in Float(Float16(rng.float())) }
        let m = try XCTUnwrap(w.withUnsafeBufferPointer { HalfMatrix(exactly: $0.baseAddress!, inFeatures: k, outFeatures: n) })
        let x = (0..<k).map { _ in rng.float() }
        let expected = naiveMatmul(x, rows: 1, w, inFeatures: k, outFeatures: n)
        for outputs in [0..<n, 2000..<n] {
            XCTAssertLessThan(tableProductError(m, x, outputs: outputs, expected: expected), 1e-5, "outputs \(outputs)")
        }
    }

    func testFloat16ValuesAreKeptExactlyAndMultiplyLikeFloat32() throws {
        let k = 40, n = 24
        var rng = SplitMix64(seed: 41)
        let w = (0..<(n * k)).map { _ in Float(Float16(rng.float())) }         // values a float16 holds
        let m = try XCTUnwrap(w.withUnsafeBufferPointer { HalfMatrix(exactly: $0.baseAddress!, inFeatures: k, outFeatures: n) })
        XCTAssertEqual(m.dequantized(), w)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: m.matmulScratchCount)
        defer { scratch.deallocate() }
        for rows in [1, 4, 5, 9] {
            let x = (0..<(rows * k)).map { _ in rng.float() }
            let expected = naiveMatmul(x, rows: rows, w, inFeatures: k, outFeatures: n)
            for outputs in [0..<n, 5..<17] {
                var y = [Float](repeating: .nan, count: rows * outputs.count)
                x.withUnsafeBufferPointer { xp in
                    y.withUnsafeMutableBufferPointer {
                        m.matmul(xp.baseAddress!, rows: rows, outputRows: outputs, into: $0.baseAddress!, ldy: outputs.count, scratch: scratch)
                    }
                }
                for r in 0..<rows {
                    for (j, o) in outputs.enumerated() {
                        XCTAssertEqual(y[r * outputs.count + j], expected[r * n + o], accuracy: 1e-5, "rows \(rows) outputs \(outputs)")
                    }
                }
            }
            x.withUnsafeBufferPointer { XCTAssertEqual(m.dot(row: 3, $0.baseAddress!), expected[3], accuracy: 1e-5) }
        }
        var data = Data()
        m.write(to: &data)
        try data.withUnsafeBytes { XCTAssertEqual(try HalfMatrix(mapped: $0).dequantized(), w) }
        try data.prefix(70).withUnsafeBytes { raw in XCTAssertThrowsError(try HalfMatrix(mapped: raw)) }
    }

    func testValuesFloat16CannotHoldAreNeverRounded() {
        var w = [Float](repeating: 0.5, count: 64)
        w[17] = 0.1                                       // not a float16
        XCTAssertNil(w.withUnsafeBufferPointer { HalfMatrix(exactly: $0.baseAddress!, inFeatures: 8, outFeatures: 8) })
    }
}
