import Foundation
import Store

/// The digest of a list of files, computed the way `digestTree` does (sha256 of the
/// sha256sum-style listing "<hex>  <path>\n" in path-byte order), for lists the runner
/// assembles itself: a sub-folder of a cell's outputs, or a manifest being verified.
enum TreeListing {
    static func digest(of files: [(path: String, sha256: Digest)]) -> Digest {
        var sha = SHA256()
        for f in files.sorted(by: { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }) {
            sha.update(Data("\(f.sha256)  \(f.path)\n".utf8))
        }
        return sha.finalize()
    }

    /// Root digest of a run: sha256 of "<key> <outputs digest>\n" per cell in recipe order, so
    /// it depends on nothing but what the cells were asked to do and the bytes they produced.
    static func rootDigest(_ cells: [(key: Digest, outputs: Digest)]) -> Digest {
        var sha = SHA256()
        for c in cells { sha.update(Data("\(c.key) \(c.outputs)\n".utf8)) }
        return sha.finalize()
    }
}
