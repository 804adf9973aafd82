/// AutoAWQ's GEMM packing: 8 four-bit values per Int32 along the output dimension, nibble n
/// holding column [0, 2, 4, 6, 1, 3, 5, 7][n] of its group of 8 (the order AutoAWQ's CUDA
/// kernels want; checkpoints on disk keep it).
public enum AWQPacker {
    /// Nibble n of a packed Int32 holds column `columnOfNibble[n]` of its group of 8.
    public static let columnOfNibble = [0, 2, 4, 6, 1, 3, 5, 7]

    /// Packs the integer weights q [in, out] and zero points z [in/g, out] (each 0...15) into
    /// AutoAWQ's qweight [in, out/8] and qzeros [in/g, out/8].
    public static func pack(intWeights: [UInt8], zeros: [UInt8], inFeatures: Int, outFeatures: Int,
                            groupSize: Int) throws(QuantizeError) -> (qweight: [Int32], qzeros: [Int32]) {
        guard inFeatures > 0, outFeatures > 0, outFeatures % 8 == 0 else {
            throw .badShape("out_features \(outFeatures) must be a positive multiple of 8 to pack 8 values per int32")
        }
        guard groupSize > 0, inFeatures % groupSize == 0 else {
            throw .badShape("group size \(groupSize) does not divide in_features \(inFeatures)")
        }
        guard intWeights.count == inFeatures * outFeatures else {
            throw .badShape("\(intWeights.count) integer weights, expected in_features × out_features = \(inFeatures * outFeatures)")
        }
        guard zeros.count == inFeatures / groupSize * outFeatures else {
            throw .badShape("\(zeros.count) zero points, expected \(inFeatures / groupSize * outFeatures)")
        }
        if let bad = intWeights.firstIndex(where: { $0 > 15 }) ?? zeros.firstIndex(where: { $0 > 15 }) {
            throw .badShape("value at flat index \(bad) does not fit in 4 bits")
        }
        return (packRows(intWeights, rows: inFeatures, columns: outFeatures),
                packRows(zeros, rows: inFeatures / groupSize, columns: outFeatures))
    }

    /// values [rows, columns] (0...15, columns a multiple of 8) → [rows, columns/8].
    public static func packRows(_ values: [UInt8], rows: Int, columns: Int) -> [Int32] {
        var packed = [Int32](repeating: 0, count: rows * columns / 8)
        values.withUnsafeBufferPointer { v in
            packed.withUnsafeMutableBufferPointer { p in
                for index in 0..<(rows * columns / 8) {
                    let first = index * 8  // row-major: word index·8 is its first value
                    var word: UInt32 = 0
                    for n in 0..<8 { word |= UInt32(v[first + columnOfNibble[n]] & 15) << UInt32(4 * n) }
                    p[index] = Int32(bitPattern: word)
                }
            }
        }
        return packed
    }

    /// The inverse of `packRows`: [rows, columns/8] → values [rows, columns].
    public static func unpackRows(_ packed: UnsafeBufferPointer<Int32>, rows: Int, columns: Int) -> [UInt8] {
        var values = [UInt8](repeating: 0, count: rows * columns)
        values.withUnsafeMutableBufferPointer { v in
            for index in 0..<min(packed.count, rows * columns / 8) {
                let word = UInt32(bitPattern: packed[index])
                for n in 0..<8 { v[index * 8 + columnOfNibble[n]] = UInt8((word >> UInt32(4 * n)) & 15) }
            }
        }
        return values
    }
}
