import Foundation
import XCTest
@testable import Store

final class TreeDigestTests: XCTestCase {
    /// The tree digest equals sha256 of `sha256sum` output over the files in byte order, which
    /// coreutils computes independently.
    func testMatchesSha256sumListing() throws {
        let dir = try TemporaryFolder()
        let fm = FileManager.default
        try fm.createDirectory(at: dir.url.appendingPathComponent("b/c"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.url.appendingPathComponent("empty"), withIntermediateDirectories: true)
        let files = ["a.txt": "alpha", "B.txt": "upper", "b/c/d.bin": "deep", "b-x": "dash", "b/z": ""]
        for (p, s) in files { try Data(s.utf8).write(to: dir.url.appendingPathComponent(p)) }
        let tree = try digestTree(at: dir.url)
        XCTAssertEqual(tree.files.map(\.path), ["B.txt", "a.txt", "b-x", "b/c/d.bin", "b/z"])
        XCTAssertEqual(tree.files.map(\.size), [5, 5, 4, 4, 0])

        let sums = try tree.files.map { try runTool("/usr/bin/sha256sum", [dir.url.appendingPathComponent($0.path).path]) }
        var listing = ""
        for (f, line) in zip(tree.files, sums) { listing += line.prefix(64) + "  " + f.path + "\n" }
        let reference = dir.url.appendingPathComponent("../listing-\(UUID().uuidString)").standardizedFileURL
        try Data(listing.utf8).write(to: reference)
        defer { try? fm.removeItem(at: reference) }
        XCTAssertEqual(tree.digest.hex, String(try runTool("/usr/bin/sha256sum", [reference.path]).prefix(64)))
    }

    func testSingleFileIsOneEntryWithItsName() throws {
        let dir = try TemporaryFolder()
        let file = dir.url.appendingPathComponent("submission.csv")
        try Data("id,p\n".utf8).write(to: file)
        let tree = try digestTree(at: file)
        XCTAssertEqual(tree.files, [FileDigest(path: "submission.csv", sha256: SHA256.hash(Data("id,p\n".utf8)), size: 5)])
    }

    func testSameContentDifferentFoldersSameDigest() throws {
        let a = try TemporaryFolder(), b = try TemporaryFolder()
        for d in [a, b] { try Data("x".utf8).write(to: d.url.appendingPathComponent("f")) }
        XCTAssertEqual(try digestTree(at: a.url).digest, try digestTree(at: b.url).digest)
        try Data("y".utf8).write(to: b.url.appendingPathComponent("f"))
        XCTAssertNotEqual(try digestTree(at: a.url).digest, try digestTree(at: b.url).digest)
    }

    func testSymlinkLoopIsRefused() throws {
        let dir = try TemporaryFolder()
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("a"), withIntermediateDirectories: true)
        XCTAssertEqual(symlink("..", dir.url.appendingPathComponent("a/up").path), 0)
        XCTAssertThrowsError(try digestTree(at: dir.url)) { XCTAssertTrue(String(describing: $0).contains("a/up"), String(describing: $0)) }
    }

    func testFifoIsRefusedByName() throws {
        let dir = try TemporaryFolder()
        let fifo = dir.url.appendingPathComponent("pipe")
        XCTAssertEqual(mkfifo(fifo.path, 0o644), 0)
        XCTAssertThrowsError(try digestTree(at: dir.url)) { XCTAssertTrue(String(describing: $0).contains("pipe")) }
    }
}
