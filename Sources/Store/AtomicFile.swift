import Foundation

/// Whole-file writes that readers never see half done: the bytes go to a temporary name in the
/// same folder, are fsynced, renamed over the final name, and the folder is fsynced so the
/// rename itself survives a power cut.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        try FileSystem.makeDirectory(folder)
        let temp = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.posix("create", temp.path) }
        do {
            try data.withUnsafeBytes { try FileSystem.writeAll(fd, $0, path: temp.path) }
            guard fsync(fd) == 0 else { throw StoreError.posix("fsync", temp.path) }
            close(fd)
            guard rename(temp.path, url.path) == 0 else { throw StoreError.posix("rename to \(url.lastPathComponent)", temp.path) }
        } catch {
            close(fd)
            unlink(temp.path)
            throw error
        }
        try FileSystem.syncDirectory(folder)
    }

    /// Renames `from` to `to` in one step, failing (EEXIST) instead of replacing anything
    /// already at `to`; both must be on one filesystem.
    public static func moveWithoutReplacing(_ from: URL, to: URL) throws {
        guard ArtifactStore.renameNoReplace(from.path, to.path) == 0 else {
            throw StoreError.posix("rename to \(to.path)", from.path)
        }
    }
}

/// Small POSIX helpers shared by the store's writers.
enum FileSystem {
    static func makeDirectory(_ url: URL) throws {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        catch { throw StoreError(path: url.path, "cannot create folder: \(error.localizedDescription)") }
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = Foundation.write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw StoreError.posix("write", path)
            }
            p += n; left -= n
        }
    }

    static func syncDirectory(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.posix("open folder", url.path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw StoreError.posix("fsync folder", url.path) }
    }

    static func syncFile(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.posix("open", url.path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw StoreError.posix("fsync", url.path) }
    }

    /// lstat, or nil when the path does not exist.
    static func lstatInfo(_ path: String) throws -> stat? {
        var st = stat()
        if lstat(path, &st) == 0 { return st }
        if errno == ENOENT { return nil }
        throw StoreError.posix("lstat", path)
    }

    static func isDirectory(_ st: stat) -> Bool { st.st_mode & S_IFMT == S_IFDIR }
    static func isRegular(_ st: stat) -> Bool { st.st_mode & S_IFMT == S_IFREG }
    static func isSymlink(_ st: stat) -> Bool { st.st_mode & S_IFMT == S_IFLNK }

    static func mtimeNanoseconds(_ st: stat) -> Int64 {
        #if os(Linux)
        Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        #else
        Int64(st.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(st.st_mtimespec.tv_nsec)
        #endif
    }
}
