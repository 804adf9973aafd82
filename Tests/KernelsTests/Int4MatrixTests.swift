import XCTest
@testable import Kernels

final class Int4MatrixTests: XCTestCase {
    func testDequantizedMatchesDefinition() throws {
        for (shape, seed) in [((64, 32, 32), 1 as UInt64), ((256, 96, 64), 2), ((128, 8, 128), 3)] {
            let w = RandomAWQWeight(inFeatures: shape.0, outFeatures: shape.1, groupSize: shape.2, seed: seed)
            let m = try w.matrix()
            XCTAssertEqual(m.dequantized(), w.dequantized, "shape \(shape)")
        }
    }

    func testMatmulMatchesNaiveForAllRowCountsAndColumnSplits() throws {
        let shapes = [(64, 32, 32), (256, 96, 64), (192, 40, 64), (576, 48, 32)]
        for (n, shape) in shapes.enumerated() {
            let w = RandomAWQWeight(inFeatures: shape.0, outFeatures: shape.1, groupSize: shape.2, seed: UInt64(10 + n))
            let m = try w.matrix()
            let dense = w.dequantized
            for rows in [1, 2, 3, 4, 5, 8, 9, 17, 40] {
                var rng = SplitMix64(seed: UInt64(rows))
                let x = (0..<(rows * shape.0)).map { _ in rng.float() }
                let expected = naiveMatmul(x, rows: rows, dense, inFeatures: shape.0, outFeatures: shape.1)
                let out = shape.1
                for columns in [nil, 0..<out, 0..<(out / 2), (out / 2)..<out, 3..<(out - 5), 8..<16, 5..<5] as [Range<Int>?] {
                    var y = [Float](repeating: .nan, count: rows * out)
                    x.withUnsafeBufferPointer { xp in
                        y.withUnsafeMutableBufferPointer { yp in
                            m.matmul(xp.baseAddress!, rows: rows, into: yp.baseAddress!, columns: columns)
                        }
                    }
                    let range = columns ?? 0..<out
                    var worst: Float = 0, written = 0
                    for r in 0..<rows {
                        for c in 0..<out {
                            let got = y[r * out + c]
                            if range.contains(c) {
                                worst = max(worst, abs(got - expected[r * out + c]))
                                if got.isNaN { worst = .infinity }
                            } else if !got.isNaN {
                                written += 1
                            }
                        }
                    }
                    XCTAssertLessThan(worst, 1e-4, "shape \(shape) rows \(rows) columns \(range)")
                    XCTAssertEqual(written, 0, "shape \(shape) rows \(rows): columns outside \(range) were written")
                }
            }
        }
    }

    func testCallerScratchGivesSameResult() throws {
        let w = RandomAWQWeight(inFeatures: 256, outFeatures: 64, groupSize: 64, seed: 7)
        let m = try w.matrix()
        let rows = 33
        var rng = SplitMix64(seed: 8)
        let x = (0..<(rows * 256)).map { _ in rng.float() }
        var a = [Float](repeating: 0, count: rows * 64), b = a
        var scratch = [Float](repeating: 0, count: m.gemmScratchCount)
        x.withUnsafeBufferPointer { xp in
            a.withUnsafeMutableBufferPointer { ap in
                m.matmul(xp.baseAddress!, rows: rows, into: ap.baseAddress!)
            }
            scratch.withUnsafeMutableBufferPointer { s in
                b.withUnsafeMutableBufferPointer { bp in
                    m.matmul(xp.baseAddress!, rows: rows, into: bp.baseAddress!, scratch: s.baseAddress!)
                }
            }
        }
        XCTAssertEqual(a, b)
        XCTAssertLessThan(maxAbsDifference(a, naiveMatmul(x, rows: rows, w.dequantized, inFeatures: 256, outFeatures: 64)), 1e-4)
    }

    func testSerialisedLayoutMapsBackWithoutChange() throws {
        let w = RandomAWQWeight(inFeatures: 128, outFeatures: 24, groupSize: 32, seed: 5)
        let m = try w.matrix()
        var data = Data([1, 2, 3])  // the layout need not start at an aligned offset
        m.write(to: &data)
        XCTAssertEqual(data.count, 3 + m.serialisedByteCount)
        try data.withUnsafeBytes { raw in
            let mapped = try Int4Matrix(mapped: UnsafeRawBufferPointer(rebasing: raw[3...]))
            XCTAssertEqual(mapped.inFeatures, 128)
            XCTAssertEqual(mapped.outFeatures, 24)
            XCTAssertEqual(mapped.groupSize, 32)
            XCTAssertEqual(mapped.dequantized(), w.dequantized)
        }
    }

    func testCorruptSerialisedLayoutIsRejected() throws {
        let m = try RandomAWQWeight(inFeatures: 64, outFeatures: 8, groupSize: 32, seed: 6).matrix()
        var data = Data()
        m.write(to: &data)
        let truncated = data.prefix(data.count - 1)
        try truncated.withUnsafeBytes { raw in
            XCTAssertThrowsError(try Int4Matrix(mapped: raw)) { error in
                XCTAssertTrue("\(error)".contains("bytes"), "\(error)")
            }
        }
        var wrongMagic = data
        wrongMagic[0] = 0
        try wrongMagic.withUnsafeBytes { raw in XCTAssertThrowsError(try Int4Matrix(mapped: raw)) }
        var hugeShape = data
        hugeShape.replaceSubrange(8..<16, with: [UInt8](repeating: 0xFF, count: 8))
        try hugeShape.withUnsafeBytes { raw in XCTAssertThrowsError(try Int4Matrix(mapped: raw)) }
    }

    func testBadShapesGiveClearErrors() {
        func attempt(in i: Int, out o: Int, group g: Int, qweight: Int? = nil) -> String {
            let qw = [Int32](repeating: 0, count: qweight ?? max(i * o / 8, 0))
            let divides = g > 0 && i % g == 0
            let qz = [Int32](repeating: 0, count: divides ? i / g * o / 8 : 0)
            let s = [Float16](repeating: 1, count: divides ? i / g * o : 0)
            do {
                _ = try makeInt4Matrix(qweight: qw, qzeros: qz, scales: s, inFeatures: i, outFeatures: o, groupSize: g)
                return ""
            } catch { return "\(error)" }
        }
        XCTAssertTrue(attempt(in: 100, out: 16, group: 64).contains("does not divide in_features 100"))
        XCTAssertTrue(attempt(in: 64, out: 12, group: 32).contains("not a multiple of 8"))
        XCTAssertTrue(attempt(in: 64, out: 16, group: 32, qweight: 5).contains("qweight holds 5 elements, expected 128"))
        XCTAssertTrue(attempt(in: 0, out: 16, group: 32).contains("positive"))
    }
}
