import Foundation
import CellKit
import Recipe

/// Tiny cell kinds for tests of the runner and of the `cellar` binary (kill -9, concurrent
/// runs). The executable registers them only when CELLAR_TEST_KINDS=1, so no user recipe can
/// name them by accident.
///
/// Each one records its invocation (the cell id) in `TestKinds.invocations` and, when
/// CELLAR_TEST_LOG names a file, appends "<cell id>\n" to it as it starts, so a test can count
/// runs independently of what the runner reports.
public enum TestKinds {
    public static let all: [any Cell.Type] = [
        TestWriteCell.self, TestCopyCell.self, TestUpperCell.self, TestSleepCell.self, TestFailCell.self,
        TestRandomCell.self,
    ]

    /// Adds the test kinds when `environment["CELLAR_TEST_KINDS"] == "1"`.
    public static func register(into registry: inout CellRegistry,
                                environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard environment["CELLAR_TEST_KINDS"] == "1" else { return }
        for kind in all { registry.register(kind) }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var calls: [String] = []

    /// Cell ids of every test-kind run in this process, in order.
    public static var invocations: [String] { lock.withLock { calls } }
    public static func resetInvocations() { lock.withLock { calls = [] } }

    static func record(_ context: CellContext) {
        lock.withLock { calls.append(context.cellID) }
        guard let path = ProcessInfo.processInfo.environment["CELLAR_TEST_LOG"] else { return }
        // O_APPEND: concurrent `cellar run` processes each add whole lines.
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { return }
        let line = Array("\(context.cellID)\n".utf8)
        _ = line.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    static let fileParameter = ParameterSpec("file", .string, help: "output file name (default out.txt)")

    static func write(_ text: String, _ context: CellContext) throws -> CellSummary {
        let name = context.string("file") ?? "out.txt"
        try Data(text.utf8).write(to: context.outputDirectory.appendingPathComponent(name))
        return CellSummary(lines: ["wrote \(name) (\(text.utf8.count) bytes)"], metrics: ["bytes": Double(text.utf8.count)])
    }

    static func read(_ context: CellContext) throws -> String {
        let url = try context.require(context.input("input"), "input")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            let names = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
            return try names.map { try String(contentsOf: url.appendingPathComponent($0), encoding: .utf8) }.joined()
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}

/// Writes `text` to `file`.
struct TestWriteCell: Cell {
    static let schema = CellSchema(kind: "test-write", summary: "test: write a text", parameters: [
        ParameterSpec("text", .string, required: true), TestKinds.fileParameter,
    ])
    static let version = 1
    func run(_ context: CellContext) throws -> CellSummary {
        TestKinds.record(context)
        return try TestKinds.write(try context.require(context.string("text"), "text"), context)
    }
}

/// Copies `input` (a file, or a folder's files concatenated) to `file`.
struct TestCopyCell: Cell {
    static let schema = CellSchema(kind: "test-copy", summary: "test: copy a file", parameters: [
        ParameterSpec("input", .string, required: true, isInput: true), TestKinds.fileParameter,
    ])
    static let version = 1
    func run(_ context: CellContext) throws -> CellSummary {
        TestKinds.record(context)
        return try TestKinds.write(try TestKinds.read(context), context)
    }
}

/// Upper-cases `input` into `file`.
struct TestUpperCell: Cell {
    static let schema = CellSchema(kind: "test-upper", summary: "test: upper-case a file", parameters: [
        ParameterSpec("input", .string, required: true, isInput: true), TestKinds.fileParameter,
    ])
    static let version = 1
    func run(_ context: CellContext) throws -> CellSummary {
        TestKinds.record(context)
        return try TestKinds.write(try TestKinds.read(context).uppercased(), context)
    }
}

/// Writes half its output, then sleeps `seconds` or until the file `release` exists, then
/// finishes: something to kill -9 mid-cell, or to hold the artifacts lock for a while.
struct TestSleepCell: Cell {
    static let schema = CellSchema(kind: "test-sleep", summary: "test: sleep inside a cell", parameters: [
        ParameterSpec("seconds", .float, required: true), ParameterSpec("release", .string),
        ParameterSpec("text", .string), TestKinds.fileParameter,
    ])
    static let version = 1
    func run(_ context: CellContext) throws -> CellSummary {
        TestKinds.record(context)
        let name = context.string("file") ?? "out.txt"
        let part = context.outputDirectory.appendingPathComponent(name + ".part")
        try Data("partial".utf8).write(to: part)
        let deadline = Date().addingTimeInterval(context.double("seconds") ?? 0)
        let release = context.string("release").map {
            URL(fileURLWithPath: $0, relativeTo: context.recipeFile.deletingLastPathComponent()).path
        }
        while Date() < deadline {
            if let release, FileManager.default.fileExists(atPath: release) { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        try FileManager.default.removeItem(at: part)
        return try TestKinds.write(context.string("text") ?? "slept", context)
    }
}

/// Always fails with `message`.
struct TestFailCell: Cell {
    static let schema = CellSchema(kind: "test-fail", summary: "test: fail", parameters: [
        ParameterSpec("message", .string), ParameterSpec("input", .string, isInput: true),
    ])
    static let version = 1
    func run(_ context: CellContext) throws -> CellSummary {
        TestKinds.record(context)
        try Data("half".utf8).write(to: context.outputDirectory.appendingPathComponent("half.txt"))
        throw CellError(cellID: context.cellID, context.string("message") ?? "failed on purpose")
    }
}

/// Writes different bytes every time: a non-deterministic cell for `--from`'s byte check.
struct TestRandomCell: Cell {
    static let schema = CellSchema(kind: "test-random", summary: "test: write random text", parameters: [
        TestKinds.fileParameter,
    ])
    static let version = 1
    func run(_ context: CellContext) throws -> CellSummary {
        TestKinds.record(context)
        return try TestKinds.write(UUID().uuidString, context)
    }
}
