/// A linear layer's weight as read from a checkpoint, before it becomes an engine `Linear`:
/// the form in which the loaders slice it for a device and fuse q/k/v and gate/up.
public enum LinearSource: Sendable {
    /// W [out, in] row-major.
    case dense(values: [Float], outFeatures: Int, inFeatures: Int)
    /// AutoAWQ GEMM packing: qweight [in, out/8], qzeros [in/g, out/8], scales [in/g, out].
    case awq(qweight: [Int32], qzeros: [Int32], scales: [Float16], inFeatures: Int, outFeatures: Int, groupSize: Int)

    public var outFeatures: Int {
        switch self { case .dense(_, let o, _): o; case .awq(_, _, _, _, let o, _): o }
    }
    public var inFeatures: Int {
        switch self { case .dense(_, _, let i): i; case .awq(_, _, _, let i, _, _): i }
    }

    /// Output features [range) only (a column-parallel shard). AWQ needs range bounds that are
    /// multiples of 8, the packing width.
    public func outputs(_ range: Range<Int>) throws(ModelError) -> LinearSource {
        switch self {
        case .dense(let v, _, let k):
            return .dense(values: Array(v[(range.lowerBound * k)..<(range.upperBound * k)]),
                          outFeatures: range.count, inFeatures: k)
        case .awq(let qw, let qz, let s, let k, let n, let g):
            guard range.lowerBound % 8 == 0, range.count % 8 == 0 else {
                throw ModelError("AWQ output shard \(range) is not a multiple of the 8-column packing")
            }
            let c0 = range.lowerBound / 8, c1 = range.upperBound / 8, packed = n / 8
            func cols<T>(_ a: [T], rows: Int, width: Int, _ lo: Int, _ hi: Int) -> [T] {
                var out: [T] = []; out.reserveCapacity(rows * (hi - lo))
                for r in 0..<rows { out.append(contentsOf: a[(r * width + lo)..<(r * width + hi)]) }
                return out
            }
            return .awq(qweight: cols(qw, rows: k, width: packed, c0, c1),
                        qzeros: cols(qz, rows: k / g, width: packed, c0, c1),
                        scales: cols(s, rows: k / g, width: n, range.lowerBound, range.upperBound),
                        inFeatures: k, outFeatures: range.count, groupSize: g)
        }
    }

    /// Input features [range) only (a row-parallel shard whose partial outputs are summed).
    /// AWQ needs range bounds that are multiples of the group size.
    public func inputs(_ range: Range<Int>) throws(ModelError) -> LinearSource {
        switch self {
        case .dense(let v, let n, let k):
            var out: [Float] = []; out.reserveCapacity(n * range.count)
            for r in 0..<n { out.append(contentsOf: v[(r * k + range.lowerBound)..<(r * k + range.upperBound)]) }
            return .dense(values: out, outFeatures: n, inFeatures: range.count)
        case .awq(let qw, let qz, let s, _, let n, let g):
            guard range.lowerBound % g == 0, range.count % g == 0 else {
                throw ModelError("AWQ input shard \(range) does not align with group size \(g)")
            }
            let packed = n / 8, g0 = range.lowerBound / g, g1 = range.upperBound / g
            return .awq(qweight: Array(qw[(range.lowerBound * packed)..<(range.upperBound * packed)]),
                        qzeros: Array(qz[(g0 * packed)..<(g1 * packed)]),
                        scales: Array(s[(g0 * n)..<(g1 * n)]),
                        inFeatures: range.count, outFeatures: n, groupSize: g)
        }
    }

    /// Stacks layers that read the same input into one, outputs one after another (q|k|v, gate|up).
    public static func concatenatingOutputs(_ parts: [LinearSource]) throws(ModelError) -> LinearSource {
        guard let first = parts.first else { throw ModelError("nothing to concatenate") }
        switch first {
        case .dense(_, _, let k):
            var values: [Float] = []; var n = 0
            for p in parts {
                guard case .dense(let v, let pn, let pk) = p, pk == k else { throw ModelError("cannot fuse layers of different kinds or widths") }
                values += v; n += pn
            }
            return .dense(values: values, outFeatures: n, inFeatures: k)
        case .awq(_, _, _, let k, _, let g):
            var widths: [Int] = []; var pieces: [(qw: [Int32], qz: [Int32], s: [Float16])] = []
            for p in parts {
                guard case .awq(let qw, let qz, let s, let pk, let pn, let pg) = p, pk == k, pg == g, pn % 8 == 0 else {
                    throw ModelError("cannot fuse AWQ layers of different widths or group sizes")
                }
                widths.append(pn); pieces.append((qw, qz, s))
            }
            let n = widths.reduce(0, +)
            var qw: [Int32] = [], qz: [Int32] = [], s: [Float16] = []
            qw.reserveCapacity(k * n / 8); qz.reserveCapacity(k / g * n / 8); s.reserveCapacity(k / g * n)
            for r in 0..<k { for (i, p) in pieces.enumerated() { let w = widths[i] / 8; qw += p.qw[(r * w)..<(r * w + w)] } }
            for r in 0..<(k / g) {
                for (i, p) in pieces.enumerated() { let w = widths[i] / 8; qz += p.qz[(r * w)..<(r * w + w)] }
            }
            for r in 0..<(k / g) { for (i, p) in pieces.enumerated() { let w = widths[i]; s += p.s[(r * w)..<(r * w + w)] } }
            return .awq(qweight: qw, qzeros: qz, scales: s, inFeatures: k, outFeatures: n, groupSize: g)
        }
    }
}
