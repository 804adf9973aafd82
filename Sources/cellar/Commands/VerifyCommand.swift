import Foundation
import Runner

struct VerifyCommand: Command {
    static let name = "verify"
    static let summary = "Recompute every digest of a manifest or package; exit 1 naming each mismatch."
    static let usage = "cellar verify MANIFEST|PACKAGE|DIR"
    static func run(_ args: inout Arguments) throws -> Int32 {
        let path = try args.positionals("MANIFEST")[0]
        var url = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw RunnerError.io("\(path) does not exist")
        }
        // A package, or a folder without a manifest.json of its own (an unpacked package):
        // every manifest in it, the recipe and any input files it carries.
        let isPackage = [".tar.gz", ".tgz", ".zip"].contains(where: { path.hasSuffix($0) })
        if isPackage || (isDirectory.boolValue && !FileManager.default.fileExists(atPath: url.appendingPathComponent("manifest.json").path)) {
            let result = isPackage ? try PackageVerifier.verify(package: url) : try PackageVerifier.verify(folder: url)
            for problem in result.problems {
                FileHandle.standardError.write(Data("cellar: verify: \(problem)\n".utf8))
            }
            guard result.problems.isEmpty else { return 1 }
            print("verified \(result.files) files of \(result.manifests) manifest\(result.manifests == 1 ? "" : "s") in \(path)")
            return 0
        }
        if isDirectory.boolValue { url = url.appendingPathComponent("manifest.json") }
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw RunnerError.io("\(path) holds no manifest.json")
        }
        let report = try ManifestVerifier.verify(manifestAt: url)
        for problem in report.problems {
            FileHandle.standardError.write(Data("cellar: verify: \(problem)\n".utf8))
        }
        guard report.problems.isEmpty else { return 1 }
        print("verified \(report.filesChecked) files of \(report.cells) cells · root \(report.rootDigest)")
        return 0
    }
}
