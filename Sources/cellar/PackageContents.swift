import Bundle
import Foundation
import Recipe
import Runner
import Store

/// What `cellar pack` puts in a package: the recipe, its manifest and the cache entries of its
/// cells (optionally the recipe's input files and a static `cellar`), each under its path
/// relative to the folder that holds them all, so unpacking anywhere recreates the same layout
/// and `cellar run` finds every cell cached.
struct PackageContents {
    var items: [Packer.Item] = []
    /// The folder every archive path is relative to.
    var root: URL

    /// Collects the files of the recipe's last run (its manifest must verify).
    static func collect(recipe: Recipe, withInputs: Bool) throws -> (files: [URL], manifest: Manifest, manifestURL: URL) {
        let manifestURL = recipe.artifactsDirectory.appendingPathComponent(recipe.name).appendingPathComponent("manifest.json")
        guard FileManager.default.fileExists(atPath: manifestURL.path) else {
            throw PackageError("\(recipe.file.path) has no manifest at \(manifestURL.path); run it first ('cellar run \(recipe.file.path)')")
        }
        let manifest = try Manifest.read(manifestURL)
        let recipeDigest = try SHA256.hash(file: recipe.file)
        guard recipeDigest == manifest.predicate.recipe.sha256 else {
            throw PackageError("\(recipe.file.path) changed since its last run (sha256 \(recipeDigest), the manifest has \(manifest.predicate.recipe.sha256)); run it again before packing")
        }
        let report = try ManifestVerifier.verify(manifestAt: manifestURL)
        guard report.problems.isEmpty else {
            throw PackageError("the artifacts do not match \(manifestURL.path): \(report.problems.joined(separator: "; "))")
        }
        var files = [recipe.file.standardizedFileURL, manifestURL.standardizedFileURL]
        let cache = manifest.cacheDirectory(manifestURL: manifestURL)
        for cell in manifest.predicate.cells {
            let entry = cache.appendingPathComponent(cell.key.description)
            files += cell.outputs.files.map { entry.appendingPathComponent($0.path).standardizedFileURL }
        }
        if withInputs {
            let recipeFolder = recipe.file.deletingLastPathComponent()
            for cell in manifest.predicate.cells {
                for input in cell.inputs where input.cell == nil {
                    let url = URL(fileURLWithPath: input.source, relativeTo: recipeFolder).standardizedFileURL
                    if input.directory {
                        files += try digestTree(at: url).files.map { url.appendingPathComponent($0.path).standardizedFileURL }
                    } else {
                        files.append(url)
                    }
                }
            }
        }
        return (files, manifest, manifestURL)
    }

    /// The deepest folder holding every file.
    static func commonFolder(_ files: [URL]) -> URL {
        var common = files[0].deletingLastPathComponent().pathComponents
        for f in files.dropFirst() {
            let parts = f.deletingLastPathComponent().pathComponents
            var n = 0
            while n < min(common.count, parts.count) && common[n] == parts[n] { n += 1 }
            common = Array(common[..<n])
        }
        return URL(fileURLWithPath: NSString.path(withComponents: common.isEmpty ? ["/"] : common))
    }

    static func relative(_ file: URL, to root: URL) -> String {
        let parts = file.pathComponents, base = root.pathComponents
        return parts[base.count...].joined(separator: "/")
    }
}

struct PackageError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// `cellar verify` of a package file or of a folder holding one or more manifests (an
/// unpacked package): every manifest found is verified, and every input file the package
/// carries is checked against the digest the manifest recorded.
enum PackageVerifier {
    struct Result { var problems: [String]; var manifests: Int; var files: Int }

    static func verify(package url: URL) throws -> Result {
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-verify-\(getpid())-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temp) }
        try Unpacker().unpack(url, into: temp)
        var result = try verify(folder: temp)
        let prefix = temp.standardizedFileURL.path + "/"
        result.problems = result.problems.map { $0.replacingOccurrences(of: prefix, with: "") }
        return result
    }

    static func verify(folder: URL) throws -> Result {
        let manifests = findManifests(folder.standardizedFileURL)
        guard !manifests.isEmpty else { throw PackageError("\(folder.path) holds no cellar manifest (manifest.json)") }
        var result = Result(problems: [], manifests: manifests.count, files: 0)
        for url in manifests {
            let report = try ManifestVerifier.verify(manifestAt: url)
            let name = PackageContents.relative(url, to: folder.standardizedFileURL)
            result.problems += report.problems.map { "\(name): \($0)" }
            result.files += report.filesChecked
            let manifest = try Manifest.read(url)
            let recipe = URL(fileURLWithPath: manifest.predicate.recipe.path, relativeTo: url.deletingLastPathComponent()).standardizedFileURL
            if FileManager.default.fileExists(atPath: recipe.path) {
                let d = try SHA256.hash(file: recipe)
                result.files += 1
                if d != manifest.predicate.recipe.sha256 {
                    result.problems.append("\(name): recipe \(PackageContents.relative(recipe, to: folder.standardizedFileURL)) has sha256 \(d), the manifest says \(manifest.predicate.recipe.sha256)")
                }
            } else {
                result.problems.append("\(name): the recipe \(manifest.predicate.recipe.path) is missing")
            }
            // Inputs are optional in a package (--with-inputs); those present must match.
            var checked = Set<String>()
            for cell in manifest.predicate.cells {
                for input in cell.inputs where input.cell == nil {
                    let file = URL(fileURLWithPath: input.source, relativeTo: recipe.deletingLastPathComponent()).standardizedFileURL
                    guard checked.insert(file.path).inserted, FileManager.default.fileExists(atPath: file.path) else { continue }
                    let digest = input.directory ? try digestTree(at: file).digest : try SHA256.hash(file: file)
                    result.files += 1
                    if digest != input.sha256 {
                        result.problems.append("\(name): input \(input.source) of cell '\(cell.id)' has sha256 \(digest), the manifest says \(input.sha256)")
                    }
                }
            }
        }
        return result
    }

    /// Every `manifest.json` under the folder that is not inside a cache entry.
    static func findManifests(_ folder: URL) -> [URL] {
        let direct = folder.appendingPathComponent("manifest.json")
        if FileManager.default.fileExists(atPath: direct.path) { return [direct] }
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var out: [URL] = []
        while let path = walker.nextObject() as? String {
            let parts = path.split(separator: "/")
            if parts.last == "cache" { walker.skipDescendants(); continue }
            if parts.last == "manifest.json" && parts.count >= 2 {
                let url = folder.appendingPathComponent(path)
                if (try? Manifest.read(url)) != nil { out.append(url) }
            }
        }
        return out.sorted { $0.path < $1.path }
    }
}
