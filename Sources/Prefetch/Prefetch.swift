// Swift has no prefetch instruction, so this one module is built with -parse-stdlib to reach
// LLVM's prefetch intrinsic through Builtin. A decode step streams ~97 MB of weights that no
// cache holds, and with the hardware prefetcher alone the int4 product waited on memory
// (`bench/int4 --stream`: ~8 GB/s on two cores streamed, 12–19 with the weights in cache).
import Swift

/// Starts loading the cache line holding `p` into every cache level, without waiting for it
/// and without faulting whatever `p` is.
@inlinable @inline(__always)
public func prefetch(_ p: UnsafeRawPointer) {
    // llvm.prefetch(address, rw 0 = read, locality 3 = keep in all levels, 1 = data cache)
    Builtin.int_prefetch_RawPointer(p._rawValue, Builtin.zeroInitializer(), (3 as Int32)._value, (1 as Int32)._value)
}

/// Prefetches the bytes [p, p + count), one call per 64-byte cache line.
@inlinable @inline(__always)
public func prefetch(_ p: UnsafeRawPointer, bytes count: Int) {
    var k = 0
    while k < count { prefetch(p + k); k &+= 64 }
}

/// Prefetches `bytes` bytes at the start of each row r in [first, end) of rows `stride` bytes
/// apart from `base` (nothing when end ≤ first): the rows a product reads a few steps from now.
@inlinable @inline(__always)
public func prefetch(rows first: Int, _ end: Int, of base: UnsafeRawPointer, stride: Int, bytes: Int) {
    var r = first
    while r < end { prefetch(base + r * stride, bytes: bytes); r &+= 1 }
}
