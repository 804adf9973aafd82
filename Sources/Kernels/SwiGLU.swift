import Foundation

/// The Llama MLP's gate: out = silu(gate) · up, element-wise.
public enum SwiGLU {
    /// gate, up, out: [count]. out may equal gate.
    public static func apply(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int,
                             into out: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            let g = gate[i]
            out[i] = g / (1 + expf(-g)) * up[i]
        }
    }

    /// gateUp: [rows, 2·n] with the gate in columns [0, n) and up in [n, 2n) of each row;
    /// out: [rows, n].
    public static func apply(fused gateUp: UnsafePointer<Float>, rows: Int, n: Int, into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            apply(gate: gateUp + r * 2 * n, up: gateUp + r * 2 * n + n, count: n, into: out + r * n)
        }
    }
}
