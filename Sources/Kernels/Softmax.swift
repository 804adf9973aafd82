import Foundation

/// Numerically stable softmax in place over one row.
public enum Softmax {
    /// x: [n]; afterwards sums to 1.
    public static func inPlace(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        guard n > 0 else { return }
        var m = -Float.infinity
        for i in 0..<n where x[i] > m { m = x[i] }
        var s: Float = 0
        for i in 0..<n { let e = expf(x[i] - m); x[i] = e; s += e }
        let inv = 1 / s
        for i in 0..<n { x[i] *= inv }
    }
}
