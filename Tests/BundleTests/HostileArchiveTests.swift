import Bundle
import Foundation
import Store
import XCTest

/// Each archive is built here, unpacked into `box/dest`, and must be refused with a message
/// naming the entry and the reason, leaving nothing in `box` but what was there before.
final class HostileArchiveTests: XCTestCase {
    private func assertRefused(_ archiveName: String, entry: String?, reason: String,
                               limits: UnpackLimits = UnpackLimits(),
                               file: StaticString = #filePath, line: UInt = #line,
                               _ build: (ArchiveWriter) throws -> Void) throws {
        let work = try TemporaryFolder()
        let archive = work.file(archiveName)
        try makeArchive(archive, build)
        try assertRefused(archive, entry: entry, reason: reason, limits: limits, file: file, line: line)
    }

    private func assertRefused(_ archive: URL, entry: String?, reason: String, limits: UnpackLimits = UnpackLimits(),
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let box = try TemporaryFolder()
        try Data("keep".utf8).write(to: box.file("sentinel"))
        XCTAssertThrowsError(try Unpacker(limits: limits).unpack(archive, into: box.file("dest")), file: file, line: line) { error in
            let message = String(describing: error)
            XCTAssertTrue(error is BundleError, file: file, line: line)
            if let entry { XCTAssertTrue(message.contains("'\(entry)'"), "no entry name in: \(message)", file: file, line: line) }
            XCTAssertTrue(message.contains(reason), "expected '\(reason)' in: \(message)", file: file, line: line)
        }
        XCTAssertEqual(box.listing(), ["sentinel"], "something was left behind", file: file, line: line)
        XCTAssertEqual(try Data(contentsOf: box.file("sentinel")), Data("keep".utf8), file: file, line: line)
    }

    func testPathTraversal() throws {
        try assertRefused("t.tar", entry: "../evil.txt", reason: "'..'") { w in
            try w.addFile("ok.txt", data: Data("fine".utf8))
            try w.addFile("../evil.txt", data: Data("evil".utf8))
        }
        try assertRefused("t.zip", entry: "a/../../evil.txt", reason: "'..'") { w in
            try w.addFile("a/../../evil.txt", data: Data("evil".utf8))
        }
    }

    func testAbsolutePath() throws {
        let target = "/tmp/cellar-absolute-\(UUID().uuidString)"
        try assertRefused("a.tar.gz", entry: target, reason: "absolute path") { w in
            try w.addFile("fine/first.txt", data: Data("fine".utf8))
            try w.addFile(target, data: Data("evil".utf8))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))
    }

    func testSymlinkEscape() throws {
        try assertRefused("s.tar", entry: "link", reason: "outside the destination folder") { w in
            try w.addSymlink("link", target: "../../etc")
        }
        try assertRefused("s2.tar", entry: "abs", reason: "absolute path") { w in
            try w.addSymlink("abs", target: "/etc/passwd")
        }
        // Lexically inside, but through another link that points at the folder itself:
        // "up" → "self/.." where self → "." really resolves to the parent of the folder.
        try assertRefused("s3.tar", entry: "up", reason: "resolves outside") { w in
            try w.addSymlink("self", target: ".")
            try w.addSymlink("up", target: "self/..")
        }
        // A file written through a link into the outside world.
        try assertRefused("s4.zip", entry: "dir", reason: "would overwrite") { w in
            try w.addFile("dir/x.txt", data: Data("x".utf8))
            try w.addSymlink("dir", target: ".")
        }
    }

    func testHardlinkEscape() throws {
        try assertRefused("h.tar", entry: "h", reason: "'..'") { w in
            try w.addHardlink("h", target: "../../etc/passwd")
        }
        try assertRefused("h2.tar", entry: "h2", reason: "absolute path") { w in
            try w.addHardlink("h2", target: "/etc/passwd")
        }
        try assertRefused("h3.tar", entry: "h3", reason: "not a file extracted earlier") { w in
            try w.addHardlink("h3", target: "missing.txt")
        }
    }

    func testFifoAndDeviceEntries() throws {
        try assertRefused("f.tar", entry: "pipe", reason: "is a fifo") { w in
            try w.addFile("ok.txt", data: Data("ok".utf8))
            try w.addSpecial("pipe", type: .fifo)
        }
        try assertRefused("d.tar", entry: "null", reason: "is a device") { w in
            try w.addSpecial("null", type: .characterDevice)
        }
    }

    func testGzipBomb() throws {
        try assertRefused("bomb.tar.gz", entry: "zeros.bin", reason: "decompression bomb") { w in
            try w.addFile("zeros.bin", data: Data(count: 40 << 20))
        }
    }

    func testZipBomb() throws {
        try assertRefused("bomb.zip", entry: nil, reason: "decompression bomb") { w in
            for i in 0..<4 { try w.addFile("zeros\(i).bin", data: Data(count: 12 << 20)) }
        }
    }

    func testEntrySizeLimit() throws {
        var limits = UnpackLimits()
        limits.maxEntryBytes = 1000
        try assertRefused("big.tar", entry: "big.bin", reason: "beyond the limit of 1000", limits: limits) { w in
            try w.addFile("big.bin", data: Data(repeating: 7, count: 5000))
        }
    }

    func testTruncatedGzip() throws {
        let work = try TemporaryFolder()
        let archive = work.file("t.tar.gz")
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        let noise = try random.read(upToCount: 300_000) ?? Data()
        try random.close()
        try makeArchive(archive) { w in try w.addFile("random.bin", data: noise) }
        let bytes = try Data(contentsOf: archive)
        try bytes.prefix(bytes.count / 2).write(to: archive)
        try assertRefused(archive, entry: "random.bin", reason: "unreadable data")
    }

    func testZipWithCorruptCentralDirectory() throws {
        let work = try TemporaryFolder()
        let archive = work.file("c.zip")
        try makeArchive(archive) { w in
            try w.addFile("a.txt", data: Data("alpha".utf8))
            try w.addFile("b.txt", data: Data("beta".utf8))
        }
        var bytes = try Data(contentsOf: archive)
        // Every central-directory header signature "PK\1\2" becomes garbage.
        let signature = Data([0x50, 0x4b, 0x01, 0x02])
        var found = 0
        while let r = bytes.range(of: signature) { bytes.replaceSubrange(r, with: Data([0x58, 0x58, 0x58, 0x58])); found += 1 }
        XCTAssertEqual(found, 2)
        try bytes.write(to: archive)
        try assertRefused(archive, entry: nil, reason: "central directory is corrupt")
    }

    func testWheelWithWrongDigest() throws {
        let good = SHA256.hash(Data("print('hi')\n".utf8))
        let b64 = Data(good.bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let record = "pkg/__init__.py,sha256=\(b64),12\npkg-1.0.dist-info/RECORD,,\n"
        try assertRefused("pkg-1.0-py3-none-any.whl", entry: "pkg/__init__.py", reason: "RECORD says \(good.hex)") { w in
            try w.addFile("pkg/__init__.py", data: Data("print('HI')\n".utf8))
            try w.addFile("pkg-1.0.dist-info/RECORD", data: Data(record.utf8))
        }
        try assertRefused("pkg-1.0-py3-none-any.whl", entry: "pkg/extra.py", reason: "not listed in the wheel's RECORD") { w in
            try w.addFile("pkg/__init__.py", data: Data("print('hi')\n".utf8))
            try w.addFile("pkg/extra.py", data: Data("x = 1\n".utf8))
            try w.addFile("pkg-1.0.dist-info/RECORD", data: Data(record.utf8))
        }
    }

    func testDuplicateAndOverwrite() throws {
        try assertRefused("dup.tar", entry: "./a.txt", reason: "appears twice") { w in
            try w.addFile("a.txt", data: Data("1".utf8))
            try w.addFile("./a.txt", data: Data("2".utf8))
        }
        // A file already in the destination is never replaced.
        let work = try TemporaryFolder()
        let archive = work.file("o.tar")
        try makeArchive(archive) { w in try w.addFile("existing.txt", data: Data("new".utf8)) }
        let dest = try TemporaryFolder()
        try Data("mine".utf8).write(to: dest.file("existing.txt"))
        XCTAssertThrowsError(try Unpacker().unpack(archive, into: dest.url)) {
            XCTAssertTrue(String(describing: $0).contains("would overwrite"), String(describing: $0))
        }
        XCTAssertEqual(try Data(contentsOf: dest.file("existing.txt")), Data("mine".utf8))
    }

    /// A destination that already contains a link out must not be written through.
    func testPreexistingSymlinkInDestinationIsNotFollowed() throws {
        let work = try TemporaryFolder(), outside = try TemporaryFolder(), dest = try TemporaryFolder()
        let archive = work.file("p.tar")
        try makeArchive(archive) { w in try w.addFile("out/evil.txt", data: Data("evil".utf8)) }
        XCTAssertEqual(symlink(outside.url.path, dest.file("out").path), 0)
        XCTAssertThrowsError(try Unpacker().unpack(archive, into: dest.url)) {
            XCTAssertTrue(String(describing: $0).contains("through the symbolic link 'out'"), String(describing: $0))
        }
        XCTAssertEqual(outside.listing(), [])
    }

    func testNotAnArchive() throws {
        let work = try TemporaryFolder()
        let junk = work.file("junk.tar.gz")
        try Data("this is not an archive at all".utf8).write(to: junk)
        try assertRefused(junk, entry: nil, reason: "junk.tar.gz")
    }
}
