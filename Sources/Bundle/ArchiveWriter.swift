import CArchive
import Foundation

/// Writes tar (plain, gzip, zstd) and zip archives entry by entry with every header field
/// fixed by the caller: no owner names, uid/gid 0, the given mtime, and gzip without a file
/// name or timestamp, so equal entries give equal bytes. `Packer` builds deterministic
/// packages on it; tests use it to build hostile archives (links, fifos, bombs).
public final class ArchiveWriter {
    public enum Format: Sendable, Equatable {
        case tar, tarGz, tarZstd, zip

        /// From the file name: .tar, .tar.gz/.tgz, .tar.zst, .zip/.whl.
        public init?(fileName: String) {
            let n = fileName.lowercased()
            if n.hasSuffix(".tar.gz") || n.hasSuffix(".tgz") { self = .tarGz }
            else if n.hasSuffix(".tar.zst") || n.hasSuffix(".tzst") { self = .tarZstd }
            else if n.hasSuffix(".tar") { self = .tar }
            else if n.hasSuffix(".zip") || n.hasSuffix(".whl") { self = .zip }
            else { return nil }
        }
    }

    /// 2000-01-01T00:00:00Z: representable in zip's DOS time, unlike the Unix epoch.
    public static let fixedModificationTime = 946_684_800

    public enum SpecialType: Sendable { case fifo, characterDevice, blockDevice }

    private let handle: OpaquePointer
    public let url: URL
    private var closed = false

    public init(url: URL, format: Format) throws(BundleError) {
        self.url = url
        guard let a = archive_write_new() else { throw BundleError(archive: url.path, "libarchive could not allocate a writer") }
        handle = a
        var ok = true
        switch format {
        case .tar, .tarGz, .tarZstd:
            ok = ok && archive_write_set_format_pax_restricted(a) == ARCHIVE_OK
            if format == .tarGz {
                ok = ok && archive_write_add_filter_gzip(a) == ARCHIVE_OK
                // No mtime in the gzip header, and libarchive never writes the original name.
                ok = ok && archive_write_set_filter_option(a, "gzip", "timestamp", nil) == ARCHIVE_OK
                ok = ok && archive_write_set_filter_option(a, "gzip", "compression-level", "6") == ARCHIVE_OK
            } else if format == .tarZstd {
                ok = ok && archive_write_add_filter_zstd(a) == ARCHIVE_OK
            }
        case .zip:
            ok = ok && archive_write_set_format_zip(a) == ARCHIVE_OK
            ok = ok && archive_write_zip_set_compression_deflate(a) == ARCHIVE_OK
        }
        guard ok, archive_write_open_filename(a, url.path) == ARCHIVE_OK else {
            let m = ArchiveReader.message(a)
            closed = true  // deinit frees the handle
            throw BundleError(archive: url.path, "cannot write archive: \(m)")
        }
    }

    deinit {
        if !closed { archive_write_close(handle) }
        archive_write_free(handle)
    }

    private func header(_ path: String, type: UInt32, permissions: UInt32, size: Int64? = nil,
                        mtime: Int = ArchiveWriter.fixedModificationTime,
                        configure: (OpaquePointer) -> Void = { _ in }) throws(BundleError) {
        guard let e = archive_entry_new() else { throw BundleError(archive: url.path, entry: path, "libarchive could not allocate an entry") }
        defer { archive_entry_free(e) }
        archive_entry_set_pathname_utf8(e, path)
        archive_entry_set_filetype(e, type)
        archive_entry_set_perm(e, mode_t(permissions))
        archive_entry_set_uid(e, 0); archive_entry_set_gid(e, 0)
        archive_entry_set_mtime(e, time_t(mtime), 0)
        if let size { archive_entry_set_size(e, la_int64_t(size)) }
        configure(e)
        let r = archive_write_header(handle, e)
        guard r == ARCHIVE_OK || r == ARCHIVE_WARN else {
            throw BundleError(archive: url.path, entry: path, "cannot write header: \(ArchiveReader.message(handle))")
        }
    }

    private func data(_ bytes: UnsafeRawBufferPointer, entry: String) throws(BundleError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let n = archive_write_data(handle, base, bytes.count)
        guard n == bytes.count else {
            throw BundleError(archive: url.path, entry: entry, "cannot write data: \(ArchiveReader.message(handle))")
        }
    }

    public func addFile(_ path: String, data bytes: Data, executable: Bool = false,
                        mtime: Int = ArchiveWriter.fixedModificationTime) throws(BundleError) {
        try header(path, type: EntryType.regular.rawValue, permissions: executable ? 0o755 : 0o644,
                   size: Int64(bytes.count), mtime: mtime)
        let r: Result<Void, BundleError> = bytes.withUnsafeBytes { raw in
            do throws(BundleError) { try data(raw, entry: path); return .success(()) } catch { return .failure(error) }
        }
        try r.get()
    }

    /// Streams a file from disk (of any size) into the archive.
    public func addFile(_ path: String, contentsOf source: URL, executable: Bool) throws(BundleError) {
        let fd = open(source.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BundleError(archive: url.path, entry: path, "cannot read \(source.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw BundleError(archive: url.path, entry: path, "cannot stat \(source.path)") }
        try header(path, type: EntryType.regular.rawValue, permissions: executable ? 0o755 : 0o644, size: Int64(st.st_size))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 { if errno == EINTR { continue }; throw BundleError(archive: url.path, entry: path, "cannot read \(source.path)") }
            if n == 0 { break }
            total += Int64(n)
            try data(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), entry: path)
        }
        guard total == Int64(st.st_size) else {
            throw BundleError(archive: url.path, entry: path, "\(source.path) changed size while being packed")
        }
    }

    public func addDirectory(_ path: String) throws(BundleError) {
        try header(path, type: EntryType.directory.rawValue, permissions: 0o755, size: 0)
    }

    public func addSymlink(_ path: String, target: String) throws(BundleError) {
        try header(path, type: EntryType.symlink.rawValue, permissions: 0o777, size: 0) { archive_entry_set_symlink_utf8($0, target) }
    }

    /// A tar hard link entry (zip has none).
    public func addHardlink(_ path: String, target: String) throws(BundleError) {
        try header(path, type: EntryType.regular.rawValue, permissions: 0o644, size: 0) { archive_entry_set_hardlink_utf8($0, target) }
    }

    public func addSpecial(_ path: String, type: SpecialType) throws(BundleError) {
        let t: EntryType = switch type { case .fifo: .fifo; case .characterDevice: .characterDevice; case .blockDevice: .blockDevice }
        try header(path, type: t.rawValue, permissions: 0o644, size: 0)
    }

    public func finish() throws(BundleError) {
        closed = true
        guard archive_write_close(handle) == ARCHIVE_OK else {
            throw BundleError(archive: url.path, "cannot finish archive: \(ArchiveReader.message(handle))")
        }
    }
}
