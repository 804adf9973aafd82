/// llama.cpp's Q4_1 block: 32 weights w = d·q + m as d (f16), m (f16) and 16 bytes of nibbles
/// (low nibble weight j, high nibble weight j + 16).
public enum Q4_1 {
    public static let blockBytes = 20
    public static let blockWeights = 32
}
