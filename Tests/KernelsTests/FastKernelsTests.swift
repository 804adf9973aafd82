import Foundation
import XCTest
@testable import Kernels

/// The vectorised exp, softmax, SwiGLU and blocked attention against double-precision
/// references computed here (and the blocked attention against the plain one, which is tested
/// against numpy).
final class FastKernelsTests: XCTestCase {
    func testVectorExpRelativeErrorIsBelow3e7() {
        var worst = 0.0
        var x: Float = -87
        while x < 88 {
            var v = SIMD8<Float>()
            for l in 0..<8 { v[l] = x + Float(l) * 0.013 }
            let e = VectorExp.exp(v)
            for l in 0..<8 {
                let exact = Foundation.exp(Double(v[l]))
                worst = max(worst, abs(Double(e[l]) - exact) / exact)
            }
            x += 0.377
        }
        XCTAssertLessThan(worst, 3e-7)
        XCTAssertEqual(VectorExp.exp(SIMD8(repeating: -1000))[0], 0)
    }

    func testVectorSoftmaxMatchesDoubleReference() {
        for n in [1, 7, 8, 9, 64, 1000] {
            var x = (0..<n).map { Float(sin(Double($0) * 1.7) * 12) }
            let m = x.map(Double.init).max()!
            let e = x.map { Foundation.exp(Double($0) - m) }
            let s = e.reduce(0, +)
            x.withUnsafeMutableBufferPointer { Softmax.inPlaceVector($0.baseAddress!, count: n) }
            for i in 0..<n { XCTAssertEqual(Double(x[i]), e[i] / s, accuracy: 1e-6, "n \(n) i \(i)") }
        }
    }

    func testVectorSwiGLUMatchesDoubleReference() {
        let rows = 3, n = 21
        let gateUp = (0..<(rows * 2 * n)).map { Float(cos(Double($0) * 0.37) * 9) }
        var out = [Float](repeating: 0, count: rows * n)
        gateUp.withUnsafeBufferPointer { g in
            out.withUnsafeMutableBufferPointer { SwiGLU.applyVector(fused: g.baseAddress!, rows: rows, n: n, into: $0.baseAddress!) }
        }
        for r in 0..<rows {
            for j in 0..<n {
                let g = Double(gateUp[r * 2 * n + j]), u = Double(gateUp[r * 2 * n + n + j])
                XCTAssertEqual(Double(out[r * n + j]), g / (1 + Foundation.exp(-g)) * u, accuracy: 1e-5)
            }
        }
    }

    func testBlockedAttentionMatchesPlainAttention() {
        for (tokens, start, window) in [(150, 0, nil), (70, 33, nil), (130, 5, 40 as Int?)] {
            let heads = 6, kvHeads = 2, d = 16, context = start + tokens
            let ldq = heads * d, ldkv = kvHeads * d
            let q = (0..<(tokens * ldq)).map { Float(sin(Double($0) * 0.11)) }
            let k = (0..<(context * ldkv)).map { Float(cos(Double($0) * 0.07)) }
            let v = (0..<(context * ldkv)).map { Float(sin(Double($0) * 0.05 + 1)) }
            var plain = [Float](repeating: 0, count: tokens * ldq), blocked = plain
            var scratch = [Float](repeating: 0, count: Attention.scratchCount(tokens: tokens, context: context))
            func run(_ f: (UnsafePointer<Float>, Int, Int, Int, UnsafePointer<Float>, UnsafePointer<Float>, Int, Int, Int, Int, Int?, UnsafeMutablePointer<Float>, Int, UnsafeMutablePointer<Float>) -> Void, _ out: inout [Float]) {
                q.withUnsafeBufferPointer { q in k.withUnsafeBufferPointer { k in v.withUnsafeBufferPointer { v in
                    out.withUnsafeMutableBufferPointer { o in scratch.withUnsafeMutableBufferPointer { s in
                        f(q.baseAddress!, ldq, tokens, start, k.baseAddress!, v.baseAddress!, ldkv, heads, kvHeads, d, window, o.baseAddress!, ldq, s.baseAddress!)
                    } }
                } } }
            }
            run({ Attention.causal(q: $0, ldq: $1, tokens: $2, start: $3, keys: $4, values: $5, ldkv: $6, heads: $7, kvHeads: $8, headDim: $9, window: $10, out: $11, ldo: $12, scratch: $13) }, &plain)
            run({ Attention.causalBlocked(q: $0, ldq: $1, tokens: $2, start: $3, keys: $4, values: $5, ldkv: $6, heads: $7, kvHeads: $8, headDim: $9, window: $10, out: $11, ldo: $12, scratch: $13) }, &blocked)
            let worst = zip(plain, blocked).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-5, "tokens \(tokens) start \(start) window \(String(describing: window))")
        }
    }
}
