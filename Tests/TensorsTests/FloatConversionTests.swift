import Foundation
import XCTest
import TestSupport
@testable import Tensors

final class FloatConversionTests: XCTestCase {
    /// f32 → f16 rounding (ties, subnormals, overflow) and f16 → f32 against numpy's astype.
    func testHalfMatchesNumpy() throws {
        guard try Fixtures.hasPython("numpy") else { throw XCTSkip("numpy missing") }
        let script = """
        import sys, numpy as np
        rng = np.random.default_rng(3)
        x = np.concatenate([rng.standard_normal(5000).astype(np.float32) * 10,
                            rng.integers(0, 2**32, 5000, dtype=np.uint64).astype(np.uint32).view(np.float32),
                            np.array([65504, 65520, 65519.99, 1e-8, 5.96e-8, 2.98e-8, -0.0, np.inf, -np.inf], np.float32)])
        x = x[~np.isnan(x)]
        sys.stdout.buffer.write(np.uint32(len(x)).tobytes() + x.tobytes() + x.astype(np.float16).tobytes())
        """
        let out = try Fixtures.python(script)
        let n = Int(out.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })
        let x: [Float] = out.withUnsafeBytes { raw in (0..<n).map { raw.loadUnaligned(fromByteOffset: 4 + 4 * $0, as: Float.self) } }
        let want: [UInt16] = out.withUnsafeBytes { raw in (0..<n).map { raw.loadUnaligned(fromByteOffset: 4 + 4 * n + 2 * $0, as: UInt16.self) } }
        var halves = [Float16](repeating: 0, count: n)
        FloatConversion.f32ToF16(x, &halves, count: n)
        XCTAssertEqual(halves.map(\.bitPattern), want)
        var back = [Float](repeating: 0, count: n)
        want.withUnsafeBytes { FloatConversion.f16ToF32($0.baseAddress!, &back, count: n) }
        XCTAssertEqual(back.map(\.bitPattern), halves.map { Float($0).bitPattern })
    }

    /// f32 → bf16 gives the nearest bf16 (ties to even), checked against both neighbours.
    func testBFloat16RoundsToNearestEven() {
        // Seeded, so a failure reproduces; the neighbours of ±0 wrap to NaN bit patterns, which
        // are no candidates for the nearest value and are skipped.
        var generator = SplitMix64(seed: 0xBF16)
        for _ in 0..<20000 {
            let x = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator))
            if !x.isFinite || abs(x) > 3.3e38 { continue }
            let b = FloatConversion.bf16Bits(x)
            let y = FloatConversion.bf16ToFloat(b)
            let down = FloatConversion.bf16ToFloat(b &- 1), up = FloatConversion.bf16ToFloat(b &+ 1)
            let e = abs(Double(y) - Double(x))
            for neighbour in [down, up] where neighbour.isFinite {
                let d = abs(Double(neighbour) - Double(x))
                XCTAssertLessThanOrEqual(e, d, "\(x)")
                if e == d { XCTAssertEqual(b & 1, 0, "tie not to even for \(x)") }
            }
        }
        XCTAssertTrue(FloatConversion.bf16ToFloat(FloatConversion.bf16Bits(.nan)).isNaN)
    }
}

