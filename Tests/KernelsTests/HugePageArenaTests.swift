import XCTest
@testable import Kernels

final class HugePageArenaTests: XCTestCase {
    /// Allocations are 64-byte aligned, zero-filled and disjoint; small ones share a 2 MiB-aligned
    /// chunk, a large one gets a chunk of its own; a chunk is unmapped once nothing holds it.
    func testAllocationsAreAlignedZeroedDisjointAndFreedWithTheirLastHolder() throws {
        let arena = HugePageArena()
        var regions: [(UnsafeMutableRawPointer, Int)] = []
        var chunks: [HugePageArena.Chunk] = []
        for size in [1, 100, 4096, 300_000, 64, 1_000_003] {
            let (p, chunk) = try XCTUnwrap(arena.allocate(size))
            XCTAssertEqual(Int(bitPattern: p) % 64, 0, "size \(size)")
            XCTAssertEqual(Int(bitPattern: chunk.base) % HugePageArena.hugePage, 0)
            XCTAssertTrue(p >= chunk.base && p + size <= chunk.base + chunk.bytes, "size \(size) outside its chunk")
            let bytes = UnsafeMutableRawBufferPointer(start: p, count: size)
            XCTAssertTrue(bytes.allSatisfy { $0 == 0 }, "size \(size) not zero-filled")
            bytes.initializeMemory(as: UInt8.self, repeating: UInt8(regions.count + 1))
            regions.append((p, size))
            chunks.append(chunk)
        }
        XCTAssertTrue(chunks.dropFirst().allSatisfy { $0 === chunks[0] }, "small allocations share a chunk")
        for (n, (p, size)) in regions.enumerated() {
            XCTAssertTrue(UnsafeRawBufferPointer(start: p, count: size).allSatisfy { $0 == UInt8(n + 1) }, "region \(n) was overwritten")
        }

        let large = HugePageArena.chunkBytes / 2 + 1
        weak var ownChunk: HugePageArena.Chunk?
        do {
            let (p, chunk) = try XCTUnwrap(arena.allocate(large))
            XCTAssertFalse(chunk === chunks[0])
            XCTAssertEqual(chunk.bytes % HugePageArena.hugePage, 0)
            XCTAssertGreaterThanOrEqual(chunk.bytes, large)
            UnsafeMutableRawBufferPointer(start: p, count: large).initializeMemory(as: UInt8.self, repeating: 7)
            ownChunk = chunk
        }
        XCTAssertNil(ownChunk, "a chunk must be unmapped when its last allocation is released")
    }

    /// Engine weights built in memory come from the arena and multiply as before.
    func testInt4ColumnsBuiltInMemoryLiveInTheArena() throws {
        let w = RandomAWQWeight(inFeatures: 64, outFeatures: 16, groupSize: 32, seed: 3)
        let c = try Int4Columns(try w.matrix())
        XCTAssertTrue(c.storage.isInHugePageArena)
        XCTAssertEqual(Int(bitPattern: c.storage.base) % 64, 0)
        XCTAssertLessThan(maxAbsDifference(c.dequantized(), w.dequantized), 1e-6)
    }
}
