import Foundation
import XCTest

/// `cellar pack`, `unpack` and `verify` end to end with the test-only cell kinds.
final class PackCLITests: XCTestCase {
    var folder: URL!
    let environment = ["CELLAR_TEST_KINDS": "1"]

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-pack-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("proj/data"), withIntermediateDirectories: true)
        try Data("hello data\n".utf8).write(to: folder.appendingPathComponent("proj/data/in.txt"))
        try Data("""
            [recipe]
            name = "demo"

            [[cell]]
            id = "a"
            kind = "test-copy"
            input = "data/in.txt"

            [[cell]]
            id = "b"
            kind = "test-upper"
            input = "@a/out.txt"
            """.utf8).write(to: folder.appendingPathComponent("proj/recipe.toml"))
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ p: String) -> String { folder.appendingPathComponent(p).path }

    func sha256(_ p: String) throws -> String {
        let r = Process()
        r.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        r.arguments = [p]
        let pipe = Pipe(); r.standardOutput = pipe
        try r.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        r.waitUntilExit()
        return String(String(decoding: out, as: UTF8.self).prefix(64))
    }

    func testRoundTripIsDeterministicCachedAndVerifiable() throws {
        let first = try CLI.run(["run", path("proj/recipe.toml"), "--json"], environment: environment)
        XCTAssertEqual(first.status, 0, first.stderr)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("proj/artifacts/demo/manifest.json"))) as? [String: Any]
        let root = try XCTUnwrap((manifest?["predicate"] as? [String: Any])?["root_digest"] as? String)

        // Packing twice, and from a copy of the folder made later, gives the same bytes.
        for ext in ["tar.gz", "zip"] {
            let one = try CLI.run(["pack", path("proj/recipe.toml"), "-o", path("one.\(ext)"), "--with-inputs"], environment: environment)
            XCTAssertEqual(one.status, 0, one.stderr)
            let two = try CLI.run(["pack", path("proj/recipe.toml"), "-o", path("two.\(ext)"), "--with-inputs"], environment: environment)
            XCTAssertEqual(two.status, 0, two.stderr)
            XCTAssertEqual(try sha256(path("one.\(ext)")), try sha256(path("two.\(ext)")))
        }
        try FileManager.default.copyItem(at: folder.appendingPathComponent("proj"), to: folder.appendingPathComponent("copy/elsewhere"))
        let copied = try CLI.run(["pack", path("copy/elsewhere/recipe.toml"), "-o", path("three.tar.gz"), "--with-inputs"], environment: environment)
        XCTAssertEqual(copied.status, 0, copied.stderr)
        XCTAssertEqual(try sha256(path("one.tar.gz")), try sha256(path("three.tar.gz")))

        // Unpack into an empty folder elsewhere: verify passes, every cell is cached, same root.
        let unpacked = try CLI.run(["unpack", path("one.tar.gz"), "-C", path("there")])
        XCTAssertEqual(unpacked.status, 0, unpacked.stderr)
        XCTAssertEqual(try CLI.run(["verify", path("one.tar.gz")]).status, 0)
        let verified = try CLI.run(["verify", path("there")])
        XCTAssertEqual(verified.status, 0, verified.stderr)
        let rerun = try CLI.run(["run", path("there/recipe.toml"), "--json"], environment: environment)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(rerun.stdout.utf8)) as? [String: Any])
        let cells = try XCTUnwrap(result["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.map { $0["status"] as? String }, ["cached", "cached"])
        XCTAssertTrue(rerun.stdout.contains(root), "root digest changed: \(rerun.stdout)")

        // One flipped byte in an artifact: verify of the folder and of a package made from it
        // (by Python's tarfile, since pack refuses artifacts that do not verify) names the file.
        let key = try XCTUnwrap(cells[0]["key"] as? String)
        let artifact = folder.appendingPathComponent("there/artifacts/cache/\(key)/out.txt")
        var bytes = try Data(contentsOf: artifact)
        bytes[0] ^= 0x01
        try bytes.write(to: artifact)
        let broken = try CLI.run(["verify", path("there")])
        XCTAssertEqual(broken.status, 1)
        XCTAssertTrue(broken.stderr.contains("cell 'a': output out.txt has sha256"), broken.stderr)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import tarfile,sys\nwith tarfile.open(sys.argv[1], 'w:gz') as t: t.add(sys.argv[2], arcname='.')",
                       path("flipped.tar.gz"), path("there")]
        try p.run(); p.waitUntilExit()
        let brokenPackage = try CLI.run(["verify", path("flipped.tar.gz")])
        XCTAssertEqual(brokenPackage.status, 1)
        XCTAssertTrue(brokenPackage.stderr.contains("cell 'a': output out.txt has sha256"), brokenPackage.stderr)
        XCTAssertEqual(try CLI.run(["pack", path("there/recipe.toml"), "-o", path("no.zip")], environment: environment).status, 1)
    }

    func testPackNeedsARunAndAKnownFormat() throws {
        let none = try CLI.run(["pack", path("proj/recipe.toml"), "-o", path("p.tar.gz")], environment: environment)
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("run it first"), none.stderr)
        let format = try CLI.run(["pack", path("proj/recipe.toml"), "-o", path("p.rar")], environment: environment)
        XCTAssertEqual(format.status, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("p.tar.gz")))
    }
}
