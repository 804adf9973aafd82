import Bundle
import Foundation
import Store
import TestSupport
import XCTest

final class PackerTests: XCTestCase {
    private func makeTree(_ root: URL, mtime: Int) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("b/c"), withIntermediateDirectories: true)
        let files = ["b/c/z.txt": "zed", "a.txt": "alpha", "B.bin": "upper", "b/run": "#!/bin/sh\n"]
        for (p, s) in files {
            let url = root.appendingPathComponent(p)
            try Data(s.utf8).write(to: url)
            var times = [timespec(tv_sec: mtime, tv_nsec: 0), timespec(tv_sec: mtime, tv_nsec: 0)]
            utimensat(AT_FDCWD, url.path, &times, 0)
        }
        chmod(root.appendingPathComponent("b/run").path, 0o750)
        chmod(root.appendingPathComponent("a.txt").path, 0o600)
    }

    func testSameContentGivesSameBytesFromDifferentFoldersAndTimes() throws {
        for ext in ["tar.gz", "zip"] {
            let one = try TemporaryFolder(), two = try TemporaryFolder(), out = try TemporaryFolder()
            try makeTree(one.url, mtime: 1_000_000_000)
            try makeTree(two.url.appendingPathComponent("deeper"), mtime: 1_700_000_000)
            let d1 = try Packer.pack(try Packer.items(in: one.url, prefix: "pkg/"), to: out.file("1.\(ext)"))
            sleep(1)
            let d2 = try Packer.pack(try Packer.items(in: two.url.appendingPathComponent("deeper"), prefix: "pkg/"), to: out.file("2.\(ext)"))
            XCTAssertEqual(d1, d2, ext)
            XCTAssertEqual(try Data(contentsOf: out.file("1.\(ext)")), try Data(contentsOf: out.file("2.\(ext)")), ext)
            XCTAssertEqual(try SHA256.hash(file: out.file("1.\(ext)")), d1)
        }
    }

    /// Headers checked with Python's tarfile, zipfile and the raw gzip header: an independent
    /// reading of what was written.
    func testHeadersAreNormalised() throws {
        guard try Fixtures.hasPython("tarfile") else { throw XCTSkip("python3 missing") }
        let src = try TemporaryFolder(), out = try TemporaryFolder()
        try makeTree(src.url, mtime: 1_234_567_890)
        try Packer.pack(try Packer.items(in: src.url), to: out.file("p.tar.gz"))
        try Packer.pack(try Packer.items(in: src.url), to: out.file("p.zip"))
        let gz = [UInt8](try Data(contentsOf: out.file("p.tar.gz")).prefix(10))
        XCTAssertEqual(Array(gz[0...2]), [0x1f, 0x8b, 8])
        XCTAssertEqual(gz[3] & 0x08, 0, "gzip FNAME flag set")
        XCTAssertEqual(Array(gz[4...7]), [0, 0, 0, 0], "gzip MTIME set")
        let script = """
        import sys, tarfile, zipfile
        with tarfile.open(sys.argv[1]) as t:
            for m in t.getmembers():
                print("tar", m.name, oct(m.mode), m.uid, m.gid, repr(m.uname), repr(m.gname), m.mtime, m.type.decode())
        with zipfile.ZipFile(sys.argv[2]) as z:
            for i in z.infolist():
                print("zip", i.filename, oct(i.external_attr >> 16), i.date_time)
        """
        let lines = try python(script, [out.file("p.tar.gz").path, out.file("p.zip").path]).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, [
            "tar B.bin 0o644 0 0 '' '' 946684800 0",
            "tar a.txt 0o644 0 0 '' '' 946684800 0",
            "tar b/c/z.txt 0o644 0 0 '' '' 946684800 0",
            "tar b/run 0o755 0 0 '' '' 946684800 0",
            "zip B.bin 0o100644 (2000, 1, 1, 0, 0, 0)",
            "zip a.txt 0o100644 (2000, 1, 1, 0, 0, 0)",
            "zip b/c/z.txt 0o100644 (2000, 1, 1, 0, 0, 0)",
            "zip b/run 0o100755 (2000, 1, 1, 0, 0, 0)",
        ])
    }

    func testPackThenUnpackRestoresFiles() throws {
        let src = try TemporaryFolder(), out = try TemporaryFolder(), dest = try TemporaryFolder()
        try makeTree(src.url, mtime: 1_000_000_000)
        try Packer.pack(try Packer.items(in: src.url), to: out.file("p.zip"))
        try Unpacker().unpack(out.file("p.zip"), into: dest.url)
        XCTAssertEqual(try digestTree(at: dest.url).digest, try digestTree(at: src.url).digest)
    }

    func testRefusesBadNamesAndFormats() throws {
        let src = try TemporaryFolder(), out = try TemporaryFolder()
        try Data("x".utf8).write(to: src.file("x"))
        XCTAssertThrowsError(try Packer.pack([.init(path: "../x", source: src.file("x"))], to: out.file("p.tar.gz")))
        XCTAssertThrowsError(try Packer.pack([.init(path: "x", source: src.file("x"))], to: out.file("p.rar"))) {
            XCTAssertTrue(String(describing: $0).contains(".tar.gz or .zip"))
        }
        XCTAssertThrowsError(try Packer.pack([.init(path: "x", source: src.file("x")), .init(path: "x", source: src.file("x"))],
                                             to: out.file("p.zip"))) { XCTAssertTrue(String(describing: $0).contains("twice")) }
        XCTAssertEqual(out.listing(), [])
    }
}
