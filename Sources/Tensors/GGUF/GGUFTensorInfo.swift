/// Where one tensor of a GGUF file lives, and how it is stored.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    public let type: GGMLType
    /// ggml order: dimensions[0] is the fastest-varying (a row's length).
    public let dimensions: [Int]
    /// Absolute byte offset in the file.
    public let offset: Int
    public let byteCount: Int

    /// numpy / PyTorch order (dimensions reversed): a 2-D weight is [rows, columns].
    public var shape: [Int] { dimensions.reversed() }
    public var elementCount: Int { dimensions.reduce(1, *) }
}
