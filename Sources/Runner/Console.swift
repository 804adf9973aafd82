import Foundation
import Store

/// The notebook-style console: one block per cell (id, kind, ran or cached, seconds, what it
/// produced, the cell's own summary lines), and a progress line on a terminal while a cell runs.
public final class RunConsole: @unchecked Sendable {
    private let lock = NSLock()
    private let write: @Sendable (String) -> Void
    private let progressToTerminal: Bool
    private var lastProgress = Date.distantPast
    private var progressStart: [String: Date] = [:]
    private var progressShown = false

    /// `write` receives whole lines (with their newline); progress goes to stderr only when it
    /// is a terminal and CI is not set, so logs stay clean.
    public init(write: @escaping @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) },
                progressToTerminal: Bool = ProgressLine.enabled()) {
        self.write = write
        self.progressToTerminal = progressToTerminal
    }

    public func handle(_ event: RunEvent) {
        lock.withLock {
            switch event {
            case .cellStarted(let index, let total, let id, let kind, _):
                emit("── [\(index + 1)/\(total)] \(id) · \(kind) " + String(repeating: "─", count: max(3, 50 - id.count - kind.count)) + "\n")
            case .log(_, let line):
                emit("   \(line)\n")
            case .progress(let cell, let done, let total):
                showProgress(cell: cell, done: done, total: total)
            case .cellFinished(_, _, let record):
                let bytes = record.outputs.files.reduce(0) { $0 + $1.size }
                let files = record.outputs.files.count == 1 ? "1 file" : "\(record.outputs.files.count) files"
                var head = record.status == .ran ? "ran in \(RunConsole.seconds(record.seconds))" : "cached"
                head += " · \(files), \(RunConsole.bytes(bytes)) · outputs \(record.outputs.digest.description.prefix(12))"
                if let same = record.byteIdentical { head += same ? " · byte-identical to before" : " · DIFFERS from before" }
                emit("   \(head)\n")
                for line in record.summary { emit("   \(line)\n") }
            }
        }
    }

    /// The closing lines of a run.
    public func finish(_ result: RunResult) {
        let cells = result.manifest.predicate.cells
        let ran = cells.filter { $0.status == .ran }.count
        var text = "\n\(ran) ran, \(cells.count - ran) cached · root \(result.manifest.predicate.rootDigest)\n"
        text += result.manifestWritten ? "manifest \(result.manifestURL.path)\n" : "manifest left as it was (--only)\n"
        if let report = result.reportURL { text += "report \(report.path)\n" }
        if !result.exported.isEmpty {
            text += "exported \(result.exported.joined(separator: ", ")) → \(result.manifestURL.deletingLastPathComponent().path)/\n"
        }
        lock.withLock { emit(text) }
    }

    private func emit(_ text: String) {
        if progressShown {
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
            progressShown = false
        }
        write(text)
    }

    private func showProgress(cell: String, done: Int, total: Int) {
        guard progressToTerminal else { return }
        let now = Date()
        let start = progressStart[cell] ?? now
        progressStart[cell] = start
        guard now.timeIntervalSince(lastProgress) >= 0.25 || done == total else { return }
        lastProgress = now
        let line = "\r\u{1B}[K   " + ProgressLine.format(cell: cell, done: done, total: total, elapsed: now.timeIntervalSince(start))
        FileHandle.standardError.write(Data(line.utf8))
        progressShown = true
    }

    static func seconds(_ s: Double) -> String {
        s < 60 ? String(format: "%.2f s", s) : String(format: "%d min %02d s", Int(s) / 60, Int(s) % 60)
    }

    static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var v = Double(n) / 1024
        var u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return String(format: "%.1f %@", v, units[u])
    }
}

extension PlannedCell {
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(id), "kind": .string(kind), "status": .string(status.rawValue),
            "reasons": .array(reasons.map { .object(["code": .string($0.code), "message": .string($0.description)]) }),
        ]
        o["key"] = key.map { .string($0) } ?? .null
        return .object(o)
    }

    /// "a  (test-write)  will run: parameter text changed ("x" → "y")"
    public var line: String {
        var s = "\(id) (\(kind)): \(status.rawValue)"
        if !reasons.isEmpty { s += " — " + reasons.map(\.description).joined(separator: "; ") }
        return s
    }
}

extension RunResult {
    /// `cellar run --json`: the outcome per cell, without the full manifest.
    public var json: JSONValue {
        let p = manifest.predicate
        return .object([
            "recipe": .string(p.recipe.name),
            "manifest": manifestWritten ? .string(manifestURL.path) : .null,
            "root_digest": .string(p.rootDigest.description),
            "report": reportURL.map { .string($0.path) } ?? .null,
            "exported": .array(exported.map { .string($0) }),
            "cells": .array(p.cells.map { c in
                .object([
                    "id": .string(c.id), "kind": .string(c.kind), "status": .string(c.status.rawValue),
                    "key": .string(c.key.description), "seconds": .double(c.seconds),
                    "outputs": .string(c.outputs.digest.description),
                    "byte_identical": c.byteIdentical.map { .bool($0) } ?? .null,
                    "summary": .array(c.summary.map { .string($0) }),
                ])
            }),
        ])
    }
}
