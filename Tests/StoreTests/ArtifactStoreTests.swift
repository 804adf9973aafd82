import Foundation
import XCTest
@testable import Store

final class ArtifactStoreTests: XCTestCase {
    func testCommitMovesStagingIntoCache() throws {
        let dir = try TemporaryFolder()
        let store = ArtifactStore(root: dir.url)
        let key = SHA256.hash(Data("key".utf8))
        XCTAssertNil(store.entry(for: key))
        let staging = try store.makeStaging()
        try Data("out".utf8).write(to: staging.appendingPathComponent("out.txt"))
        let entry = try store.commit(staging: staging, key: key)
        XCTAssertEqual(entry.lastPathComponent, key.hex)
        XCTAssertEqual(store.entry(for: key), entry)
        XCTAssertEqual(try Data(contentsOf: entry.appendingPathComponent("out.txt")), Data("out".utf8))
        XCTAssertFalse(FileManager.default.fileExists(atPath: staging.path))
    }

    /// Two runs finishing the same key: the first entry stays, the second staging is dropped.
    func testSecondCommitOfSameKeyKeepsFirst() throws {
        let dir = try TemporaryFolder()
        let store = ArtifactStore(root: dir.url)
        let key = SHA256.hash(Data("same".utf8))
        let s1 = try store.makeStaging(), s2 = try store.makeStaging()
        try Data("first".utf8).write(to: s1.appendingPathComponent("f"))
        try Data("second".utf8).write(to: s2.appendingPathComponent("f"))
        try store.commit(staging: s1, key: key)
        let e = try store.commit(staging: s2, key: key)
        XCTAssertEqual(try Data(contentsOf: e.appendingPathComponent("f")), Data("first".utf8))
        XCTAssertFalse(FileManager.default.fileExists(atPath: s2.path))
    }

    /// Empty outputs race through rename's "replace an empty folder" rule unless the store uses
    /// RENAME_NOREPLACE (or an existence check); either way the first entry must stay.
    func testConcurrentCommitsFromThreads() throws {
        let dir = try TemporaryFolder()
        let store = ArtifactStore(root: dir.url)
        let key = SHA256.hash(Data("race".utf8))
        let stagings = try (0..<8).map { i -> URL in
            let s = try store.makeStaging()
            try Data("\(i)".utf8).write(to: s.appendingPathComponent("f"))
            return s
        }
        nonisolated(unsafe) var results = [URL?](repeating: nil, count: 8)
        DispatchQueue.concurrentPerform(iterations: 8) { i in results[i] = try? store.commit(staging: stagings[i], key: key) }
        XCTAssertTrue(results.allSatisfy { $0 == store.entryURL(for: key) })
        let content = try String(contentsOf: store.entryURL(for: key).appendingPathComponent("f"), encoding: .utf8)
        XCTAssertNotNil(Int(content))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.stagingDirectory.path), [])
    }

    /// A staging folder of a killed process is removed; one of a live process is kept.
    func testAbandonedStagingIsRemoved() throws {
        let dir = try TemporaryFolder()
        let store = ArtifactStore(root: dir.url)
        let mine = try store.makeStaging()
        // A real process that has exited: its pid is dead (pids are not reused this fast).
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run(); p.waitUntilExit()
        let dead = store.stagingDirectory.appendingPathComponent("\(p.processIdentifier).abandoned")
        try FileManager.default.createDirectory(at: dead, withIntermediateDirectories: true)
        try Data("half".utf8).write(to: dead.appendingPathComponent("half-written"))
        store.removeAbandonedStaging()
        XCTAssertFalse(FileManager.default.fileExists(atPath: dead.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: mine.path))
    }

    func testFileLockExcludesConcurrentHolders() throws {
        let dir = try TemporaryFolder()
        let lockURL = dir.url.appendingPathComponent("cache/.lock")
        nonisolated(unsafe) var inside = 0, maxInside = 0
        let counter = NSLock()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            _ = try? FileLock(lockURL).withLock {
                counter.lock(); inside += 1; maxInside = max(maxInside, inside); counter.unlock()
                usleep(20_000)
                counter.lock(); inside -= 1; counter.unlock()
            }
        }
        XCTAssertEqual(maxInside, 1)
        let held = FileLock(lockURL)
        try held.withLock {
            XCTAssertNil(try FileLock(lockURL).withLockIfAvailable { 1 })
        }
        XCTAssertEqual(try FileLock(lockURL).withLockIfAvailable { 1 }, 1)
    }
}
