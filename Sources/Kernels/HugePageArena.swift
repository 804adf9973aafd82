import Foundation

/// Memory for the engine's weight matrices, carved out of 2 MiB-aligned chunks that the kernel
/// is asked to back with huge pages (`MADV_HUGEPAGE`; Linux's usual transparent-huge-page
/// setting, "madvise", gives them to no one who does not ask).
///
/// Why: a decode step streams every weight once, ~100 MB for SmolLM2. In 4 KiB pages that is
/// ~25,000 TLB misses a token, and under a hypervisor each miss walks two page tables. Matrices
/// are mostly under 2 MiB, so each on its own would never get a huge page: they share chunks.
///
/// A chunk is unmapped when the last allocation carved from it is released. Only long-lived
/// engine weights belong here; a temporary would pin its chunk as long as its neighbours live.
final class HugePageArena: @unchecked Sendable {   // `lock` guards `current` and `used`
    static let shared = HugePageArena()
    static let hugePage = 2 << 20
    /// Chunks of 32 MiB: small enough that the last one's unused tail is cheap (untouched pages
    /// are never resident), large enough that few matrices straddle a chunk's end.
    static let chunkBytes = 32 << 20

    /// One mapped chunk; freed with its last allocation (every allocation holds it).
    final class Chunk: @unchecked Sendable {   // immutable after init
        let mapping: UnsafeMutableRawPointer
        let mappedBytes: Int
        let base: UnsafeMutableRawPointer
        let bytes: Int

        init?(bytes: Int) {
            let mappedBytes = bytes + HugePageArena.hugePage
            #if os(Linux)
            let flags = MAP_PRIVATE | MAP_ANONYMOUS
            #else
            let flags = MAP_PRIVATE | MAP_ANON
            #endif
            guard let mapping = mmap(nil, mappedBytes, PROT_READ | PROT_WRITE, flags, -1, 0),
                  mapping != MAP_FAILED else { return nil }
            self.mapping = mapping
            self.mappedBytes = mappedBytes
            let aligned = (Int(bitPattern: mapping) + HugePageArena.hugePage - 1) & ~(HugePageArena.hugePage - 1)
            base = UnsafeMutableRawPointer(bitPattern: aligned)!
            self.bytes = bytes
            #if os(Linux)
            _ = madvise(base, bytes, Int32(MADV_HUGEPAGE))   // advice only: without it, plain pages
            #endif
        }

        deinit { munmap(mapping, mappedBytes) }
    }

    private let lock = NSLock()
    private var current: Chunk?
    private var used = 0

    /// Zero-filled, 64-byte aligned memory of `byteCount` bytes and the chunk that owns it, or
    /// nil when the system refuses the mapping.
    func allocate(_ byteCount: Int) -> (UnsafeMutableRawPointer, Chunk)? {
        let size = (max(byteCount, 1) + 63) & ~63
        if size > Self.chunkBytes / 2 {                                  // its own chunk
            let bytes = (size + Self.hugePage - 1) & ~(Self.hugePage - 1)
            guard let chunk = Chunk(bytes: bytes) else { return nil }
            return (chunk.base, chunk)
        }
        lock.lock()
        defer { lock.unlock() }
        if current == nil || used + size > current!.bytes {
            guard let chunk = Chunk(bytes: Self.chunkBytes) else { return nil }
            current = chunk
            used = 0
        }
        let chunk = current!
        let pointer = chunk.base + used
        used += size
        return (pointer, chunk)
    }
}
