import XCTest

final class CLITests: XCTestCase {
    func testHelpListsEveryCommand() throws {
        let r = try CLI.run(["--help"])
        XCTAssertEqual(r.status, 0)
        for name in ["run", "plan", "verify", "pack", "unpack", "inspect", "tokenize", "template", "logits",
                     "import-gguf", "quantize"] {
            XCTAssertTrue(r.stdout.contains("cellar \(name) "), "help lacks \(name)")
        }
    }

    func testUnknownCommandIsAUsageError() throws {
        let r = try CLI.run(["frobnicate"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("unknown command 'frobnicate'"), r.stderr)
    }
}
