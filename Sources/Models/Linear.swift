import Kernels

/// A linear layer as the engine runs it: y[rows, out] = x[rows, in] · Wᵀ.
public enum Linear: Sendable {
    /// W [out, in] row-major float32.
    case dense(FloatTensor, outFeatures: Int, inFeatures: Int)
    /// 4-bit groups (AWQ, or a GGUF's Q4_1) in the int4 kernels' column layout.
    case int4(Int4Columns)
    /// Output rows `rows` of an 8-bit matrix (a device's share of a GGUF's Q8_0 LM head).
    case int8(Int8Matrix, rows: Range<Int>)
    /// Output rows `rows` of a float16 matrix (a device's share of a float16 LM head).
    case half(HalfMatrix, rows: Range<Int>)

    public var outFeatures: Int {
        switch self {
        case .dense(_, let o, _): o
        case .int4(let m): m.outFeatures
        case .int8(_, let r), .half(_, let r): r.count
        }
    }
    public var inFeatures: Int {
        switch self {
        case .dense(_, _, let i): i
        case .int4(let m): m.inFeatures
        case .int8(let m, _): m.inFeatures
        case .half(let m, _): m.inFeatures
        }
    }
    /// Bytes of weight memory.
    public var byteCount: Int {
        switch self {
        case .dense(let t, _, _): t.count * 4
        case .int4(let m): m.serialisedByteCount
        case .int8(let m, let r): m.serialisedByteCount * r.count / m.outFeatures
        case .half(let m, let r): m.serialisedByteCount * r.count / m.outFeatures
        }
    }

    /// y[rows, out] = x[rows, in] · Wᵀ, every member of `team` computing a share of the output
    /// columns (y's row stride is ldy, default out). `tiles[m]` is member m's scratch.
    func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int? = nil,
               team: WorkerTeam, tiles: [Scratch]) {
        let n = outFeatures, ld = ldy ?? n
        switch self {
        case .dense(let w, _, let k):
            team.split(n, align: 16) { cols in
                BLAS.linear(x, rows: rows, inFeatures: k, weight: w.pointer + cols.lowerBound * k, outFeatures: cols.count,
                            into: y + cols.lowerBound, ldy: ld)
            }
        case .int4(let m):
            team.run { member in
                let cols = WorkerTeam.share(n, member: member, of: team.size, align: 8)
                guard !cols.isEmpty else { return }
                m.matmul(x, rows: rows, into: y, ldy: ld, columns: cols, scratch: tiles[member].buffer(0, m.matmulScratchCount))
            }
        case .int8(let m, let r): Self.apply(table: m, rows: r, x, count: rows, into: y, ldy: ld, team: team, tiles: tiles)
        case .half(let m, let r): Self.apply(table: m, rows: r, x, count: rows, into: y, ldy: ld, team: team, tiles: tiles)
        }
    }

    /// An int8 or float16 table's rows `r` as the layer: each member takes a share of them.
    private static func apply(table m: some TableMatrix, rows r: Range<Int>, _ x: UnsafePointer<Float>, count rows: Int,
                              into y: UnsafeMutablePointer<Float>, ldy: Int, team: WorkerTeam, tiles: [Scratch]) {
        team.run { member in
            let cols = WorkerTeam.share(r.count, member: member, of: team.size, align: 16)
            guard !cols.isEmpty else { return }
            m.matmul(x, rows: rows, outputRows: (r.lowerBound + cols.lowerBound)..<(r.lowerBound + cols.upperBound),
                     into: y + cols.lowerBound, ldy: ldy, scratch: tiles[member].buffer(0, m.matmulScratchCount))
        }
    }

    /// y[r, j] = x[r] · W[ids[j]] for the listed output rows only (local indices): the few
    /// logits a choice needs, not the whole vocabulary.
    func applySelected(_ x: UnsafePointer<Float>, rows: Int, ids: [(column: Int, row: Int)],
                       into y: UnsafeMutablePointer<Float>, ldy: Int) {
        for (j, o) in ids {
            for r in 0..<rows {
                let xr = x + r * inFeatures
                switch self {
                case .dense(let w, _, let k):
                    var s: Float = 0
                    let row = w.pointer + o * k
                    for i in 0..<k { s += row[i] * xr[i] }
                    y[r * ldy + j] = s
                case .int4(let m):
                    var w = [Float](repeating: 0, count: m.inFeatures)
                    w.withUnsafeMutableBufferPointer { m.dequantizeRow(o, into: $0.baseAddress!) }
                    var s: Float = 0
                    for i in 0..<m.inFeatures { s += w[i] * xr[i] }
                    y[r * ldy + j] = s
                case .int8(let m as any TableMatrix, let range), .half(let m as any TableMatrix, let range):
                    y[r * ldy + j] = m.dot(row: range.lowerBound + o, xr)
                }
            }
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
                do { self = .int4(try Int4Columns(m)) } catch {
                    // A shape the int4 kernels do not take (an odd group size): the same weights in float32.
                    self = .dense(FloatTensor(m.dequantized(), shape: [n, k]), outFeatures: n, inFeatures: k)
                }
            } catch {
                throw ModelError("AWQ layer [\(k) → \(n)]: \(error)")
            }
        }
    }
}
