import Foundation
import Store

/// One regular file an unpack wrote.
public struct UnpackedFile: Sendable, Equatable {
    /// Relative to the destination folder, "/"-separated.
    public var path: String
    public var sha256: Digest
    public var size: Int64
}

/// Extracts tar (plain, .gz, .bz2, .xz, .zst), zip and wheel files into a folder, refusing
/// anything that could write outside it or exhaust the disk:
/// absolute names, `..`, backslashes, symbolic or hard links that resolve outside, devices,
/// fifos and sockets, writing through a symbolic link, overwriting an existing file, and
/// entries or totals beyond `UnpackLimits`. Each file is written under a temporary name and
/// renamed when complete. On any refusal everything this unpack wrote is removed again and the
/// error names the entry and the reason. Wheels are checked against their RECORD.
public struct Unpacker: Sendable {
    public var limits: UnpackLimits
    /// Only entries matching one of these are extracted (all when empty); every pattern must
    /// match at least one entry.
    public var include: [Glob]
    /// Check every extracted file against the wheel's RECORD; nil means "when the file name
    /// ends in .whl".
    public var verifyWheelRecord: Bool?

    public init(limits: UnpackLimits = UnpackLimits(), include: [String] = [], verifyWheelRecord: Bool? = nil) {
        self.limits = limits; self.include = include.map(Glob.init); self.verifyWheelRecord = verifyWheelRecord
    }

    @discardableResult
    public func unpack(_ archive: URL, into directory: URL) throws(BundleError) -> [UnpackedFile] {
        let session = try UnpackSession(archive: archive, directory: directory, unpacker: self)
        do {
            return try session.run()
        } catch {
            session.removeWrittenFiles()
            throw error
        }
    }
}

/// The state of one unpack: what it created (to undo on refusal) and what it has counted.
private final class UnpackSession {
    let archive: URL
    let root: String
    let unpacker: Unpacker
    let archiveSize: Int64
    let createdRoot: Bool
    var createdFiles: [String] = []
    var createdDirectories: [String] = []
    var written: [UnpackedFile] = []
    var writtenPaths: Set<String> = []
    var seen: Set<String> = []
    var deferredLinks: [(path: String, target: String)] = []
    var record: (data: Data, entry: String)?
    var totalBytes: Int64 = 0
    var entryCount = 0
    var matchedGlobs: Set<Int> = []
    var tempCounter = 0

    init(archive: URL, directory: URL, unpacker: Unpacker) throws(BundleError) {
        self.archive = archive; self.unpacker = unpacker
        var st = stat()
        guard stat(archive.path, &st) == 0 else {
            throw BundleError(archive: archive.path, "cannot read: \(String(cString: strerror(errno)))")
        }
        archiveSize = Int64(st.st_size)
        let dir = directory.standardizedFileURL.path
        createdRoot = !FileManager.default.fileExists(atPath: dir)
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        catch { throw BundleError(archive: archive.path, "cannot create destination folder \(dir): \(error.localizedDescription)") }
        guard let real = realpath(dir, nil) else {
            throw BundleError(archive: archive.path, "cannot resolve destination folder \(dir)")
        }
        root = String(cString: real)
        free(real)
    }

    var checksWheel: Bool { unpacker.verifyWheelRecord ?? archive.pathExtension.lowercased().hasSuffix("whl") }

    func refuse(_ entry: String, _ reason: String) -> BundleError { BundleError(archive: archive.path, entry: entry, reason) }

    func run() throws(BundleError) -> [UnpackedFile] {
        let reader = try ArchiveReader(archive)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while let header = try reader.next() {
            entryCount += 1
            if entryCount > unpacker.limits.maxEntries {
                throw refuse(header.path, "is beyond the limit of \(unpacker.limits.maxEntries) entries")
            }
            let path: String
            switch EntryPath.normalize(header.path) {
            case .success(let p): path = p
            case .failure(let r): throw refuse(header.path, r.reason)
            }
            if path.isEmpty {
                if header.type == .directory { try reader.skip(entry: header.path); continue }
                throw refuse(header.path, "names the destination folder itself")
            }
            if header.type != .directory, !seen.insert(path).inserted {
                throw refuse(header.path, "appears twice in the archive")
            }
            let isRecord = checksWheel && header.type == .regular && WheelRecord.isRecordPath(path)
            let included = isIncluded(path)

            if let target = header.hardlinkTarget {
                try reader.skip(entry: header.path)
                if included { try makeHardLink(path, to: target, entry: header.path) }
                continue
            }
            guard let type = header.type else { throw refuse(header.path, "has an unknown file type") }
            switch type {
            case .directory:
                try reader.skip(entry: header.path)
                if included { try makeDirectories(path, entry: header.path) }
            case .symlink:
                try reader.skip(entry: header.path)
                let target = header.symlinkTarget ?? ""
                if case .failure(let r) = EntryPath.resolveLink(at: path, target: target) { throw refuse(header.path, r.reason) }
                if included { deferredLinks.append((path, target)) }
            case .regular:
                if let declared = header.declaredSize, declared > unpacker.limits.maxEntryBytes {
                    throw refuse(header.path, "declares \(declared) bytes, beyond the limit of \(unpacker.limits.maxEntryBytes)")
                }
                if isRecord {
                    let data = try readSmall(reader, buffer, entry: header.path, limit: 16 << 20)
                    record = (data, header.path)
                    if included {
                        var offset = 0
                        try writeFile(path, mode: header.mode, entry: header.path) { out in
                            return data.withUnsafeBytes { src in
                                let n = min(out.count, src.count - offset)
                                if n > 0 { out.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n) }
                                offset += n
                                return n
                            }
                        }
                    }
                } else if included {
                    try writeFile(path, mode: header.mode, entry: header.path) { out throws(BundleError) in
                        try reader.read(into: out, entry: header.path)
                    }
                } else {
                    try reader.skip(entry: header.path)
                }
            case .fifo: throw refuse(header.path, "is a fifo; only files, folders and links are unpacked")
            case .socket: throw refuse(header.path, "is a socket; only files, folders and links are unpacked")
            case .characterDevice, .blockDevice:
                throw refuse(header.path, "is a device; only files, folders and links are unpacked")
            }
        }
        if reader.isZip || entryCount == 0, let declared = ZipDirectoryCheck.declaredEntryCount(archive), declared != entryCount {
            throw BundleError(archive: archive.path, "the zip's central directory is corrupt: it declares \(declared) entries but \(entryCount) could be read")
        }
        try createDeferredLinks()
        for (i, g) in unpacker.include.enumerated() where !matchedGlobs.contains(i) {
            throw BundleError(archive: archive.path, "the extract pattern '\(g.pattern)' matches no entry")
        }
        if checksWheel { try checkWheelRecord() }
        return written
    }

    func isIncluded(_ path: String) -> Bool {
        if unpacker.include.isEmpty { return true }
        var any = false
        for (i, g) in unpacker.include.enumerated() where g.matches(path) { matchedGlobs.insert(i); any = true }
        return any
    }

    /// Creates each missing folder of `path` (inclusive), refusing to pass through anything
    /// that is not a real folder, so no write can follow a symbolic link out.
    func makeDirectories(_ path: String, entry: String) throws(BundleError) {
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix = prefix.isEmpty ? String(part) : prefix + "/" + part
            let full = root + "/" + prefix
            var st = stat()
            if lstat(full, &st) == 0 {
                switch EntryType.of(UInt32(st.st_mode)) {
                case .directory: continue
                case .symlink: throw refuse(entry, "would be written through the symbolic link '\(prefix)'")
                default: throw refuse(entry, "needs '\(prefix)' to be a folder, but it is a file")
                }
            }
            guard mkdir(full, 0o755) == 0 else { throw refuse(entry, "cannot create folder '\(prefix)': \(String(cString: strerror(errno)))") }
            createdDirectories.append(full)
        }
    }

    func parentOf(_ path: String) -> String? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[..<slash])
    }

    func writeFile(_ path: String, mode: UInt32, entry: String,
                   next: (UnsafeMutableRawBufferPointer) throws(BundleError) -> Int) throws(BundleError) {
        if let parent = parentOf(path) { try makeDirectories(parent, entry: entry) }
        let final = root + "/" + path
        var st = stat()
        if lstat(final, &st) == 0 { throw refuse(entry, "would overwrite the existing '\(path)'") }
        tempCounter += 1
        let temp = (parentOf(path).map { root + "/" + $0 } ?? root) + "/.cellar-unpack-\(getpid())-\(tempCounter).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw refuse(entry, "cannot create a temporary file: \(String(cString: strerror(errno)))") }
        var hasher = SHA256()
        var size: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        do throws(BundleError) {
            let limits = unpacker.limits
            while true {
                let n = try next(buffer)
                if n == 0 { break }
                size += Int64(n); totalBytes += Int64(n)
                if size > limits.maxEntryBytes {
                    throw refuse(entry, "expands beyond the limit of \(limits.maxEntryBytes) bytes per entry")
                }
                if totalBytes > limits.maxTotalBytes {
                    throw refuse(entry, "brings the archive beyond the limit of \(limits.maxTotalBytes) extracted bytes")
                }
                if totalBytes > limits.ratioFloorBytes, Double(totalBytes) > limits.maxExpansionRatio * Double(max(archiveSize, 1)) {
                    throw refuse(entry, "expands the \(archiveSize)-byte archive more than \(Int(limits.maxExpansionRatio))-fold (a decompression bomb?)")
                }
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
                hasher.update(chunk)
                var p = chunk.baseAddress!, left = n
                while left > 0 {
                    let w = write(fd, p, left)
                    if w < 0 {
                        if errno == EINTR { continue }
                        throw refuse(entry, "cannot write: \(String(cString: strerror(errno)))")
                    }
                    p += w; left -= w
                }
            }
            fchmod(fd, mode & 0o111 != 0 ? 0o755 : 0o644)
            // Durable before it gets its final name: a crash leaves the old state or the file.
            guard fsync(fd) == 0 else { throw refuse(entry, "cannot fsync: \(String(cString: strerror(errno)))") }
            close(fd)
        } catch {
            close(fd); unlink(temp)
            throw error
        }
        do { try AtomicFile.moveWithoutReplacing(URL(fileURLWithPath: temp), to: URL(fileURLWithPath: final)) }
        catch { unlink(temp); throw refuse(entry, "cannot move into place: \(error)") }
        createdFiles.append(final)
        writtenPaths.insert(path)
        written.append(UnpackedFile(path: path, sha256: hasher.finalize(), size: size))
    }

    func readSmall(_ reader: ArchiveReader, _ buffer: UnsafeMutableRawBufferPointer, entry: String, limit: Int) throws(BundleError) -> Data {
        var data = Data()
        while true {
            let n = try reader.read(into: buffer, entry: entry)
            if n == 0 { return data }
            data.append(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n)
            if data.count > limit { throw refuse(entry, "is larger than \(limit) bytes") }
        }
    }

    func makeHardLink(_ path: String, to rawTarget: String, entry: String) throws(BundleError) {
        let target: String
        switch EntryPath.normalize(rawTarget) {
        case .success(let t): target = t
        case .failure(let r): throw refuse(entry, "is a hard link whose target '\(rawTarget)' \(r.reason)")
        }
        guard writtenPaths.contains(target) else {
            throw refuse(entry, "is a hard link to '\(rawTarget)', which is not a file extracted earlier from this archive")
        }
        if let parent = parentOf(path) { try makeDirectories(parent, entry: entry) }
        let final = root + "/" + path
        guard link(root + "/" + target, final) == 0 else {
            throw refuse(entry, "cannot create hard link: \(String(cString: strerror(errno)))")
        }
        createdFiles.append(final)
        writtenPaths.insert(path)
        if let original = written.first(where: { $0.path == target }) {
            written.append(UnpackedFile(path: path, sha256: original.sha256, size: original.size))
        }
    }

    /// Links are made after every file, so no file is ever written through one; then each is
    /// resolved for real (following earlier links too) and must land inside the folder.
    func createDeferredLinks() throws(BundleError) {
        for (path, target) in deferredLinks {
            if let parent = parentOf(path) { try makeDirectories(parent, entry: path) }
            let final = root + "/" + path
            var st = stat()
            if lstat(final, &st) == 0 { throw refuse(path, "would overwrite the existing '\(path)'") }
            guard symlink(target, final) == 0 else { throw refuse(path, "cannot create symbolic link: \(String(cString: strerror(errno)))") }
            createdFiles.append(final)
        }
        for (path, target) in deferredLinks {
            guard let resolved = realpath(root + "/" + path, nil) else {
                throw refuse(path, "is a symbolic link to '\(target)', which does not exist in the archive")
            }
            let real = String(cString: resolved)
            free(resolved)
            if real != root && !real.hasPrefix(root + "/") {
                throw refuse(path, "is a symbolic link to '\(target)', which resolves outside the destination folder")
            }
        }
    }

    func checkWheelRecord() throws(BundleError) {
        guard let record else { throw BundleError(archive: archive.path, "is a wheel without a .dist-info/RECORD") }
        let parsed = try WheelRecord(record.data, archive: archive.path, entry: record.entry)
        for file in written {
            if WheelRecord.isRecordPath(file.path) || file.path.hasSuffix("/RECORD.jws") || file.path.hasSuffix("/RECORD.p7s") { continue }
            guard parsed.listed.contains(file.path) else { throw refuse(file.path, "is not listed in the wheel's RECORD") }
            guard let expected = parsed.digests[file.path] else { throw refuse(file.path, "has no sha256 in the wheel's RECORD") }
            if expected != file.sha256 {
                throw refuse(file.path, "has sha256 \(file.sha256) but the wheel's RECORD says \(expected)")
            }
        }
    }

    /// Undoes this unpack: its files and links, then the folders it made, deepest first.
    func removeWrittenFiles() {
        for f in createdFiles.reversed() { unlink(f) }
        for d in createdDirectories.reversed() { rmdir(d) }
        if createdRoot { rmdir(root) }
    }
}
