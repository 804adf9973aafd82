import Bundle
import Foundation
import XCTest

/// A fresh folder under the system temp dir, removed when the value goes away.
final class TemporaryFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-bundle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Every path under the folder, relative and sorted (links not followed).
    func listing() -> [String] {
        guard let e = FileManager.default.enumerator(atPath: url.path) else { return [] }
        return (e.allObjects as? [String] ?? []).sorted()
    }
}

/// Builds an archive with the given writer calls.
func makeArchive(_ url: URL, _ build: (ArchiveWriter) throws -> Void) throws {
    let format = try XCTUnwrap(ArchiveWriter.Format(fileName: url.lastPathComponent))
    let w = try ArchiveWriter(url: url, format: format)
    try build(w)
    try w.finish()
}

func python(_ script: String, _ args: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script] + args
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw NSError(domain: "python", code: Int(p.terminationStatus)) }
    return String(decoding: data, as: UTF8.self)
}
