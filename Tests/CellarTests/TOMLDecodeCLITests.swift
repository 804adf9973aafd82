import Foundation
import TestSupport
import XCTest

/// `cellar debug toml-decode` speaks toml-test's decoder protocol; the in-process suite covers
/// the parser, this checks the command's plumbing against two of the suite's own cases.
final class TOMLDecodeCLITests: XCTestCase {
    private func suiteFile(_ name: String) throws -> URL {
        let url = Fixtures.shared.appendingPathComponent("toml-test/tests/" + name)
        guard let found = try Fixtures.optional(url) else { throw XCTSkip("toml-test not found at \(url.path)") }
        return found
    }

    func testValidDocumentPrintsTaggedJSON() throws {
        let toml = try String(contentsOf: suiteFile("valid/spec-1.0.0/array-of-tables-0.toml"), encoding: .utf8)
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: suiteFile("valid/spec-1.0.0/array-of-tables-0.json")))
        let r = try CLI.run(["debug", "toml-decode"], stdin: toml)
        XCTAssertEqual(r.status, 0, r.stderr)
        let got = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        XCTAssertEqual(got as? NSDictionary, expected as? NSDictionary)
    }

    func testInvalidDocumentExitsOneWithLineAndColumn() throws {
        let r = try CLI.run(["debug", "toml-decode"], stdin: "a = 1\nb = [1, 2\nc = 3\n")
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(r.stderr.hasPrefix("3:1: "), r.stderr)
    }
}
