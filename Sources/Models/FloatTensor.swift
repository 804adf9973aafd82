/// Float32 weights the engine reads: either owned memory or a view into a mapped artifact
/// (kept alive through `owner`).
public final class FloatTensor: @unchecked Sendable {
    public let pointer: UnsafePointer<Float>
    public let count: Int
    public let shape: [Int]
    private let owned: UnsafeMutablePointer<Float>?
    private let owner: AnyObject?

    /// Copies `values` (shape's product must equal values.count).
    public init(_ values: [Float], shape: [Int]) {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, values.count))
        values.withUnsafeBufferPointer { if let b = $0.baseAddress { p.initialize(from: b, count: values.count) } }
        pointer = UnsafePointer(p); owned = p; owner = nil; count = values.count; self.shape = shape
    }

    /// A view into memory that `owner` keeps alive.
    public init(view: UnsafePointer<Float>, count: Int, shape: [Int], owner: AnyObject) {
        pointer = view; self.count = count; self.shape = shape; owned = nil; self.owner = owner
    }

    deinit { owned?.deallocate() }

    public var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: pointer, count: count) }
}
