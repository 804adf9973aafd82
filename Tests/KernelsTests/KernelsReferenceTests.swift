import Foundation
import XCTest
import Kernels
import TestSupport

/// The float kernels against numpy written from the textbook definitions.
final class KernelsReferenceTests: XCTestCase {
    func random(_ n: Int, seed: UInt64) -> [Float] {
        var s = seed
        return (0..<n).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(s >> 40) % 2001 - 1000) / 1000
        }
    }

    func numpy(_ script: String, _ inputs: [String: Any]) throws -> [Float] {
        let data = try JSONSerialization.data(withJSONObject: inputs)
        let out = try Fixtures.python("import json, sys, numpy as np\nI = json.load(sys.stdin)\n" + script
                                      + "\nprint(json.dumps([float(v) for v in np.asarray(R, dtype=np.float64).ravel()]))", stdin: data)
        return try JSONDecoder().decode([Float].self, from: out)
    }

    func assertClose(_ a: [Float], _ b: [Float], _ tolerance: Float, _ what: String) {
        XCTAssertEqual(a.count, b.count, what)
        var worst: Float = 0
        for i in 0..<min(a.count, b.count) { worst = max(worst, abs(a[i] - b[i])) }
        XCTAssertLessThan(worst, tolerance, "\(what): max |Δ| \(worst)")
    }

    func testGroupedQueryAttentionWithCacheAndWindow() throws {
        guard try Fixtures.hasPython("numpy") else { throw XCTSkip("numpy missing") }
        // 3 new queries at positions 4..6 over 7 cached keys; 4 query heads on 2 KV heads.
        let (n, start, heads, kvHeads, d) = (3, 4, 4, 2, 8)
        let ctx = start + n
        let q = random(n * heads * d, seed: 1), k = random(ctx * kvHeads * d, seed: 2), v = random(ctx * kvHeads * d, seed: 3)
        for window in [nil, 3] as [Int?] {
            var out = [Float](repeating: 0, count: n * heads * d)
            var scratch = [Float](repeating: 0, count: Attention.scratchCount(tokens: n, context: ctx))
            Attention.causal(q: q, ldq: heads * d, tokens: n, start: start, keys: k, values: v, ldkv: kvHeads * d,
                             heads: heads, kvHeads: kvHeads, headDim: d, window: window, out: &out, ldo: heads * d, scratch: &scratch)
            let reference = try numpy("""
                n, start, H, G, d, w = 3, 4, 4, 2, 8, I["w"]
                q = np.array(I["q"]).reshape(n, H, d); k = np.array(I["k"]).reshape(-1, G, d); v = np.array(I["v"]).reshape(-1, G, d)
                R = np.zeros((n, H, d))
                for i in range(n):
                    p = start + i
                    keys = [j for j in range(p + 1) if w is None or j > p - w]
                    for h in range(H):
                        g = h // (H // G)
                        s = np.array([q[i, h] @ k[j, g] for j in keys]) / np.sqrt(d)
                        s = np.exp(s - s.max()); s /= s.sum()
                        R[i, h] = sum(s[t] * v[j, g] for t, j in enumerate(keys))
                """, ["q": q, "k": k, "v": v, "w": window as Any])
            assertClose(out, reference, 1e-5, "attention window \(String(describing: window))")
        }
    }

    func testRoPEHalfSplitNormAndSwiGLU() throws {
        guard try Fixtures.hasPython("numpy") else { throw XCTSkip("numpy missing") }
        let (tokens, heads, d) = (3, 2, 8)
        var x = random(tokens * heads * d, seed: 4)
        let input = x
        let positions: [Int32] = [0, 5, 1000]
        RoPE(headDim: d, theta: 10000).apply(&x, tokens: tokens, heads: heads, stride: heads * d, positions: positions)
        let rope = try numpy("""
            x = np.array(I["x"]).reshape(3, 2, 8); pos = np.array([0, 5, 1000.0])
            inv = 1.0 / 10000 ** (np.arange(0, 8, 2) / 8)
            a = pos[:, None] * inv[None, :]; c = np.cos(a)[:, None, :]; s = np.sin(a)[:, None, :]
            R = np.concatenate([x[..., :4] * c - x[..., 4:] * s, x[..., 4:] * c + x[..., :4] * s], -1)
            """, ["x": input])
        assertClose(x, rope, 1e-5, "rope")

        let rows = 2, n = 13
        let a = random(rows * n, seed: 5), w = random(n, seed: 6)
        var y = [Float](repeating: 0, count: rows * n)
        RMSNorm.apply(a, weight: w, rows: rows, n: n, eps: 1e-5, into: &y)
        let norm = try numpy("""
            a = np.array(I["a"]).reshape(2, 13); w = np.array(I["w"])
            R = a / np.sqrt((a * a).mean(-1, keepdims=True) + 1e-5) * w
            """, ["a": a, "w": w])
        assertClose(y, norm, 1e-5, "rmsnorm")

        let gate = random(n, seed: 7), up = random(n, seed: 8)
        var h = [Float](repeating: 0, count: n)
        SwiGLU.apply(gate: gate, up: up, count: n, into: &h)
        let swiglu = try numpy("g = np.array(I['g']); u = np.array(I['u']); R = g / (1 + np.exp(-g)) * u", ["g": gate, "u": up])
        assertClose(h, swiglu, 1e-6, "swiglu")
    }

    func testLinearMatchesNumpy() throws {
        guard try Fixtures.hasPython("numpy") else { throw XCTSkip("numpy missing") }
        let (rows, k, n) = (5, 17, 11)
        let x = random(rows * k, seed: 9), w = random(n * k, seed: 10)
        var y = [Float](repeating: 0, count: rows * n)
        BLAS.linear(x, rows: rows, inFeatures: k, weight: w, outFeatures: n, into: &y)
        let reference = try numpy("R = np.array(I['x']).reshape(5, 17) @ np.array(I['w']).reshape(11, 17).T", ["x": x, "w": w])
        assertClose(y, reference, 1e-5, "linear")
    }
}
