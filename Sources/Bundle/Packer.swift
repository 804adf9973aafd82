import Foundation
import Store

/// Deterministic packages (.tar.gz or .zip): the same files under the same names give the same
/// bytes whatever folder they come from and whenever they are packed. Entries are sorted by
/// the UTF-8 bytes of their names, carry only regular-file headers (folders are implied),
/// mtime 2000-01-01, uid/gid 0 without owner names, mode 0644 or 0755 (any execute bit), and
/// the gzip header has no name or time. The archive is written under a temporary name, fsynced
/// and renamed into place.
public enum Packer {
    public struct Item: Sendable, Equatable {
        /// The name inside the archive, "/"-separated and relative.
        public var path: String
        public var source: URL
        public init(path: String, source: URL) { self.path = path; self.source = source }
    }

    /// Every regular file under `directory` (links followed), named `prefix` + relative path.
    public static func items(in directory: URL, prefix: String = "") throws -> [Item] {
        try digestTree(at: directory).files.map { f in
            Item(path: prefix + f.path, source: directory.appendingPathComponent(f.path))
        }
    }

    /// Writes the archive (format from the file name) and returns its sha256.
    @discardableResult
    public static func pack(_ items: [Item], to url: URL) throws -> Digest {
        guard let format = ArchiveWriter.Format(fileName: url.lastPathComponent), format == .tarGz || format == .zip else {
            throw BundleError(archive: url.path, "a package must end in .tar.gz or .zip")
        }
        let sorted = items.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.path == b.path {
            throw BundleError(archive: url.path, entry: a.path, "would be packed twice (from \(a.source.path) and \(b.source.path))")
        }
        for item in sorted {
            if case .failure(let r) = EntryPath.normalize(item.path) { throw BundleError(archive: url.path, entry: item.path, r.reason) }
        }
        if format == .zip { pinTimeZoneForZip() }
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temp = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        defer { unlink(temp.path) }
        do {
            let writer = try ArchiveWriter(url: temp, format: format)
            for item in sorted {
                var st = stat()
                guard stat(item.source.path, &st) == 0 else {
                    throw BundleError(archive: url.path, entry: item.path, "cannot read \(item.source.path): \(String(cString: strerror(errno)))")
                }
                try writer.addFile(item.path, contentsOf: item.source, executable: st.st_mode & 0o111 != 0)
            }
            try writer.finish()
        }
        let fd = open(temp.path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
        guard rename(temp.path, url.path) == 0 else {
            throw BundleError(archive: url.path, "cannot move the finished archive into place: \(String(cString: strerror(errno)))")
        }
        return try SHA256.hash(file: url)
    }

    /// Zip stores DOS times in local time, so the same mtime gives different bytes in different
    /// time zones; packing always uses UTC. (Process-wide: `cellar pack` is single-threaded here.)
    private static func pinTimeZoneForZip() {
        if getenv("TZ").map({ String(cString: $0) }) != "UTC0" {
            setenv("TZ", "UTC0", 1)
            tzset()
        }
    }
}
