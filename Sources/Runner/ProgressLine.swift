import Foundation

/// The in-place progress line a terminal shows while a long cell runs.
public enum ProgressLine {
    /// "prompt · 1200/25000 rows · 85.3 rows/s · ETA 4 min 39 s" (rate and ETA once known).
    public static func format(cell: String, done: Int, total: Int, elapsed: Double) -> String {
        var line = "\(cell) · \(done)/\(total) rows"
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        if rate > 0 {
            line += rate >= 100 ? String(format: " · %.0f rows/s", rate) : String(format: " · %.1f rows/s", rate)
            if total > done { line += " · ETA \(RunConsole.seconds(Double(total - done) / rate))" }
        }
        return line
    }

    /// Progress is drawn only for a person watching: stderr a terminal and not under CI.
    public static func enabled(stderrIsTerminal: Bool = isatty(2) == 1,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard stderrIsTerminal else { return false }
        let ci = environment["CI"]?.lowercased()
        return !(ci == "true" || ci == "1")
    }
}
