import Foundation
import Kernels
import XCTest

/// The cellar binary restarts itself when OpenBLAS chose kernels weaker than the CPU runs.
final class BLASCoreCLITests: XCTestCase {
    func testTheBinaryRunsTheKernelsTheCPUDeserves() throws {
        let p = Process()
        p.executableURL = CLI.executable
        p.arguments = ["debug", "blas-core"]
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_CORETYPE"] = nil            // as a user's shell would start it
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let core = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(core.isEmpty)
        XCTAssertNil(BLAS.betterCore(chosen: core, cpuFlags: BLAS.cpuFlags()),
                     "cellar runs OpenBLAS's \(core) kernels on a CPU with flags that deserve better")
    }
}
