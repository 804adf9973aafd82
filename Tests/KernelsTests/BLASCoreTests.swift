import XCTest
@testable import Kernels

final class BLASCoreTests: XCTestCase {
    let avx512: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni"]
    let avx2: Set<String> = ["sse3", "avx", "avx2", "fma"]

    func testAMisdetectedAVX512MachineAsksForSkylakeX() {
        XCTAssertEqual(BLAS.betterCore(chosen: "Prescott", cpuFlags: avx512), "SkylakeX")
        XCTAssertEqual(BLAS.betterCore(chosen: "Haswell", cpuFlags: avx512), "SkylakeX")
    }

    func testAGoodChoiceIsLeftAlone() {
        for core in ["SkylakeX", "Cooperlake", "SAPPHIRERAPIDS"] {
            XCTAssertNil(BLAS.betterCore(chosen: core, cpuFlags: avx512), core)
        }
        XCTAssertNil(BLAS.betterCore(chosen: "Zen", cpuFlags: avx2))
        XCTAssertNil(BLAS.betterCore(chosen: "Haswell", cpuFlags: avx2))
    }

    func testAVX2MachinesGetHaswellAndOlderOnesNothing() {
        XCTAssertEqual(BLAS.betterCore(chosen: "Prescott", cpuFlags: avx2), "Haswell")
        XCTAssertNil(BLAS.betterCore(chosen: "Prescott", cpuFlags: ["sse3", "avx"]))
    }

    func testAUserChoiceIsNeverOverridden() {
        XCTAssertNil(BLAS.restartCore(environment: ["OPENBLAS_CORETYPE": "Prescott"]))
    }
}
