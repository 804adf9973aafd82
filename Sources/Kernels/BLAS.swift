import CBLAS

/// Single-precision GEMM through OpenBLAS, in the shapes the transformer uses.
public enum BLAS {
    /// y[rows, n] (+)= x[rows, k] · wᵀ, with w stored [n, k] row-major (a PyTorch Linear weight).
    /// Leading dimensions default to dense rows; pass larger ones to address a column block.
    @inline(__always)
    public static func linear(_ x: UnsafePointer<Float>, rows: Int, inFeatures k: Int,
                              weight w: UnsafePointer<Float>, outFeatures n: Int,
                              into y: UnsafeMutablePointer<Float>,
                              ldx: Int? = nil, ldw: Int? = nil, ldy: Int? = nil, accumulate: Bool = false) {
        guard rows > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(k),
                    1, x, Int32(ldx ?? k), w, Int32(ldw ?? k), accumulate ? 1 : 0, y, Int32(ldy ?? n))
    }

    /// c[m, n] = alpha · a[m, k] · b[k, n] (+ beta · c), row-major, optional transposes of a and b.
    @inline(__always)
    public static func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                            alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
                            c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// OpenBLAS's own thread count. Two engine devices each run single-threaded BLAS on their own
    /// thread; one device lets OpenBLAS use every core.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }
}
