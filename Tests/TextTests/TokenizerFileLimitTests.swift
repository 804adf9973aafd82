import Foundation
import XCTest
@testable import Text

/// A file named tokenizer.json (or tokenizer_config.json) far larger than any real one is
/// refused by its size before it is read, instead of being read and parsed into memory.
final class TokenizerFileLimitTests: XCTestCase {
    func testOversizedTokenizerJSONIsRefusedBeforeReading() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-toklimit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Sparse: the size is real to stat(2) but takes no disk.
        let file = folder.appendingPathComponent("tokenizer.json")
        XCTAssertTrue(FileManager.default.createFile(atPath: file.path, contents: Data("{".utf8)))
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: UInt64(TokenizerFileLimits.maximumTokenizerJSONBytes) + 1)
        try handle.close()
        XCTAssertThrowsError(try Tokenizer.load(model: folder)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(file.path + ": is 268435457 bytes, more than the 268435456-byte limit"), text)
        }

        let config = folder.appendingPathComponent("tokenizer_config.json")
        XCTAssertTrue(FileManager.default.createFile(atPath: config.path, contents: Data("{".utf8)))
        let configHandle = try FileHandle(forWritingTo: config)
        try configHandle.truncate(atOffset: UInt64(TokenizerFileLimits.maximumConfigBytes) + 1)
        try configHandle.close()
        XCTAssertThrowsError(try TokenizerConfig.load(model: folder)) { error in
            XCTAssertTrue("\(error)".contains("tokenizer_config.json: is 16777217 bytes, more than the 16777216-byte limit"), "\(error)")
        }
    }
}
