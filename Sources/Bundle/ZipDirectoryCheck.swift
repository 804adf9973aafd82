import Foundation

/// libarchive's zip reader stops quietly at the first central-directory record it cannot
/// parse, so a zip whose directory is corrupt can read as a shorter (even empty) archive.
/// The end-of-central-directory record states how many entries there are; a mismatch with
/// what was read means a damaged or tampered zip.
enum ZipDirectoryCheck {
    /// The entry count in the end-of-central-directory record, or nil when there is none or
    /// it defers to zip64 (0xFFFF).
    static func declaredEntryCount(_ url: URL) -> Int? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return nil }
        // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
        let tail = min(size, 22 + 65_535)
        guard (try? handle.seek(toOffset: size - tail)) != nil, let data = try? handle.readToEnd(), data.count >= 22 else { return nil }
        let bytes = [UInt8](data)
        var i = bytes.count - 22
        while i >= 0 {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4b, bytes[i + 2] == 0x05, bytes[i + 3] == 0x06 {
                let total = Int(bytes[i + 10]) | Int(bytes[i + 11]) << 8
                return total == 0xFFFF ? nil : total
            }
            i -= 1
        }
        return nil
    }
}
