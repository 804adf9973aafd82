import XCTest
import Foundation
@testable import Runner

final class ProgressAndReportTests: XCTestCase {
    func testProgressLineShowsRowsRateAndETA() {
        XCTAssertEqual(ProgressLine.format(cell: "prompt", done: 0, total: 25000, elapsed: 0), "prompt · 0/25000 rows")
        XCTAssertEqual(ProgressLine.format(cell: "prompt", done: 1200, total: 25000, elapsed: 15),
                       "prompt · 1200/25000 rows · 80.0 rows/s · ETA 4 min 57 s")
        XCTAssertEqual(ProgressLine.format(cell: "choose", done: 300, total: 400, elapsed: 2),
                       "choose · 300/400 rows · 150 rows/s · ETA 0.67 s")
        XCTAssertEqual(ProgressLine.format(cell: "choose", done: 400, total: 400, elapsed: 2), "choose · 400/400 rows · 200 rows/s")
    }

    func testProgressOnlyOnATerminalOutsideCI() {
        XCTAssertTrue(ProgressLine.enabled(stderrIsTerminal: true, environment: [:]))
        XCTAssertFalse(ProgressLine.enabled(stderrIsTerminal: false, environment: [:]))
        XCTAssertFalse(ProgressLine.enabled(stderrIsTerminal: true, environment: ["CI": "true"]))
        XCTAssertTrue(ProgressLine.enabled(stderrIsTerminal: true, environment: ["CI": "false"]))
    }

    func testNotebookCellIDsAreValidAndUnique() {
        XCTAssertEqual(NotebookReport.cellID(0, "load model"), "cell-1-load_model")
        XCTAssertEqual(NotebookReport.cellID(1, "é.x"), "cell-2-__x")
        XCTAssertEqual(NotebookReport.cellID(2, String(repeating: "a", count: 100)).count, 64)
        let cell = NotebookReport.markdownCell(id: "x", source: "a\nb\n\nc")
        XCTAssertEqual(cell, .object(["cell_type": .string("markdown"), "id": .string("x"), "metadata": .object([:]),
                                      "source": .array([.string("a\n"), .string("b\n"), .string("\n"), .string("c")])]))
    }
}
