/// llama.cpp's Q4_1 blocks in the engine's int4 layout, exactly: a Q4_1 block of 32 weights is
/// w = d·q + m (d, m Float16, q 4-bit), which is the layout's w = (q − z)·s with group size 32,
/// s = d and the float zero point z = −m/d. Lets a Q4_1 GGUF run on the int4 kernels without
/// ever expanding to float32 (a quarter of the memory).
extension Int4Matrix {
    /// Bytes of one Q4_1 block: d (f16), m (f16), 16 bytes of nibbles (low = weight j, high = j + 16).
    public static let q4_1BlockBytes = 20
    public static let q4_1BlockWeights = 32

    /// rows[o] points at the first Q4_1 block of output row o's `inFeatures` weights (a row of
    /// a GGUF tensor, possibly offset to a column slice that starts on a block boundary).
    /// Out-features = rows.count, a multiple of 8; inFeatures a multiple of 32.
    public init(q4_1Rows rows: [UnsafeRawPointer], inFeatures: Int) throws(Int4MatrixError) {
        let outFeatures = rows.count, g = Self.q4_1BlockWeights
        try Self.validate(inFeatures: inFeatures, outFeatures: outFeatures, groupSize: g)
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.groupSize = g
        storage = Int4Storage(allocating: Self.serialisedByteCount(inFeatures: inFeatures, outFeatures: outFeatures, groupSize: g))
        let base = storage.mutableBase!  // just allocated above
        base.storeBytes(of: Self.magic.littleEndian, as: UInt32.self)
        base.storeBytes(of: Self.version.littleEndian, toByteOffset: 4, as: UInt32.self)
        for (n, value) in [inFeatures, outFeatures, g].enumerated() {
            base.storeBytes(of: UInt64(value).littleEndian, toByteOffset: 8 + 8 * n, as: UInt64.self)
        }
        let words = (base + wordsOffset).assumingMemoryBound(to: UInt32.self)
        let scaleOut = (base + scalesOffset).assumingMemoryBound(to: Float.self)
        let zeroOut = (base + zerosOffset).assumingMemoryBound(to: Float.self)
        let groups = inFeatures / g
        for o in 0..<outFeatures {
            let b = o >> 3, lane = o & 7
            for gi in 0..<groups {
                let block = rows[o] + gi * Self.q4_1BlockBytes
                let d = Float(block.loadUnaligned(as: Float16.self))
                let m = Float(block.loadUnaligned(fromByteOffset: 2, as: Float16.self))
                let at = (b * groups + gi) * 8 + lane
                if d != 0 {
                    scaleOut[at] = d; zeroOut[at] = -m / d
                } else {
                    // Every q is 0 when d is 0 (llama.cpp's quantizer), so w = m = (0 − (−1))·m.
                    scaleOut[at] = m; zeroOut[at] = -1
                }
                for j in 0..<16 {
                    let byte = UInt32(block.load(fromByteOffset: 4 + j, as: UInt8.self))
                    for (i, q) in [(gi * g + j, byte & 15), (gi * g + j + 16, byte >> 4)] {
                        words[b * inFeatures + (i >> 3) * 8 + lane] |= q << UInt32((i & 7) * 4)
                    }
                }
            }
        }
    }
}
