/// The bytes behind an `Int4Matrix`: either memory it allocated (freed with it) or a region of
/// a mapped file that `keepAlive` (the mapping's owner) keeps valid.
final class Int4Storage: @unchecked Sendable {
    let base: UnsafeRawPointer
    private let owned: UnsafeMutableRawPointer?
    private let keepAlive: AnyObject?

    /// Zero-filled, 64-byte aligned memory of `byteCount` bytes.
    init(allocating byteCount: Int) {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
        owned = memory
        base = UnsafeRawPointer(memory)
        keepAlive = nil
    }

    init(borrowing base: UnsafeRawPointer, keepAlive: AnyObject?) {
        self.base = base
        self.owned = nil
        self.keepAlive = keepAlive
    }

    var mutableBase: UnsafeMutableRawPointer? { owned }

    deinit { owned?.deallocate() }
}
