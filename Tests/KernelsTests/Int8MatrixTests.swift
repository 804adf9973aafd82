import Foundation
import XCTest
@testable import Kernels
import TestSupport

/// Q8_0 blocks (d f16, then 32 signed bytes; w = d·q) decoded by hand from the bytes, against the
/// engine's 8-bit LM head kernels.
final class Int8MatrixTests: XCTestCase {
    struct Q8Weight {
        let bytes: [UInt8]
        let dense: [Float]       // [out, in]
        init(inFeatures: Int, outFeatures: Int, seed: UInt64) {
            var rng = SplitMix64(seed: seed)
            let blocks = outFeatures * inFeatures / 32
            var b = [UInt8](repeating: 0, count: blocks * 34)
            var w = [Float](repeating: 0, count: outFeatures * inFeatures)
            for k in 0..<blocks {
                let d = Float16(Float(k % 9 + 1) / 512)
                withUnsafeBytes(of: d.bitPattern.littleEndian) { b.replaceSubrange((k * 34)..<(k * 34 + 2), with: $0) }
                for j in 0..<32 {
                    let q = Int8(truncatingIfNeeded: rng.next())
                    b[k * 34 + 2 + j] = UInt8(bitPattern: q)
                    w[k * 32 + j] = Float(q) * Float(d)      // blocks run along each row
                }
            }
            bytes = b; dense = w
        }
    }

    /// A vocabulary-sized head: the fused product runs over several output tiles
    /// (`TablePrefetch.tile`), starting mid-tile and ending on a partial one.
    func testFusedProductAcrossOutputTiles() throws {
        let k = 64, n = 2 * TablePrefetch.tile + 100
        let w = Q8Weight(inFeatures: k, outFeatures: n, seed: 9)
        let m = try w.bytes.withUnsafeBytes { try Int8Matrix(q8_0: $0, inFeatures: k, outFeatures: n) }
        var rng = SplitMix64(seed: 10)
        let x = (0..<k).map { _ in rng.float() }
        let expected = naiveMatmul(x, rows: 1, w.dense, inFeatures: k, outFeatures: n)
        for outputs in [0..<n, 1000..<n, 3..<(TablePrefetch.tile + 5)] {
            XCTAssertLessThan(tableProductError(m, x, outputs: outputs, expected: expected), 1e-4, "outputs \(outputs)")
        }
    }

    func testQ8_0RowsMatchTheirDefinitionInEveryPath() throws {
        let k = 96, n = 40
        let w = Q8Weight(inFeatures: k, outFeatures: n, seed: 3)
        let m = try w.bytes.withUnsafeBytes { try Int8Matrix(q8_0: $0, inFeatures: k, outFeatures: n) }
        XCTAssertEqual(m.dequantized(), w.dense)
        var row = [Float](repeating: 0, count: k)
        row.withUnsafeMutableBufferPointer { m.dequantizeRow(17, into: $0.baseAddress!) }
        XCTAssertEqual(row, Array(w.dense[(17 * k)..<(18 * k)]))
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: m.matmulScratchCount)
        defer { scratch.deallocate() }
        for rows in [1, 3, 4, 5, 20] {
            var rng = SplitMix64(seed: UInt64(rows))
            let x = (0..<(rows * k)).map { _ in rng.float() }
            let expected = naiveMatmul(x, rows: rows, w.dense, inFeatures: k, outFeatures: n)
            for outputs in [0..<n, 0..<16, 16..<40, 7..<9] {
                var y = [Float](repeating: .nan, count: rows * outputs.count)
                x.withUnsafeBufferPointer { xp in
                    y.withUnsafeMutableBufferPointer {
                        m.matmul(xp.baseAddress!, rows: rows, outputRows: outputs, into: $0.baseAddress!, ldy: outputs.count, scratch: scratch)
                    }
                }
                for r in 0..<rows {
                    for (j, o) in outputs.enumerated() {
                        XCTAssertEqual(y[r * outputs.count + j], expected[r * n + o], accuracy: 1e-4, "rows \(rows) outputs \(outputs)")
                    }
                }
            }
            x.withUnsafeBufferPointer { xp in
                XCTAssertEqual(m.dot(row: 5, xp.baseAddress!), expected[5], accuracy: 1e-4)
            }
        }
    }

    func testSerialisedLayoutMapsBackAndCorruptionIsRejected() throws {
        let w = Q8Weight(inFeatures: 64, outFeatures: 8, seed: 4)
        let m = try w.bytes.withUnsafeBytes { try Int8Matrix(q8_0: $0, inFeatures: 64, outFeatures: 8) }
        var data = Data()
        m.write(to: &data)
        try data.withUnsafeBytes { XCTAssertEqual(try Int8Matrix(mapped: $0).dequantized(), w.dense) }
        try data.prefix(data.count - 1).withUnsafeBytes { raw in
            XCTAssertThrowsError(try Int8Matrix(mapped: raw)) { XCTAssertTrue("\($0)".contains("bytes"), "\($0)") }
        }
        var wrongMagic = data
        wrongMagic[1] = 0
        try wrongMagic.withUnsafeBytes { raw in XCTAssertThrowsError(try Int8Matrix(mapped: raw)) }
        XCTAssertThrowsError(try w.bytes.dropLast().withUnsafeBytes { try Int8Matrix(q8_0: $0, inFeatures: 64, outFeatures: 8) }) {
            XCTAssertTrue("\($0)".contains("expected 544"), "\($0)")
        }
        XCTAssertThrowsError(try w.bytes.withUnsafeBytes { try Int8Matrix(q8_0: $0, inFeatures: 48, outFeatures: 8) })
    }
}

final class WorkerTeamTests: XCTestCase {
    final class Marks: @unchecked Sendable { var hits: [Int]; init(_ n: Int) { hits = Array(repeating: 0, count: n) } }

    func testEveryMemberRunsEachJobOnceAndSharesCoverTheRange() {
        for size in [1, 2, 3] {
            let team = WorkerTeam(size: size)
            for job in 0..<2000 {
                let members = Marks(size)
                team.run { members.hits[$0] += 1 }
                XCTAssertEqual(members.hits, Array(repeating: 1, count: size), "job \(job)")
            }
            for count in [0, 1, 7, 64, 1001] {
                let covered = Marks(count)
                team.split(count, align: 8) { r in for i in r { covered.hits[i] += 1 } }
                XCTAssertEqual(covered.hits, Array(repeating: 1, count: count), "size \(size) count \(count)")
            }
        }
    }

    func testAnIdleTeamWakesUpAgain() {
        let team = WorkerTeam(size: 2)
        let marks = Marks(2)
        team.run { marks.hits[$0] += 1 }
        Thread.sleep(forTimeInterval: 0.2)               // past the spin: the worker sleeps
        team.run { marks.hits[$0] += 1 }
        XCTAssertEqual(marks.hits, [2, 2])
    }
}
