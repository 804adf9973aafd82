import Foundation
import XCTest
@testable import Store

final class StatCacheTests: XCTestCase {
    /// Sets a file's mtime (ns precision) so a test controls what the cache sees.
    private func setMtime(_ url: URL, seconds: Int, nanoseconds: Int) {
        var times = [timespec(tv_sec: seconds, tv_nsec: nanoseconds), timespec(tv_sec: seconds, tv_nsec: nanoseconds)]
        XCTAssertEqual(utimensat(AT_FDCWD, url.path, &times, 0), 0)
    }

    func testUnchangedFileIsNotReadAgainAndTrustsStat() throws {
        let dir = try TemporaryFolder()
        let file = dir.url.appendingPathComponent("weights.bin")
        try Data("original bytes".utf8).write(to: file)
        setMtime(file, seconds: 1_600_000_000, nanoseconds: 123_456_789)
        let cacheFile = dir.url.appendingPathComponent("cache/statcache.json")
        let cache = StatCache(file: cacheFile)
        let first = try cache.digest(of: file)
        XCTAssertEqual(first, SHA256.hash(Data("original bytes".utf8)))
        XCTAssertEqual(cache.hashedFileCount, 1)
        try cache.save()

        // Same size, same mtime to the nanosecond, same inode: like git, the cache trusts it
        // (documented trade-off) and does not read the file, so it returns the old digest.
        let handle = try FileHandle(forWritingTo: file)
        try handle.write(contentsOf: Data("ORIGINAL BYTES".utf8))
        try handle.close()
        setMtime(file, seconds: 1_600_000_000, nanoseconds: 123_456_789)
        let reloaded = StatCache(file: cacheFile)
        XCTAssertEqual(try reloaded.digest(of: file), first)
        XCTAssertEqual(reloaded.hashedFileCount, 0)
    }

    func testTouchRehashesButKeepsDigest() throws {
        let dir = try TemporaryFolder()
        let file = dir.url.appendingPathComponent("data.csv")
        try Data("a,b\n1,2\n".utf8).write(to: file)
        setMtime(file, seconds: 1_600_000_000, nanoseconds: 0)
        let cache = StatCache(file: dir.url.appendingPathComponent("statcache.json"))
        let d1 = try cache.digest(of: file)
        setMtime(file, seconds: 1_600_000_100, nanoseconds: 5)
        let d2 = try cache.digest(of: file)
        XCTAssertEqual(cache.hashedFileCount, 2)
        XCTAssertEqual(d1, d2)
        _ = try cache.digest(of: file)
        XCTAssertEqual(cache.hashedFileCount, 2)
    }

    func testChangedContentIsNoticed() throws {
        let dir = try TemporaryFolder()
        let file = dir.url.appendingPathComponent("x")
        try Data("12345".utf8).write(to: file)
        setMtime(file, seconds: 1_600_000_000, nanoseconds: 0)
        let cache = StatCache(file: dir.url.appendingPathComponent("statcache.json"))
        _ = try cache.digest(of: file)
        try Data("123456".utf8).write(to: file)
        XCTAssertEqual(try cache.digest(of: file), SHA256.hash(Data("123456".utf8)))
    }

    /// A file written just now may be rewritten within the same timestamp tick; it is hashed
    /// but not remembered.
    func testRecentlyModifiedFileIsNotRemembered() throws {
        let dir = try TemporaryFolder()
        let file = dir.url.appendingPathComponent("fresh")
        try Data("fresh".utf8).write(to: file)
        let cache = StatCache(file: dir.url.appendingPathComponent("statcache.json"))
        _ = try cache.digest(of: file)
        _ = try cache.digest(of: file)
        XCTAssertEqual(cache.hashedFileCount, 2)
    }

    func testCorruptCacheFileIsIgnored() throws {
        let dir = try TemporaryFolder()
        let cacheFile = dir.url.appendingPathComponent("statcache.json")
        try Data("{\"version\":1,\"entries\":{\"/x\":{\"size\":\"oops\"".utf8).write(to: cacheFile)
        let file = dir.url.appendingPathComponent("f")
        try Data("f".utf8).write(to: file)
        setMtime(file, seconds: 1_600_000_000, nanoseconds: 0)
        let cache = StatCache(file: cacheFile)
        XCTAssertEqual(try cache.digest(of: file), SHA256.hash(Data("f".utf8)))
        try cache.save()
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(contentsOf: cacheFile)))
    }

    func testMissingFileErrorNamesPath() throws {
        let cache = StatCache(file: URL(fileURLWithPath: "/nonexistent/statcache.json"))
        XCTAssertThrowsError(try cache.digest(of: URL(fileURLWithPath: "/nonexistent/input.csv"))) {
            XCTAssertTrue(String(describing: $0).contains("/nonexistent/input.csv"))
        }
    }
}
