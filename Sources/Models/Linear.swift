import Kernels

/// A linear layer as the engine runs it: y[rows, out] = x[rows, in] · Wᵀ.
public enum Linear: Sendable {
    /// W [out, in] row-major float32.
    case dense(FloatTensor, outFeatures: Int, inFeatures: Int)

    public var outFeatures: Int {
        switch self { case .dense(_, let o, _): o }
    }
    public var inFeatures: Int {
        switch self { case .dense(_, _, let i): i }
    }
    /// Bytes of weight memory.
    public var byteCount: Int {
        switch self { case .dense(let t, _, _): t.count * 4 }
    }

    /// x: [rows, in] dense; y: [rows, out] dense.
    public func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        switch self {
        case .dense(let w, let n, let k):
            BLAS.linear(x, rows: rows, inFeatures: k, weight: w.pointer, outFeatures: n, into: y)
        }
    }

    /// Builds the runtime form of a checkpoint weight.
    public init(_ source: LinearSource) throws(ModelError) {
        switch source {
        case .dense(let v, let n, let k):
            self = .dense(FloatTensor(v, shape: [n, k]), outFeatures: n, inFeatures: k)
        case .awq:
            throw ModelError("AWQ weights need the int4 kernels, which this build lacks")
        }
    }
}
