import Foundation
import XCTest
@testable import Store

final class AtomicFileTests: XCTestCase {
    func testWriteReplacesAndLeavesNoTemporaries() throws {
        let dir = try TemporaryFolder()
        let url = dir.url.appendingPathComponent("sub/file.json")
        try AtomicFile.write(Data("one".utf8), to: url)
        try AtomicFile.write(Data("two".utf8), to: url)
        XCTAssertEqual(try Data(contentsOf: url), Data("two".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path), ["file.json"])
    }

    func testUnwritableTargetNamesPath() throws {
        let dir = try TemporaryFolder()
        let blocker = dir.url.appendingPathComponent("blocker")
        try Data("x".utf8).write(to: blocker)
        let target = blocker.appendingPathComponent("file")
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: target)) { error in
            XCTAssertTrue(error is StoreError)
            XCTAssertTrue(String(describing: error).contains("blocker"), String(describing: error))
        }
    }
}
