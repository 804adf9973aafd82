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
