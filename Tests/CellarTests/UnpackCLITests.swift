import Foundation
import XCTest

final class UnpackCLITests: XCTestCase {
    func testUnpackRefusesTraversalWithEntryNameAndExitOne() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-unpack-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Python's tarfile writes the archives: an independent producer.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", """
        import tarfile, io, sys
        def add(t, name, data):
            i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
        with tarfile.open(sys.argv[1] + "/evil.tar.gz", "w:gz") as t:
            add(t, "ok.txt", b"ok"); add(t, "../evil.txt", b"no")
        with tarfile.open(sys.argv[1] + "/good.tar.gz", "w:gz") as t:
            add(t, "d/ok.txt", b"ok")
        """, dir.path]
        try p.run(); p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)

        let bad = try CLI.run(["unpack", dir.appendingPathComponent("evil.tar.gz").path, "-C", dir.appendingPathComponent("out").path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("'../evil.txt'") && bad.stderr.contains("'..'"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("evil.txt").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))

        let good = try CLI.run(["unpack", dir.appendingPathComponent("good.tar.gz").path, "-C", dir.appendingPathComponent("out").path])
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("out/d/ok.txt"), encoding: .utf8), "ok")

        let usage = try CLI.run(["unpack", dir.appendingPathComponent("good.tar.gz").path])
        XCTAssertEqual(usage.status, 2)
    }
}
