import Foundation
import TestSupport
import XCTest
@testable import Kernels

/// The AutoAWQ-made layer fixture (../shared/fixtures/awq/awq-layer-256x96-g64), read by the
/// `safetensors` Python library so the test does not depend on our own reader.
/// The engine multiplies through `Int4Columns`, made from the repacked `Int4Matrix`.
final class Int4FixtureTests: XCTestCase {
    static func pythonTensors(_ file: URL, _ names: [String]) throws -> [String: Data] {
        let script = """
        import sys, struct
        from safetensors.numpy import load_file
        t = load_file(sys.argv[1])
        for n in sys.argv[2:]:
            b = t[n].tobytes()
            sys.stdout.buffer.write(struct.pack('<Q', len(b))); sys.stdout.buffer.write(b)
        """
        let out = try Fixtures.python(script, [file.path] + names)
        var result: [String: Data] = [:], at = 0
        for name in names {
            guard at + 8 <= out.count else { throw FixtureError.python("short output for \(name)") }
            let n = out.subdata(in: at..<(at + 8)).withUnsafeBytes { Int($0.loadUnaligned(as: UInt64.self)) }
            at += 8
            result[name] = out.subdata(in: at..<(at + n))
            at += n
        }
        return result
    }

    func testLayerFixtureDequantizesAndMultipliesLikeAutoAWQ() throws {
        guard let file = try Fixtures.optional(Fixtures.shared.appendingPathComponent("fixtures/awq/awq-layer-256x96-g64/layer.safetensors")),
              try Fixtures.hasPython("safetensors") else { throw XCTSkip("AWQ layer fixture or python safetensors missing") }
        let t = try Self.pythonTensors(file, ["qweight", "qzeros", "scales", "dequantized", "x", "y"])
        func array<T>(_ name: String, _ type: T.Type) -> [T] {
            t[name]!.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
        }
        let m = try makeInt4Matrix(qweight: array("qweight", Int32.self), qzeros: array("qzeros", Int32.self),
                                   scales: array("scales", Float16.self), inFeatures: 256, outFeatures: 96, groupSize: 64)
        XCTAssertLessThanOrEqual(maxAbsDifference(m.dequantized(), array("dequantized", Float.self)), 1e-6)

        let c = try Int4Columns(m)
        XCTAssertLessThanOrEqual(maxAbsDifference(c.dequantized(), array("dequantized", Float.self)), 1e-6)
        let x = array("x", Float.self), expected = array("y", Float.self)
        XCTAssertEqual(x.count, 3 * 256)
        for rows in [1, 3] {
            for split in [[0..<96], [0..<48, 48..<96], [0..<40, 40..<96], [0..<13, 13..<77, 77..<96]] {
                var y = [Float](repeating: .nan, count: rows * 96)
                x.withUnsafeBufferPointer { xp in
                    y.withUnsafeMutableBufferPointer { yp in
                        for part in split { c.product(xp.baseAddress!, rows: rows, into: yp.baseAddress!, columns: part) }
                    }
                }
                XCTAssertLessThanOrEqual(maxAbsDifference(y, Array(expected.prefix(rows * 96))), 1e-4, "rows \(rows) split \(split)")
            }
        }
        // Many rows take the sgemm path: repeat the three fixture rows.
        let rows = 3 * 7
        let xs = Array((0..<7).map { _ in x }.joined()), ys = Array((0..<7).map { _ in expected }.joined())
        var y = [Float](repeating: .nan, count: rows * 96)
        xs.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                c.product(xp.baseAddress!, rows: rows, into: yp.baseAddress!, columns: 0..<40)
                c.product(xp.baseAddress!, rows: rows, into: yp.baseAddress!, columns: 40..<96)
            }
        }
        XCTAssertLessThanOrEqual(maxAbsDifference(y, ys), 1e-4)
    }
}
