import Foundation
import Store

/// Copies the outputs of exporting cells (write, eval) from the cache into
/// `artifacts/<recipe>/`, each file replaced atomically, so the user finds submission.csv
/// and metrics.json beside the manifest.
enum ExportedOutputs {
    /// Names the runner writes there itself.
    static let reserved: Set<String> = ["manifest.json", "report.ipynb"]

    static func copy(files: [FileDigest], from entry: URL, into folder: URL, cell: String) throws -> [String] {
        var copied: [String] = []
        for file in files {
            guard !reserved.contains(file.path) else {
                throw RunnerError.storage(cell: cell, message: "its output \(file.path) would overwrite the runner's own \(file.path)")
            }
            let target = folder.appendingPathComponent(file.path)
            do {
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try AtomicFile.write(try Data(contentsOf: entry.appendingPathComponent(file.path)), to: target)
            } catch {
                throw RunnerError.storage(cell: cell, message: "cannot export \(file.path) to \(folder.path): \(error.localizedDescription)")
            }
            copied.append(file.path)
        }
        return copied
    }
}
