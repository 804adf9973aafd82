import Foundation

/// The machine a run happened on. Recorded for provenance; none of it joins a cache key or the
/// root digest (a cell kind declares what matters through `Cell.cacheKeyExtras`).
public struct EnvironmentRecord: Sendable, Codable, Equatable {
    public var cellarVersion: String
    public var os: String
    public var architecture: String
    public var cpuModel: String
    public var cpuFlags: [String]
    public var cpuCount: Int
    public var threads: Int

    enum CodingKeys: String, CodingKey {
        case os, architecture, threads
        case cellarVersion = "cellar_version"
        case cpuModel = "cpu_model"
        case cpuFlags = "cpu_flags"
        case cpuCount = "cpu_count"
    }

    public static func current(cellarVersion: String, threads: Int) -> EnvironmentRecord {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        func field(_ name: String) -> String? {
            for line in cpuinfo.split(separator: "\n") where line.hasPrefix(name) {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let key = line[..<colon].trimmingCharacters(in: .whitespaces)
                if key == name { return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
            }
            return nil
        }
        #if arch(x86_64)
        let arch = "x86_64"
        #elseif arch(arm64)
        let arch = "arm64"
        #else
        let arch = "unknown"
        #endif
        let flags = field("flags") ?? field("Features") ?? ""
        return EnvironmentRecord(
            cellarVersion: cellarVersion,
            os: operatingSystem(),
            architecture: arch,
            cpuModel: field("model name") ?? field("Model") ?? "unknown",
            cpuFlags: flags.split(separator: " ").map(String.init).sorted(),
            cpuCount: ProcessInfo.processInfo.activeProcessorCount,
            threads: threads)
    }

    /// "Debian GNU/Linux 12 (bookworm), Linux 6.1.0" — the distribution and the kernel.
    private static func operatingSystem() -> String {
        var kernel = ""
        var names = utsname()
        if uname(&names) == 0 {
            func text<T>(_ field: T) -> String {
                withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            }
            kernel = "\(text(names.sysname)) \(text(names.release))"
        }
        var distribution = ""
        if let release = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) {
            for line in release.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
                distribution = line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        let parts = [distribution, kernel].filter { !$0.isEmpty }
        return parts.isEmpty ? ProcessInfo.processInfo.operatingSystemVersionString : parts.joined(separator: ", ")
    }
}
