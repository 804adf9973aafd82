import Foundation

/// libFuzzer entry for archive unpacking (built by scripts/fuzz with the Store and Bundle
/// sources, linked to libarchive): any bytes, written to a scratch file, unpack into a fresh
/// folder or fail with a BundleError that leaves nothing behind. Every file reported lies inside
/// the folder, is a regular file (no links followed out) and has the reported size.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArchive(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let fm = FileManager.default
    // A .whl name on odd first bytes also exercises the wheel RECORD check.
    let archive = scratch.appendingPathComponent(size > 0 && data[0] & 1 == 1 ? "input.whl" : "input.bin")
    let into = scratch.appendingPathComponent("out")
    try? fm.removeItem(at: into)
    _ = fm.createFile(atPath: archive.path, contents: Data(bytes: data, count: size))
    defer { try? fm.removeItem(at: into); try? fm.removeItem(at: archive) }
    let limits = UnpackLimits(maxEntryBytes: 1 << 20, maxTotalBytes: 4 << 20, maxExpansionRatio: 100,
                              ratioFloorBytes: 64 << 10, maxEntries: 1000)
    do {
        let files = try Unpacker(limits: limits).unpack(archive, into: into)
        let root = into.resolvingSymlinksInPath().path + "/"
        for file in files {
            let url = into.appendingPathComponent(file.path)
            let real = url.resolvingSymlinksInPath().path
            if !real.hasPrefix(root) { fatalError("'\(file.path)' unpacked outside the folder: \(real)") }
            guard let attributes = try? fm.attributesOfItem(atPath: url.path) else { fatalError("'\(file.path)' reported but missing") }
            if (attributes[.size] as? NSNumber)?.int64Value != file.size { fatalError("'\(file.path)' size differs from the report") }
        }
    } catch {
        // A refused archive leaves the folder it created removed, or at least empty of files.
        if let leftover = fm.enumerator(atPath: into.path)?.allObjects as? [String],
           leftover.contains(where: { !isDirectory(into.appendingPathComponent($0)) }) {
            fatalError("refused archive left files behind: \(leftover) (\(error))")
        }
    }
    return 0
}

func isDirectory(_ url: URL) -> Bool {
    var directory: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &directory) && directory.boolValue
}

let scratch: URL = {
    let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let url = URL(fileURLWithPath: dir).appendingPathComponent("cellar-fuzz-archive-\(getpid())")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}()
