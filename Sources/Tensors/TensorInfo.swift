/// Where one tensor lives in a mapped file.
public struct TensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    /// Absolute byte offset of the first element in the file.
    public let offset: Int
    public let byteCount: Int

    public init(name: String, dtype: DType, shape: [Int], offset: Int, byteCount: Int) {
        self.name = name; self.dtype = dtype; self.shape = shape; self.offset = offset; self.byteCount = byteCount
    }

    public var elementCount: Int { shape.reduce(1, *) }
}
