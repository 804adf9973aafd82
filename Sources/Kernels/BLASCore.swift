import CBLAS
import Foundation

/// OpenBLAS picks its kernels once, when the library loads. Version 0.3.21 (Debian 12) takes
/// some virtualised Xeons for a "Prescott" and runs SSE3 kernels: sgemm at 40 GFLOP/s on this
/// machine's two cores instead of 220 with the AVX-512 ones (`cellar debug bench sgemm`). The
/// only cure is to start the process again with OPENBLAS_CORETYPE set, which `main` does.
extension BLAS {
    /// The kernel family OpenBLAS chose, e.g. "SkylakeX" or "Prescott".
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The OPENBLAS_CORETYPE this CPU deserves when OpenBLAS chose something weaker, else nil.
    /// `cpuFlags` are the words of /proc/cpuinfo's "flags" line.
    public static func betterCore(chosen: String, cpuFlags: Set<String>) -> String? {
        let chosen = chosen.lowercased()
        let avx512 = ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(cpuFlags.contains)
        let avx2 = ["avx2", "fma"].allSatisfy(cpuFlags.contains)
        let strong512 = ["skylakex", "cooperlake", "sapphirerapids"]
        let strong256 = strong512 + ["haswell", "zen"]
        if avx512 { return strong512.contains(where: chosen.contains) ? nil : "SkylakeX" }
        if avx2 { return strong256.contains(where: chosen.contains) ? nil : "Haswell" }
        return nil
    }

    /// The flags of the first processor in /proc/cpuinfo (empty where there is none).
    public static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// The OPENBLAS_CORETYPE to restart with, or nil when OpenBLAS chose well or the user set
    /// the variable (also how the restarted process knows not to restart again).
    public static func restartCore(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil else { return nil }
        return betterCore(chosen: coreName, cpuFlags: cpuFlags())
    }
}
