import Foundation
import XCTest

final class ImportGGUFCLITests: XCTestCase {
    func testBadInputsAreOneSentence() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-importcli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let notGGUF = dir.appendingPathComponent("x.gguf")
        try Data("definitely not a gguf".utf8).write(to: notGGUF)
        var r = try CLI.run(["import-gguf", notGGUF.path, "-o", dir.appendingPathComponent("out").path])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "cellar: \(notGGUF.path): is not a GGUF file (bytes 0-3 are 64 65 66 69, expected \"GGUF\" = 47 47 55 46)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
        r = try CLI.run(["import-gguf", notGGUF.path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("-o DIR is required"), r.stderr)
        r = try CLI.run(["import-gguf", notGGUF.path, "-o", "d", "--dtype", "q4"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("--dtype must be f16 or f32"), r.stderr)
    }
}
