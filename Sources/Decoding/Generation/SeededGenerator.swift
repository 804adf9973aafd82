/// SplitMix64 (Steele, Lea, Flood 2014): a tiny PRNG whose sequence is fixed by its seed on
/// every platform and Swift version, unlike the system generator. One per row, seeded from the
/// recipe's seed and the row index, so a row's sample does not depend on batching or order.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public init(seed: UInt64, stream: UInt64) {
        state = seed
        // Decorrelate neighbouring streams by mixing the stream number in through one output.
        var mixer = SeededGenerator(seed: stream &* 0x9E37_79B9_7F4A_7C15 ^ seed)
        state = mixer.next() ^ seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
