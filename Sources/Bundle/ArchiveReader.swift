import CArchive
import Foundation

/// The file types libarchive reports (archive_entry.h AE_IF*; the macros carry casts Swift
/// cannot import).
enum EntryType: UInt32 {
    case regular = 0o100000, directory = 0o040000, symlink = 0o120000
    case characterDevice = 0o020000, blockDevice = 0o060000, fifo = 0o010000, socket = 0o140000

    static func of(_ mode: UInt32) -> EntryType? { EntryType(rawValue: mode & 0o170000) }
}

/// One entry header as the archive states it (nothing here is trusted yet).
struct ArchiveEntryHeader {
    var path: String
    var type: EntryType?
    var mode: UInt32
    /// The size the header claims, when it states one.
    var declaredSize: Int64?
    var symlinkTarget: String?
    var hardlinkTarget: String?
}

/// A thin reader over libarchive for tar (plain, gzip, bzip2, xz, zstd) and zip (and so .whl),
/// zip read through its central directory.
/// Only those formats are enabled: an ISO, RAR or cpio file is refused rather than explored.
final class ArchiveReader {
    private let handle: OpaquePointer
    let url: URL

    init(_ url: URL) throws(BundleError) {
        self.url = url
        guard let a = archive_read_new() else { throw BundleError(archive: url.path, "libarchive could not allocate a reader") }
        handle = a
        archive_read_support_filter_gzip(a)
        archive_read_support_filter_bzip2(a)
        archive_read_support_filter_xz(a)
        archive_read_support_filter_zstd(a)
        archive_read_support_format_tar(a)
        archive_read_support_format_gnutar(a)
        // The central directory is the zip's table of contents; reading only local headers
        // (the streaming reader) would accept a zip whose directory is corrupt or disagrees.
        archive_read_support_format_zip_seekable(a)
        guard archive_read_open_filename(a, url.path, 1 << 16) == ARCHIVE_OK else {
            // deinit frees the handle: a class whose stored properties are all set is
            // deinitialised when its init throws.
            let message = ArchiveReader.message(a)
            throw BundleError(archive: url.path, "cannot open as tar or zip: \(message)")
        }
    }

    deinit { archive_read_free(handle) }

    static func message(_ a: OpaquePointer) -> String {
        if let m = archive_error_string(a) { return String(cString: m) }
        return "unknown libarchive error"
    }

    /// True once a header was read and the archive turned out to be a zip.
    var isZip: Bool { archive_format(handle) & ARCHIVE_FORMAT_BASE_MASK == ARCHIVE_FORMAT_ZIP }

    /// Bytes of the archive file consumed so far (compressed side).
    var compressedBytesRead: Int64 { archive_filter_bytes(handle, -1) }

    /// The next entry's header, or nil at the end.
    func next() throws(BundleError) -> ArchiveEntryHeader? {
        var entry: OpaquePointer?
        let r = archive_read_next_header(handle, &entry)
        if r == ARCHIVE_EOF { return nil }
        guard r == ARCHIVE_OK || r == ARCHIVE_WARN, let entry else {
            throw BundleError(archive: url.path, "unreadable archive: \(ArchiveReader.message(handle))")
        }
        let path: String
        if let p = archive_entry_pathname_utf8(entry) ?? archive_entry_pathname(entry) { path = String(cString: p) }
        else { throw BundleError(archive: url.path, "an entry has no readable name") }
        let mode = UInt32(archive_entry_mode(entry))
        return ArchiveEntryHeader(
            path: path,
            type: EntryType.of(mode),
            mode: mode,
            declaredSize: archive_entry_size_is_set(entry) != 0 ? Int64(archive_entry_size(entry)) : nil,
            symlinkTarget: (archive_entry_symlink_utf8(entry) ?? archive_entry_symlink(entry)).map { String(cString: $0) },
            hardlinkTarget: (archive_entry_hardlink_utf8(entry) ?? archive_entry_hardlink(entry)).map { String(cString: $0) })
    }

    /// Reads the current entry's data into `buffer`; 0 at the entry's end.
    func read(into buffer: UnsafeMutableRawBufferPointer, entry: String) throws(BundleError) -> Int {
        let n = archive_read_data(handle, buffer.baseAddress, buffer.count)
        if n < 0 { throw BundleError(archive: url.path, entry: entry, "unreadable data: \(ArchiveReader.message(handle))") }
        return n
    }

    func skip(entry: String) throws(BundleError) {
        if archive_read_data_skip(handle) != ARCHIVE_OK {
            throw BundleError(archive: url.path, entry: entry, "unreadable data: \(ArchiveReader.message(handle))")
        }
    }
}
