import Foundation

/// Size caps for the files a tokenizer is built from, which are read whole into memory and
/// parsed into a tree several times their size: a stray multi-gigabyte file named
/// tokenizer.json must be an error, not memory exhaustion. The largest real tokenizer.json
/// files are a few tens of MB (Gemma's is 34 MB); configs and chat templates are kilobytes.
public enum TokenizerFileLimits {
    public static let maximumTokenizerJSONBytes = 256 << 20
    public static let maximumConfigBytes = 16 << 20

    /// The file's bytes, after checking its size against `limit`.
    static func read(_ url: URL, limit: Int) throws -> Data {
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
        guard size <= limit else {
            throw TokenizerError(file: url.path, place: "", message: "is \(size) bytes, more than the \(limit)-byte limit for this file")
        }
        return try Data(contentsOf: url)
    }
}
