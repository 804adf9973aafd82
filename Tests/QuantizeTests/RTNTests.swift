import Foundation
import TestSupport
import XCTest
@testable import Quantize

/// Round-to-nearest against numpy running AutoAWQ's pseudo_quantize_tensor arithmetic.
final class RTNTests: XCTestCase {
    static let numpyRTN = """
    import sys, numpy as np
    out_f, in_f, g = map(int, sys.argv[1:4])
    w = np.frombuffer(sys.stdin.buffer.read(), dtype=np.float32).reshape(out_f, in_f)
    wg = w.reshape(-1, g)
    mx = wg.max(axis=1, keepdims=True); mn = wg.min(axis=1, keepdims=True)
    s = np.maximum(mx - mn, np.float32(1e-5)) / np.float32(15)
    z = np.clip(-np.round(mn / s), 0, 15)
    q = np.clip(np.round(wg / s) + z, 0, 15)
    q = q.reshape(out_f, in_f).T.astype(np.uint8)            # [in, out]
    z = z.reshape(out_f, in_f // g).T.astype(np.uint8)       # [in/g, out]
    s = s.reshape(out_f, in_f // g).T.astype(np.float16)     # [in/g, out]
    sys.stdout.buffer.write(q.tobytes() + z.tobytes() + s.tobytes())
    """

    func testMatchesNumpyPseudoQuantize() throws {
        guard try Fixtures.hasPython("numpy") else { throw XCTSkip("numpy missing") }
        let (outF, inF, group) = (48, 256, 64)
        var rng = SystemRandomNumberGenerator()
        var w = (0..<(outF * inF)).map { _ in Float.random(in: -1...1, using: &rng) * 0.05 }
        for k in stride(from: 0, to: w.count, by: 97) { w[k] *= 20 }  // outliers
        for i in 0..<inF { w[5 * inF + i] = 0.01 }                        // a constant row
        let stdin = w.withUnsafeBytes { Data($0) }
        let out = try Fixtures.python(Self.numpyRTN, ["\(outF)", "\(inF)", "\(group)"], stdin: stdin)
        let groups = inF / group
        XCTAssertEqual(out.count, inF * outF + groups * outF + groups * outF * 2)
        let q = [UInt8](out.prefix(inF * outF))
        let z = [UInt8](out.subdata(in: (inF * outF)..<(inF * outF + groups * outF)))
        let s = out.subdata(in: (inF * outF + groups * outF)..<out.count).withUnsafeBytes { Array($0.bindMemory(to: Float16.self)) }

        let ours = try RTN.quantize(w, outFeatures: outF, inFeatures: inF, groupSize: group)
        XCTAssertEqual(ours.intWeights, q)
        XCTAssertEqual(ours.zeros, z)
        XCTAssertEqual(ours.scales, s)

        // The fake-quantized weight is the dequantized one up to Float16 scale rounding.
        var fake = w
        fake.withUnsafeMutableBufferPointer { RTN.fakeQuantize($0.baseAddress!, rows: outF, inFeatures: inF, groupSize: group) }
        let deq = ours.dequantized()
        let worst = zip(fake, deq).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worst, 2e-3)
        XCTAssertGreaterThan(zip(fake, w).map { abs($0 - $1) }.max() ?? 0, 0)
    }

    func testRejectsBadShapes() {
        XCTAssertThrowsError(try RTN.quantize([Float](repeating: 0, count: 8 * 100), outFeatures: 8, inFeatures: 100, groupSize: 64))
        XCTAssertThrowsError(try RTN.quantize([Float](repeating: 0, count: 12 * 64), outFeatures: 12, inFeatures: 64, groupSize: 64))
        XCTAssertThrowsError(try RTN.quantize([Float](repeating: 0, count: 10), outFeatures: 8, inFeatures: 64, groupSize: 64))
    }
}
