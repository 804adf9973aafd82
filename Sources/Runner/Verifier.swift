import Foundation
import Store

/// Recomputes every digest a manifest claims, from the bytes in the cache (no stat cache:
/// verification trusts nothing but the files).
public enum ManifestVerifier {
    public struct Report: Sendable {
        public var problems: [String]
        public var filesChecked: Int
        public var cells: Int
        public var rootDigest: Digest
    }

    public static func verify(manifestAt url: URL) throws -> Report {
        let manifest = try Manifest.read(url)
        let cache = manifest.cacheDirectory(manifestURL: url)
        var problems: [String] = []
        var checked = 0
        for cell in manifest.predicate.cells {
            let entry = cache.appendingPathComponent(cell.key.description)
            let listed = TreeListing.digest(of: cell.outputs.files.map { ($0.path, $0.sha256) })
            if listed != cell.outputs.digest {
                problems.append("cell '\(cell.id)': the outputs digest \(cell.outputs.digest) does not match its file list (\(listed))")
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: entry.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                problems.append("cell '\(cell.id)': cache entry \(entry.path) is missing")
                continue
            }
            for file in cell.outputs.files {
                let path = entry.appendingPathComponent(file.path)
                checked += 1
                guard FileManager.default.fileExists(atPath: path.path) else {
                    problems.append("cell '\(cell.id)': output \(file.path) is missing (\(path.path))")
                    continue
                }
                let actual: Digest
                do { actual = try SHA256.hash(file: path) } catch {
                    problems.append("cell '\(cell.id)': output \(file.path) cannot be read: \(error)")
                    continue
                }
                if actual != file.sha256 {
                    problems.append("cell '\(cell.id)': output \(file.path) has sha256 \(actual), the manifest says \(file.sha256)")
                }
            }
            let known = Set(cell.outputs.files.map(\.path))
            for extra in filesUnder(entry) where !known.contains(extra) {
                problems.append("cell '\(cell.id)': cache entry holds \(extra), which the manifest does not list")
            }
        }
        let root = manifest.predicate.computedRootDigest
        if root != manifest.predicate.rootDigest {
            problems.append("root digest \(manifest.predicate.rootDigest) does not match the cells (\(root))")
        }
        let subjects = Manifest(predicate: manifest.predicate).subject
        if subjects != manifest.subject {
            problems.append("the statement's subject list does not match the cells' outputs")
        }
        return Report(problems: problems, filesChecked: checked, cells: manifest.predicate.cells.count, rootDigest: root)
    }

    private static func filesUnder(_ folder: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var out: [String] = []
        while let path = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isDirectory),
               !isDirectory.boolValue { out.append(path) }
        }
        return out
    }
}
