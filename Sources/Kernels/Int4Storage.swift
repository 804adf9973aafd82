/// The bytes behind a weight matrix: memory it allocated (from the heap, or from
/// `HugePageArena` for the engine's own layouts), freed with it, or a region of a mapped file that
/// `keepAlive` (the mapping's owner) keeps valid.
final class Int4Storage: @unchecked Sendable {
    let base: UnsafeRawPointer
    private let owned: UnsafeMutableRawPointer?
    private let keepAlive: AnyObject?

    /// Zero-filled, 64-byte aligned memory of `byteCount` bytes. `hugePages`: from
    /// `HugePageArena`, for the engine's long-lived weights (falls back to the heap).
    init(allocating byteCount: Int, hugePages: Bool = false) {
        if hugePages, let (memory, chunk) = HugePageArena.shared.allocate(byteCount) {
            mutableBase = memory
            base = UnsafeRawPointer(memory)
            owned = nil
            keepAlive = chunk
            return
        }
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
        owned = memory
        mutableBase = memory
        base = UnsafeRawPointer(memory)
        keepAlive = nil
    }

    init(borrowing base: UnsafeRawPointer, keepAlive: AnyObject?) {
        self.base = base
        self.owned = nil
        self.mutableBase = nil
        self.keepAlive = keepAlive
    }

    /// The memory to fill, for storage this object allocated; nil for a borrowed region.
    let mutableBase: UnsafeMutableRawPointer?

    var isInHugePageArena: Bool { keepAlive is HugePageArena.Chunk }

    deinit { owned?.deallocate() }
}
