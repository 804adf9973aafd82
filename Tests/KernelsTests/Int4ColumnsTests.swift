import Foundation
import XCTest
@testable import Kernels
import TestSupport

extension Int4Columns {
    /// matmul with its own scratch and dense rows (stride out), as most tests want it.
    func product(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, columns: Range<Int>? = nil) {
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: matmulScratchCount)
        defer { scratch.deallocate() }
        matmul(x, rows: rows, into: y, ldy: outFeatures, columns: columns ?? 0..<outFeatures, scratch: scratch)
    }
}

/// The engine's int4 kernels against a naive product of the dequantized weights, which
/// `RandomAWQWeight` computes from the definition W = (q − z)·s independently of any kernel.
final class Int4ColumnsTests: XCTestCase {
    func testConvertedAWQWeightsDequantizeToTheDefinition() throws {
        for (shape, seed) in [((64, 32, 32), 1 as UInt64), ((256, 96, 64), 2), ((128, 8, 128), 3), ((96, 16, 32), 4)] {
            let w = RandomAWQWeight(inFeatures: shape.0, outFeatures: shape.1, groupSize: shape.2, seed: seed)
            let c = try Int4Columns(try w.matrix())
            // (q − z)·s and q·s + (−z·s) round differently only in the last bit.
            XCTAssertLessThan(maxAbsDifference(c.dequantized(), w.dequantized), 1e-6, "shape \(shape)")
        }
    }

    func testMatmulMatchesNaiveForAllRowCountsAndColumnSplits() throws {
        let shapes = [(64, 32, 32), (256, 96, 64), (192, 40, 64), (576, 48, 32), (96, 24, 32)]
        for (n, shape) in shapes.enumerated() {
            let w = RandomAWQWeight(inFeatures: shape.0, outFeatures: shape.1, groupSize: shape.2, seed: UInt64(10 + n))
            let m = try Int4Columns(try w.matrix())
            let dense = w.dequantized
            for rows in [1, 2, 3, 4, 5, 8, 9, 17, 40] {
                var rng = SplitMix64(seed: UInt64(rows))
                let x = (0..<(rows * shape.0)).map { _ in rng.float() }
                let expected = naiveMatmul(x, rows: rows, dense, inFeatures: shape.0, outFeatures: shape.1)
                let out = shape.1
                for columns in [0..<out, 0..<(out / 2), (out / 2)..<out, 3..<(out - 5), 8..<16, 5..<5] {
                    var y = [Float](repeating: .nan, count: rows * out)
                    x.withUnsafeBufferPointer { xp in
                        y.withUnsafeMutableBufferPointer { yp in m.product(xp.baseAddress!, rows: rows, into: yp.baseAddress!, columns: columns) }
                    }
                    var worst: Float = 0, written = 0
                    for r in 0..<rows {
                        for c in 0..<out {
                            let got = y[r * out + c]
                            if columns.contains(c) {
                                worst = max(worst, got.isNaN ? .infinity : abs(got - expected[r * out + c]))
                            } else if !got.isNaN {
                                written += 1
                            }
                        }
                    }
                    XCTAssertLessThan(worst, 1e-4, "shape \(shape) rows \(rows) columns \(columns)")
                    XCTAssertEqual(written, 0, "shape \(shape) rows \(rows): columns outside \(columns) were written")
                }
            }
        }
    }

    func testARowStrideLeavesTheOtherColumnsAlone() throws {
        let w = RandomAWQWeight(inFeatures: 128, outFeatures: 16, groupSize: 64, seed: 21)
        let m = try Int4Columns(try w.matrix())
        for rows in [2, 12] {
            var rng = SplitMix64(seed: 22)
            let x = (0..<(rows * 128)).map { _ in rng.float() }
            let expected = naiveMatmul(x, rows: rows, w.dequantized, inFeatures: 128, outFeatures: 16)
            var y = [Float](repeating: -7, count: rows * 40)                 // rows of 40, the product at column 10
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: m.matmulScratchCount)
            defer { scratch.deallocate() }
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in m.matmul(xp.baseAddress!, rows: rows, into: yp.baseAddress! + 10, ldy: 40, columns: 0..<16, scratch: scratch) }
            }
            for r in 0..<rows {
                for c in 0..<40 {
                    if (10..<26).contains(c) {
                        XCTAssertEqual(y[r * 40 + c], expected[r * 16 + c - 10], accuracy: 1e-4)
                    } else {
                        XCTAssertEqual(y[r * 40 + c], -7, "rows \(rows): column \(c) outside the product was written")
                    }
                }
            }
        }
    }

    /// Q4_1 blocks straight from bytes: w = d·q + m with d, m f16, low nibbles weights 0..15,
    /// high nibbles 16..31 — decoded here by hand from the bytes.
    func testQ4_1BlocksGiveLlamaCppsWeights() throws {
        let inFeatures = 96, outFeatures = 5, blocks = inFeatures / 32
        var rng = SplitMix64(seed: 31)
        var bytes = [UInt8](repeating: 0, count: outFeatures * blocks * 20)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
        for b in 0..<(outFeatures * blocks) {                              // sane f16 d and m
            withUnsafeBytes(of: Float16(Float(b % 7 + 1) / 64).bitPattern.littleEndian) { bytes.replaceSubrange((b * 20)..<(b * 20 + 2), with: $0) }
            withUnsafeBytes(of: Float16(-Float(b % 5) / 16).bitPattern.littleEndian) { bytes.replaceSubrange((b * 20 + 2)..<(b * 20 + 4), with: $0) }
        }
        var expected = [Float](repeating: 0, count: outFeatures * inFeatures)
        for o in 0..<outFeatures {
            for b in 0..<blocks {
                let at = (o * blocks + b) * 20
                let d = Float(Float16(bitPattern: UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8))
                let m = Float(Float16(bitPattern: UInt16(bytes[at + 2]) | UInt16(bytes[at + 3]) << 8))
                for j in 0..<16 {
                    expected[o * inFeatures + b * 32 + j] = Float(bytes[at + 4 + j] & 15) * d + m
                    expected[o * inFeatures + b * 32 + j + 16] = Float(bytes[at + 4 + j] >> 4) * d + m
                }
            }
        }
        let c = try bytes.withUnsafeBytes { raw in
            try Int4Columns(q4_1Rows: (0..<outFeatures).map { raw.baseAddress! + $0 * blocks * 20 }, inFeatures: inFeatures)
        }
        XCTAssertEqual(c.dequantized(), expected)
        XCTAssertTrue(c.halfScales, "Q4_1's d and m are float16: stored as float16")
        var data = Data()
        c.write(to: &data)
        try data.withUnsafeBytes { XCTAssertEqual(try Int4Columns(mapped: $0).dequantized(), expected) }
        var x = [Float](repeating: 0, count: inFeatures)
        for i in x.indices { x[i] = rng.float() }
        var y = [Float](repeating: 0, count: outFeatures)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { c.product(xp.baseAddress!, rows: 1, into: $0.baseAddress!) } }
        XCTAssertLessThan(maxAbsDifference(y, naiveMatmul(x, rows: 1, expected, inFeatures: inFeatures, outFeatures: outFeatures)), 1e-5)
    }

    func testSerialisedLayoutMapsBackAndCorruptionIsRejected() throws {
        let w = RandomAWQWeight(inFeatures: 128, outFeatures: 24, groupSize: 32, seed: 5)
        let c = try Int4Columns(try w.matrix())
        var data = Data()
        c.write(to: &data)
        XCTAssertEqual(data.count, c.serialisedByteCount)
        try data.withUnsafeBytes { raw in
            let mapped = try Int4Columns(mapped: raw)
            XCTAssertTrue(mapped.halfScales, "AWQ scales are float16")
            XCTAssertTrue(mapped.zeroPoints, "AWQ offsets −z·s are stored as byte zero points")
            XCTAssertEqual(data.count, 64 + 24 * 128 / 2 + 24 * 4 * 2 + 24 * 4, "header, values, float16 scales, zero points")
            XCTAssertEqual([mapped.inFeatures, mapped.outFeatures, mapped.groupSize], [128, 24, 32])
            XCTAssertEqual(mapped.dequantized(), c.dequantized())
        }
        try data.prefix(data.count - 1).withUnsafeBytes { raw in
            XCTAssertThrowsError(try Int4Columns(mapped: raw)) { XCTAssertTrue("\($0)".contains("bytes"), "\($0)") }
        }
        var wrongMagic = data
        wrongMagic[0] = 0
        try wrongMagic.withUnsafeBytes { raw in
            XCTAssertThrowsError(try Int4Columns(mapped: raw)) { XCTAssertTrue("\($0)".contains("CI4C"), "\($0)") }
        }
        var badEncoding = data
        badEncoding[36] = 2
        try badEncoding.withUnsafeBytes { raw in
            XCTAssertThrowsError(try Int4Columns(mapped: raw)) { XCTAssertTrue("\($0)".contains("offset encoding 2"), "\($0)") }
        }
        var hugeShape = data
        hugeShape.replaceSubrange(8..<16, with: [UInt8](repeating: 0xFF, count: 8))
        try hugeShape.withUnsafeBytes { raw in XCTAssertThrowsError(try Int4Columns(mapped: raw)) }
    }

    /// Every storage of scales and offsets (float32 or float16 scales; float32, float16 or byte
    /// zero-point offsets) is chosen only when exact, maps back, and gives the same products
    /// as the naive product of its dequantized weights, for one and many rows.
    func testEveryScaleAndOffsetEncodingIsExactAndMultipliesCorrectly() throws {
        let inFeatures = 192, outFeatures = 40, groupSize = 32, groups = inFeatures / groupSize
        var rng = SplitMix64(seed: 41)
        let q = (0..<(outFeatures * inFeatures)).map { _ in UInt8(rng.next() % 16) }
        let halfScales = (0..<(groups * outFeatures)).map { _ in Float(Float16(Float(rng.next() % 1000 + 1) / 20000)) }
        let floatScales = halfScales.map { $0 * 1.000_1 }                           // not float16 values
        let zeros = (0..<(groups * outFeatures)).map { _ in Float(rng.next() % 16) }
        let halfOffsets = (0..<(groups * outFeatures)).map { _ in Float(Float16(-Float(rng.next() % 100) / 300)) }
        let cases: [(String, [Float], [Float], half: Bool, zeroPoints: Bool)] = [
            ("float16 scales, zero points (AutoAWQ)", halfScales, zip(zeros, halfScales).map { -($0 * $1) }, true, true),
            ("float16 scales and offsets (Q4_1)", halfScales, halfOffsets, true, false),
            ("float32 scales, zero points", floatScales, zip(zeros, floatScales).map { -($0 * $1) }, false, true),
            ("float32 scales and offsets", floatScales, halfOffsets.map { $0 * 1.000_1 }, false, false),
            ("float16 scales, an offset off −z·s by one bit", halfScales,
             zip(zeros, halfScales).enumerated().map { $0 == 7 ? Float(bitPattern: (-($1.0 * $1.1)).bitPattern ^ 1) : -($1.0 * $1.1) }, false, false),
        ]
        for (name, scales, offsets, half, zeroPoints) in cases {
            let c = try Int4Columns(inFeatures: inFeatures, outFeatures: outFeatures, groupSize: groupSize, q: q, scales: scales, offsets: offsets)
            XCTAssertEqual([c.halfScales, c.zeroPoints], [half, zeroPoints], name)
            var expected = [Float](repeating: 0, count: outFeatures * inFeatures)
            for o in 0..<outFeatures {
                for i in 0..<inFeatures {
                    let g = (i / groupSize) * outFeatures + o
                    expected[o * inFeatures + i] = Float(q[o * inFeatures + i]) * scales[g] + offsets[g]
                }
            }
            XCTAssertEqual(c.dequantized(), expected, name)
            var data = Data()
            c.write(to: &data)
            XCTAssertEqual(data.count, c.serialisedByteCount, name)
            try data.withUnsafeBytes { raw in
                let mapped = try Int4Columns(mapped: raw)
                XCTAssertEqual([mapped.halfScales, mapped.zeroPoints], [half, zeroPoints], name)
                XCTAssertEqual(mapped.dequantized(), expected, name)
                for rows in [1, 3, 9] {
                    let x = (0..<(rows * inFeatures)).map { _ in rng.float() }
                    var y = [Float](repeating: .nan, count: rows * outFeatures)
                    x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { mapped.product(xp.baseAddress!, rows: rows, into: $0.baseAddress!) } }
                    let reference = naiveMatmul(x, rows: rows, expected, inFeatures: inFeatures, outFeatures: outFeatures)
                    XCTAssertLessThan(maxAbsDifference(y, reference), 1e-4, "\(name), rows \(rows)")
                    XCTAssertFalse(y.contains { $0.isNaN }, "\(name), rows \(rows): an output was left unwritten")
                }
            }
        }
    }
}
