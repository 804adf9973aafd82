import Kernels

/// A linear layer as the engine runs it: y[rows, out] = x[rows, in] · Wᵀ.
public enum Linear: Sendable {
    /// W [out, in] row-major float32.
    case dense(FloatTensor, outFeatures: Int, inFeatures: Int)
    /// AWQ 4-bit, repacked by the int4 kernels.
    case int4(Int4Matrix)

    public var outFeatures: Int {
        switch self { case .dense(_, let o, _): o; case .int4(let m): m.outFeatures }
    }
    public var inFeatures: Int {
        switch self { case .dense(_, _, let i): i; case .int4(let m): m.inFeatures }
    }
    /// Bytes of weight memory.
    public var byteCount: Int {
        switch self { case .dense(let t, _, _): t.count * 4; case .int4(let m): m.serialisedByteCount }
    }

    /// x: [rows, in] dense; y: [rows, out] dense.
    public func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        switch self {
        case .dense(let w, let n, let k):
            BLAS.linear(x, rows: rows, inFeatures: k, weight: w.pointer, outFeatures: n, into: y)
        case .int4(let m):
            m.matmul(x, rows: rows, into: y)
        }
    }

    /// Builds the runtime form of a checkpoint weight.
    public init(_ source: LinearSource) throws(ModelError) {
        switch source {
        case .dense(let v, let n, let k):
            self = .dense(FloatTensor(v, shape: [n, k]), outFeatures: n, inFeatures: k)
        case .awq(let qw, let qz, let sc, let k, let n, let g):
            do {
                let m = try qw.withUnsafeBufferPointer { q throws(Int4MatrixError) in
                    try qz.withUnsafeBufferPointer { z throws(Int4MatrixError) in
                        try sc.withUnsafeBufferPointer { s throws(Int4MatrixError) in
                            try Int4Matrix(awqQWeight: q, qzeros: z, scales: s, inFeatures: k, outFeatures: n, groupSize: g)
                        }
                    }
                }
                self = .int4(m)
            } catch {
                throw ModelError("AWQ layer [\(k) → \(n)]: \(error)")
            }
        }
    }
}
