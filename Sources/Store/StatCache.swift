import Foundation

/// Remembers each file's digest with the (size, mtime in ns, inode) it had when hashed, so an
/// unchanged multi-GB input is not read again on the next run. Like git's index, it trusts
/// those stat fields: a rewrite that keeps the size, restores the mtime to the nanosecond and
/// keeps the inode is not noticed. Two guards keep that honest for ordinary edits:
/// - a file whose stat changed while it was being hashed is not remembered;
/// - a file modified within `racyWindow` of the hash ("racily clean" in git's words: a second
///   write within one filesystem timestamp tick could keep the mtime) is not remembered either,
///   so it is hashed again next time.
/// The cache file is JSON, written atomically; an unreadable or corrupt one is ignored (it is
/// only a cache). Thread-safe; last writer wins across processes, which only costs re-hashing.
public final class StatCache: @unchecked Sendable {
    struct Entry: Codable, Equatable {
        var size: Int64
        var mtimeNs: Int64
        var inode: UInt64
        var sha256: Digest
    }
    private struct FileFormat: Codable {
        var version: Int
        var entries: [String: Entry]
    }

    public let file: URL
    private var entries: [String: Entry]
    private var dirty = false
    private let lock = NSLock()
    /// How many files were actually read and hashed (for tests and progress reports).
    public var hashedFileCount: Int { lock.lock(); defer { lock.unlock() }; return hashed }
    private var hashed = 0
    static let racyWindowNs: Int64 = 50_000_000

    public init(file: URL) {
        self.file = file
        if let data = try? Data(contentsOf: file),
           let decoded = try? JSONDecoder().decode(FileFormat.self, from: data), decoded.version == 1 {
            entries = decoded.entries
        } else {
            entries = [:]
        }
    }

    public func digest(of file: URL) throws -> Digest {
        let path = file.standardizedFileURL.path
        let before = try StatCache.statFile(path)
        lock.lock()
        let known = entries[path]
        lock.unlock()
        if let known, known.size == before.size, known.mtimeNs == before.mtimeNs, known.inode == before.inode {
            return known.sha256
        }
        let digest = try SHA256.hash(file: URL(fileURLWithPath: path))
        let after = try StatCache.statFile(path)
        let now = StatCache.nowNanoseconds()
        lock.lock()
        defer { lock.unlock() }
        hashed += 1
        if before == after && after.mtimeNs < now - StatCache.racyWindowNs {
            entries[path] = Entry(size: after.size, mtimeNs: after.mtimeNs, inode: after.inode, sha256: digest)
            dirty = true
        } else if entries.removeValue(forKey: path) != nil {
            dirty = true
        }
        return digest
    }

    /// Writes the cache if anything changed since it was loaded or last saved.
    public func save() throws {
        lock.lock()
        defer { lock.unlock() }
        guard dirty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(FileFormat(version: 1, entries: entries)), to: file)
        dirty = false
    }

    private struct StatKey: Equatable { var size: Int64; var mtimeNs: Int64; var inode: UInt64 }

    private static func statFile(_ path: String) throws -> StatKey {
        var st = stat()
        guard stat(path, &st) == 0 else { throw StoreError.posix("stat", path) }
        guard FileSystem.isRegular(st) else { throw StoreError(path: path, "is not a regular file") }
        return StatKey(size: Int64(st.st_size), mtimeNs: FileSystem.mtimeNanoseconds(st), inode: UInt64(st.st_ino))
    }

    private static func nowNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
