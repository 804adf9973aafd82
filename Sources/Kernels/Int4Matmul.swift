/// y = x · Wᵀ for an `Int4Matrix`: chooses the fused GEMV (few rows: the weight is read once
/// and never expanded) or dequantise-tile + sgemm (many rows: the sgemm's speed wins).
extension Int4Matrix {
    /// Row counts up to this use the fused GEMV (bench/int4 measures the crossover).
    public static let gemvMaxRows = 8

    /// y[rows, out] = x[rows, in] · Wᵀ, writing only `columns` of each y row when given (the other
    /// columns are left alone, so two threads can split one product). Single-threaded.
    /// Allocates a dequantisation tile only on the sgemm path; `matmul(_:rows:into:columns:scratch:)`
    /// takes one from the caller instead.
    public func matmul(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>,
                       columns: Range<Int>? = nil) {
        let range = clampedColumns(columns)
        if rows <= Self.gemvMaxRows {
            gemv(x, rows: rows, into: y, columns: range)
        } else {
            let count = gemmScratchCount
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: count)
            defer { scratch.deallocate() }
            gemm(x, rows: rows, into: y, columns: range, tile: scratch)
        }
    }

    /// As `matmul(_:rows:into:columns:)`, with caller-owned scratch of `gemmScratchCount` floats.
    public func matmul(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>,
                       columns: Range<Int>? = nil, scratch: UnsafeMutablePointer<Float>) {
        let range = clampedColumns(columns)
        if rows <= Self.gemvMaxRows {
            gemv(x, rows: rows, into: y, columns: range)
        } else {
            gemm(x, rows: rows, into: y, columns: range, tile: scratch)
        }
    }

    /// Floats of scratch the sgemm path needs (one dequantised tile [in, tileColumns]).
    public var gemmScratchCount: Int { inFeatures * tileColumns }

    /// Columns per dequantised tile: about 256 KiB of floats so the tile stays in L2 for the sgemm.
    var tileColumns: Int {
        let budget = (64 * 1024 / inFeatures) & ~7
        return min(max(budget, 8), outFeatures)
    }

    func clampedColumns(_ columns: Range<Int>?) -> Range<Int> {
        guard let columns else { return 0..<outFeatures }
        let lower = min(max(columns.lowerBound, 0), outFeatures)
        return lower..<min(max(columns.upperBound, lower), outFeatures)
    }
}
