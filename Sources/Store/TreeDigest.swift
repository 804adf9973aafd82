import Foundation

/// One file of a hashed tree.
public struct FileDigest: Sendable, Codable, Equatable {
    /// Relative to the tree's root, "/"-separated.
    public var path: String
    public var sha256: Digest
    public var size: Int

    public init(path: String, sha256: Digest, size: Int) { self.path = path; self.sha256 = sha256; self.size = size }
}

/// The digests of every file under a folder and one digest over them all.
public struct TreeDigest: Sendable, Equatable {
    /// Sorted by the UTF-8 bytes of `path`, so the order is the same on every machine.
    public var files: [FileDigest]
    /// sha256 of the `sha256sum`-style listing "<hex>  <path>\n" of `files` in order, so
    /// `sha256sum` run in the folder reproduces it: `find . -type f | sort | xargs sha256sum`.
    public var digest: Digest

    public init(files: [FileDigest]) {
        self.files = files.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
        self.digest = SHA256.hash(Data(TreeDigest.listing(self.files).utf8))
    }

    public static func listing(_ files: [FileDigest]) -> String {
        var s = ""
        for f in files { s += "\(f.sha256.hex)  \(f.path)\n" }
        return s
    }
}

/// Hashes every regular file under `directory` (following symbolic links to files; empty
/// folders do not count). A single file gives one entry named after it.
public func digestTree(at directory: URL, statCache: StatCache? = nil) throws -> TreeDigest {
    let root = directory.standardizedFileURL
    var st = stat()
    guard stat(root.path, &st) == 0 else { throw StoreError.posix("stat", root.path) }
    func hash(_ url: URL) throws -> Digest {
        if let statCache { return try statCache.digest(of: url) }
        return try SHA256.hash(file: url)
    }
    if FileSystem.isRegular(st) {
        return TreeDigest(files: [FileDigest(path: root.lastPathComponent, sha256: try hash(root), size: Int(st.st_size))])
    }
    guard FileSystem.isDirectory(st) else { throw StoreError(path: root.path, "is neither a file nor a folder") }
    var files: [FileDigest] = []
    // Each folder carries its ancestors by (device, inode): a link back up the tree would
    // otherwise loop forever (two links to one sibling folder are fine).
    var pending: [(url: URL, relative: String, ancestors: Set<[UInt64]>)] =
        [(root, "", [[UInt64(st.st_dev), UInt64(st.st_ino)]])]
    while let (folder, relative, ancestors) = pending.popLast() {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) }
        catch { throw StoreError(path: folder.path, "cannot list folder: \(error.localizedDescription)") }
        for name in names {
            let url = folder.appendingPathComponent(name)
            let rel = relative.isEmpty ? name : relative + "/" + name
            var est = stat()
            guard stat(url.path, &est) == 0 else { throw StoreError.posix("stat (dangling link?)", url.path) }
            if FileSystem.isDirectory(est) {
                let id: [UInt64] = [UInt64(est.st_dev), UInt64(est.st_ino)]
                guard !ancestors.contains(id) else {
                    throw StoreError(path: url.path, "links back to a folder that contains it (a symbolic link loop)")
                }
                pending.append((url, rel, ancestors.union([id])))
            } else if FileSystem.isRegular(est) {
                files.append(FileDigest(path: rel, sha256: try hash(url), size: Int(est.st_size)))
            } else {
                throw StoreError(path: url.path, "is a device, fifo or socket, which cannot be hashed")
            }
        }
    }
    return TreeDigest(files: files)
}
