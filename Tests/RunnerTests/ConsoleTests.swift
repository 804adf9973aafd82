import Foundation
import XCTest
@testable import Runner

/// The notebook-style console: a block per cell with id, kind, ran/cached, seconds, summary.
final class ConsoleTests: XCTestCase {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func append(_ s: String) { lock.withLock { text += s } }
        var all: String { lock.withLock { text } }
    }

    func testOneBlockPerCellThenTheTotals() throws {
        let s = try Scratch()
        let lines = Lines()
        let console = RunConsole(write: { lines.append($0) }, progressToTerminal: false)
        try s.run(chainRecipe())
        let result = try s.runner(chainRecipe(other: "changed")).run { console.handle($0) }
        console.finish(result)
        let blocks = lines.all.components(separatedBy: "── ").dropFirst()
        XCTAssertEqual(blocks.count, 4, lines.all)
        let d = try XCTUnwrap(blocks.last)
        XCTAssertTrue(d.hasPrefix("[4/4] d · test-write "), d)
        XCTAssertTrue(d.contains("\n   ran in "), d)
        XCTAssertTrue(d.contains(" s · 1 file, 7 B · outputs "), d)
        XCTAssertTrue(d.contains("\n   wrote out.txt (7 bytes)\n"), d)
        let a = try XCTUnwrap(blocks.first)
        XCTAssertTrue(a.hasPrefix("[1/4] a · test-write "), a)
        XCTAssertTrue(a.contains("\n   cached · 1 file, 5 B · outputs "), a)
        XCTAssertTrue(a.contains("\n   wrote out.txt (5 bytes)\n"), "a cached cell shows the summary of its last run: \(a)")
        XCTAssertTrue(lines.all.contains("\n1 ran, 3 cached · root \(result.manifest.predicate.rootDigest)\n"), lines.all)
        XCTAssertTrue(lines.all.hasSuffix("manifest \(result.manifestURL.path)\nreport \(s.folder.path)/artifacts/chain/report.ipynb\n"), lines.all)
    }

    func testSizesAndDurationsReadEasily() {
        XCTAssertEqual(RunConsole.bytes(999), "999 B")
        XCTAssertEqual(RunConsole.bytes(1536), "1.5 KiB")
        XCTAssertEqual(RunConsole.bytes(3 * 1024 * 1024 * 1024), "3.0 GiB")
        XCTAssertEqual(RunConsole.seconds(0.5), "0.50 s")
        XCTAssertEqual(RunConsole.seconds(125), "2 min 05 s")
    }
}
