import Foundation
@testable import Kernels
import TestSupport

/// A random 4-bit weight with its AutoAWQ packing, written independently of Int4Matrix's repack
/// (straight from the format's definition) so the tests compare two separate readings of it.
struct RandomAWQWeight {
    let inFeatures: Int, outFeatures: Int, groupSize: Int
    var q: [UInt8]       // [in, out]
    var z: [UInt8]       // [in/g, out]
    var scales: [Float16] // [in/g, out]

    init(inFeatures: Int, outFeatures: Int, groupSize: Int, seed: UInt64) {
        self.inFeatures = inFeatures; self.outFeatures = outFeatures; self.groupSize = groupSize
        var rng = SplitMix64(seed: seed)
        let groups = inFeatures / groupSize
        q = (0..<(inFeatures * outFeatures)).map { _ in UInt8(rng.next() % 16) }
        z = (0..<(groups * outFeatures)).map { _ in UInt8(rng.next() % 16) }
        scales = (0..<(groups * outFeatures)).map { _ in Float16(Float(rng.next() % 1000 + 1) / 20000) }
    }

    /// Nibble n of each int32 holds column [0, 2, 4, 6, 1, 3, 5, 7][n] of its group of 8.
    static func pack(_ values: [UInt8], rows: Int, columns: Int) -> [Int32] {
        let order = [0, 2, 4, 6, 1, 3, 5, 7]
        var out = [Int32](repeating: 0, count: rows * columns / 8)
        for r in 0..<rows {
            for c8 in 0..<(columns / 8) {
                var word: UInt32 = 0
                for n in 0..<8 { word |= UInt32(values[r * columns + c8 * 8 + order[n]]) << UInt32(4 * n) }
                out[r * columns / 8 + c8] = Int32(bitPattern: word)
            }
        }
        return out
    }

    var qweight: [Int32] { Self.pack(q, rows: inFeatures, columns: outFeatures) }
    var qzeros: [Int32] { Self.pack(z, rows: inFeatures / groupSize, columns: outFeatures) }

    /// W [out, in] = (q - z) · s.
    var dequantized: [Float] {
        var w = [Float](repeating: 0, count: inFeatures * outFeatures)
        for o in 0..<outFeatures {
            for i in 0..<inFeatures {
                let g = (i / groupSize) * outFeatures + o
                w[o * inFeatures + i] = (Float(q[i * outFeatures + o]) - Float(z[g])) * Float(scales[g])
            }
        }
        return w
    }

    func matrix() throws -> Int4Matrix {
        try makeInt4Matrix(qweight: qweight, qzeros: qzeros, scales: scales,
                           inFeatures: inFeatures, outFeatures: outFeatures, groupSize: groupSize)
    }
}

func makeInt4Matrix(qweight: [Int32], qzeros: [Int32], scales: [Float16],
                    inFeatures: Int, outFeatures: Int, groupSize: Int) throws -> Int4Matrix {
    try qweight.withUnsafeBufferPointer { qw in
        try qzeros.withUnsafeBufferPointer { qz in
            try scales.withUnsafeBufferPointer { s in
                try Int4Matrix(awqQWeight: qw, qzeros: qz, scales: s, inFeatures: inFeatures,
                               outFeatures: outFeatures, groupSize: groupSize)
            }
        }
    }
}

/// y[rows, out] = x · Wᵀ in Double, the reference for the kernels.
func naiveMatmul(_ x: [Float], rows: Int, _ w: [Float], inFeatures: Int, outFeatures: Int) -> [Float] {
    var y = [Float](repeating: 0, count: rows * outFeatures)
    for r in 0..<rows {
        for o in 0..<outFeatures {
            var s = 0.0
            for i in 0..<inFeatures { s += Double(x[r * inFeatures + i]) * Double(w[o * inFeatures + i]) }
            y[r * outFeatures + o] = Float(s)
        }
    }
    return y
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(a.count == b.count ? 0 : .infinity) { max($0, abs($1.0 - $1.1)) }
}

/// The largest |y − expected| over `outputs` of one input row x through an 8-bit or float16
/// table's product; expected is naiveMatmul's [outFeatures] for that row.
func tableProductError(_ m: some TableMatrix, _ x: [Float], outputs: Range<Int>, expected: [Float]) -> Float {
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: m.matmulScratchCount)
    defer { scratch.deallocate() }
    var y = [Float](repeating: .nan, count: outputs.count)
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer {
            m.matmul(xp.baseAddress!, rows: 1, outputRows: outputs, into: $0.baseAddress!, ldy: outputs.count, scratch: scratch)
        }
    }
    // An output left unwritten (NaN) would slip through max().
    return y.contains(where: \.isNaN) ? .infinity : maxAbsDifference(y, Array(expected[outputs]))
}
