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
        if [".tar.gz", ".tgz", ".zip"].contains(where: { path.hasSuffix($0) }) {
            throw RunnerError.io("\(path) is a package; this build verifies manifests only (unpack it and verify its manifest.json)")
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
