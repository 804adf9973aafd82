import Foundation

/// The content-addressed cache: `root/cache/<key hex>/` holds one cell's outputs. An entry
/// appears in one rename of a fully written, fsynced staging folder, so a reader (or a run
/// after kill -9) sees either the whole entry or none of it.
///
/// Staging folders live in `root/cache/.staging/<pid>.<random>`: on the same filesystem as the
/// entries (rename must not cross devices), and named by the process that owns them so a
/// later run can tell abandoned ones from live ones.
public struct ArtifactStore: Sendable {
    public let root: URL
    public var cacheDirectory: URL { root.appendingPathComponent("cache") }
    public var stagingDirectory: URL { cacheDirectory.appendingPathComponent(".staging") }

    public init(root: URL) { self.root = root.standardizedFileURL }

    public func entryURL(for key: Digest) -> URL { cacheDirectory.appendingPathComponent(key.hex, isDirectory: true) }

    /// The entry's folder when it exists.
    public func entry(for key: Digest) -> URL? {
        let url = entryURL(for: key)
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue ? url : nil
    }

    public func makeStaging() throws -> URL {
        try FileSystem.makeDirectory(stagingDirectory)
        let url = stagingDirectory.appendingPathComponent("\(getpid()).\(UUID().uuidString.lowercased())")
        guard mkdir(url.path, 0o755) == 0 else { throw StoreError.posix("mkdir", url.path) }
        return url
    }

    /// Makes `staging` the entry for `key`. If the entry already exists (a concurrent run got
    /// there first) the staging folder is discarded and the existing entry is returned: equal
    /// keys mean equal inputs, and the first one to land stays.
    @discardableResult
    public func commit(staging: URL, key: Digest) throws -> URL {
        let target = entryURL(for: key)
        if let existing = entry(for: key) { discard(staging: staging); return existing }
        try ArtifactStore.syncTree(staging)
        if ArtifactStore.renameNoReplace(staging.path, target.path) != 0 {
            let code = errno
            if code == EEXIST || code == ENOTEMPTY, let existing = entry(for: key) {
                discard(staging: staging)
                return existing
            }
            throw StoreError.posix("rename staging folder into \(target.lastPathComponent)", staging.path, errno: code)
        }
        try FileSystem.syncDirectory(cacheDirectory)
        return target
    }

    public func discard(staging: URL) {
        try? FileManager.default.removeItem(at: staging)
    }

    /// Removes staging folders whose owning process is gone (killed mid-cell).
    public func removeAbandonedStaging() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: stagingDirectory.path) else { return }
        for name in names {
            let pidText = name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
            if let pid = Int32(pidText), pid == getpid() || ArtifactStore.processIsAlive(pid) { continue }
            try? FileManager.default.removeItem(at: stagingDirectory.appendingPathComponent(name))
        }
    }

    static func processIsAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// fsync every file and folder under `url`, deepest first, then `url` itself.
    static func syncTree(_ url: URL) throws {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: url.path) }
        catch { throw StoreError(path: url.path, "cannot list folder: \(error.localizedDescription)") }
        for name in names {
            let child = url.appendingPathComponent(name)
            guard let st = try FileSystem.lstatInfo(child.path) else { continue }
            if FileSystem.isDirectory(st) { try syncTree(child) }
            else if FileSystem.isRegular(st) { try FileSystem.syncFile(child) }
        }
        try FileSystem.syncDirectory(url)
    }

    /// rename(2) that fails with EEXIST instead of replacing an existing (empty) folder, so two
    /// runs committing the same key never swap an entry under a reader.
    static func renameNoReplace(_ from: String, _ to: String) -> Int32 {
        #if os(Linux)
        if let renameat2 = linuxRenameat2 {
            let r = renameat2(AT_FDCWD, from, AT_FDCWD, to, 1 /* RENAME_NOREPLACE */)
            if r == 0 || (errno != EINVAL && errno != ENOSYS) { return r }
        }
        #endif
        // Filesystems without RENAME_NOREPLACE: an existing non-empty entry still fails with
        // ENOTEMPTY; an existing empty one is identical by construction.
        return rename(from, to)
    }
}

#if os(Linux)
/// glibc's renameat2 (2.28+), looked up at run time because Swift's Glibc module does not
/// export it.
private typealias Renameat2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
private let linuxRenameat2: Renameat2? = {
    guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "renameat2") else { return nil }
    return unsafeBitCast(symbol, to: Renameat2.self)
}()
#endif
