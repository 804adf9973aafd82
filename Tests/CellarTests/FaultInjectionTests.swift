import Foundation
import XCTest
import TestSupport

/// Faults injected into real runs of the `cellar` binary: SIGKILL at many moments, a full disk,
/// two runs at once. The recipe does real file work (the install cell unpacks a tar.gz built
/// here, test kinds upper-case and concatenate its files), and every check compares against a
/// clean run in another folder, byte for byte, instead of trusting what cellar says about
/// itself.
final class FaultInjectionTests: XCTestCase {
    var folder: URL!
    let fm = FileManager.default

    override func setUpWithError() throws {
        folder = fm.temporaryDirectory.appendingPathComponent("cellar-faults-\(UUID().uuidString)")
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? fm.removeItem(at: folder) }

    // MARK: - SIGKILL at 50 moments

    func testSIGKILLAtFiftyMomentsNeverLeavesAPartialEntryAndTheFinalRunMatchesACleanOne() throws {
        let clean = try makeProject("clean", fileBytes: 600_000)
        let start = Date()
        let reference = try CLI.run(["run", clean.recipe.path, "--json"], environment: testKinds)
        var duration = Date().timeIntervalSince(start)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let root = try rootDigest(reference.stdout)
        let referenceCache = clean.artifacts.appendingPathComponent("cache")
        let keys = try cacheEntries(clean.artifacts)
        XCTAssertEqual(keys.count, 5, "one entry per cell")

        let victim = try makeProject("victim", fileBytes: 600_000)
        // The first run of a fresh binary pays for cold caches and a loaded CI machine can
        // stretch any one run, so the moments are scaled by the shortest clean run seen:
        // two more timed now, and every kill that lands after a fresh run already ended.
        for _ in 0..<2 {
            let started = Date()
            let warm = try CLI.run(["run", victim.recipe.path, "--quiet"], environment: testKinds)
            XCTAssertEqual(warm.status, 0, warm.stderr)
            duration = min(duration, Date().timeIntervalSince(started))
            try fm.removeItem(at: victim.artifacts)
        }
        var random = SplitMix64(seed: 0x5EED_0009)
        var outcomes: [String: Int] = [:]
        for i in 0..<50 {
            // Stratified over 110% of a clean run, so early, middle, late and just-finished
            // moments are all hit, in the same order on every run of the test.
            let moment = duration * 1.1 * (Double(i) + random.unit()) / 50
            let fresh = !fm.fileExists(atPath: victim.artifacts.path)
            let p = Process()
            p.executableURL = CLI.executable
            p.arguments = ["run", victim.recipe.path, "--quiet"]
            p.environment = ProcessInfo.processInfo.environment.merging(testKinds) { $1 }
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            Thread.sleep(forTimeInterval: moment)
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let completed = p.terminationReason == .exit
            if completed { XCTAssertEqual(p.terminationStatus, 0, "kill #\(i): the run failed on its own") }
            if completed && fresh { duration = min(duration, moment) }
            outcomes[completed ? "finished before the kill" : "killed", default: 0] += 1

            try assertNoPartialEntry(victim.artifacts, reference: referenceCache, keys: keys, "kill #\(i) at \(moment) s")
            let manifest = victim.artifacts.appendingPathComponent("fault/manifest.json")
            if fm.fileExists(atPath: manifest.path) {
                let verified = try CLI.run(["verify", manifest.path])
                XCTAssertEqual(verified.status, 0, "kill #\(i): \(verified.stderr)")
            }
            // A run that resumes from a killed run's leftovers is shorter than a clean one, so
            // later moments would mostly land after it ended. Every fifth kill keeps its
            // leftovers (the next run must recover from them); the others start over from
            // nothing, so the kills keep landing inside real work on a fast machine too.
            if completed || i % 5 != 4 { try? fm.removeItem(at: victim.artifacts) }
        }
        print("SIGKILL outcomes: \(outcomes.sorted { $0.key < $1.key }), shortest clean run \(duration) s")
        XCTAssertGreaterThan(outcomes["killed", default: 0], 30, "\(outcomes)")

        let final = try CLI.run(["run", victim.recipe.path, "--json"], environment: testKinds)
        XCTAssertEqual(final.status, 0, final.stderr)
        XCTAssertEqual(try rootDigest(final.stdout), root)
        XCTAssertEqual(try cacheEntries(victim.artifacts), keys)
        try assertNoPartialEntry(victim.artifacts, reference: referenceCache, keys: keys, "after the final run")
        let verified = try CLI.run(["verify", victim.artifacts.appendingPathComponent("fault").path])
        XCTAssertEqual(verified.status, 0, verified.stderr)
    }

    // MARK: - Disk full

    func testFullDiskFailsWithOneSentenceKeepsTheCacheConsistentAndSucceedsOnceSpaceReturns() throws {
        let clean = try makeProject("clean", fileBytes: 300_000)
        let reference = try CLI.run(["run", clean.recipe.path, "--json"], environment: testKinds)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let referenceCache = clean.artifacts.appendingPathComponent("cache")
        let keys = try cacheEntries(clean.artifacts)

        // A file-size limit of 800 KiB: every unpacked file (300 kB) fits, the last cell's
        // concatenation of three of them (900 kB) does not. SIGXFSZ is ignored (inherited
        // through exec) so write(2) fails with EFBIG, as on a full disk, instead of killing.
        let full = try makeProject("full", fileBytes: 300_000)
        let limited = try runLimited(["run", full.recipe.path], fileSizeKiB: 800)
        XCTAssertEqual(limited.status, 1, "expected a clean failure, got \(limited.status): \(limited.stderr)")
        let lines = limited.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, limited.stderr)
        // strerror(EFBIG) is "File too large"; the staging folder is not shown, the output's name is.
        XCTAssertEqual(limited.stderr, "cellar: cell 'all' (test-copy) failed: cannot write output out.txt: File too large\n")
        XCTAssertFalse(fm.fileExists(atPath: full.artifacts.appendingPathComponent("fault/manifest.json").path))
        try assertNoPartialEntry(full.artifacts, reference: referenceCache, keys: keys, "after the full disk")
        XCTAssertEqual(try cacheEntries(full.artifacts).count, 4, "the cells before the failing one stay cached")
        let staging = full.artifacts.appendingPathComponent("cache/.staging")
        XCTAssertEqual((try? fm.contentsOfDirectory(atPath: staging.path)) ?? [], [], "the failed cell's staging was left")

        let again = try CLI.run(["run", full.recipe.path, "--json"], environment: testKinds)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try rootDigest(again.stdout), try rootDigest(reference.stdout))
        XCTAssertEqual(try cacheEntries(full.artifacts), keys)
        let verified = try CLI.run(["verify", full.artifacts.appendingPathComponent("fault").path])
        XCTAssertEqual(verified.status, 0, verified.stderr)
    }

    // MARK: - Concurrency with a real cell kind

    func testTwoConcurrentRunsOfARealInstallRecipeEndWithTheSameOutputsAndAnIntactCache() throws {
        let clean = try makeProject("clean", fileBytes: 300_000)
        let reference = try CLI.run(["run", clean.recipe.path, "--json"], environment: testKinds)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let keys = try cacheEntries(clean.artifacts)

        let shared = try makeProject("shared", fileBytes: 300_000)
        var runs: [(Process, URL)] = []
        for name in ["one", "two"] {
            let p = Process()
            p.executableURL = CLI.executable
            p.arguments = ["run", shared.recipe.path, "--json"]
            p.environment = ProcessInfo.processInfo.environment.merging(testKinds) { $1 }
            let out = folder.appendingPathComponent("\(name).out")
            _ = fm.createFile(atPath: out.path, contents: nil)
            p.standardOutput = try FileHandle(forWritingTo: out)
            p.standardError = FileHandle.nullDevice
            try p.run()
            runs.append((p, out))
        }
        var roots: [String] = []
        for (p, out) in runs {
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0)
            roots.append(try rootDigest(String(decoding: try Data(contentsOf: out), as: UTF8.self)))
        }
        XCTAssertEqual(roots, [try rootDigest(reference.stdout), try rootDigest(reference.stdout)])
        XCTAssertEqual(try cacheEntries(shared.artifacts), keys)
        try assertNoPartialEntry(shared.artifacts, reference: clean.artifacts.appendingPathComponent("cache"), keys: keys, "after two runs")
        let verified = try CLI.run(["verify", shared.artifacts.appendingPathComponent("fault").path])
        XCTAssertEqual(verified.status, 0, verified.stderr)
    }

    // MARK: - The project

    var testKinds: [String: String] { ["CELLAR_TEST_KINDS": "1"] }

    struct Project { var recipe: URL; var artifacts: URL }

    /// A folder with payload.tar.gz (three text files of `fileBytes` each, made with tar so
    /// the archive is independent of cellar's own packer) and a five-cell recipe over it.
    func makeProject(_ name: String, fileBytes: Int) throws -> Project {
        let dir = folder.appendingPathComponent(name)
        let payload = dir.appendingPathComponent("payload/data")
        try fm.createDirectory(at: payload, withIntermediateDirectories: true)
        for (i, file) in ["a.txt", "b.txt", "c.txt"].enumerated() {
            var text = ""
            var line = 0
            while text.utf8.count < fileBytes { text += "file \(i) line \(line): the quick brown fox jumps over the lazy dog\n"; line += 1 }
            try Data(text.utf8.prefix(fileBytes)).write(to: payload.appendingPathComponent(file))
        }
        let archive = dir.appendingPathComponent("payload.tar.gz")
        try shell("tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C '\(dir.path)/payload' -czf '\(archive.path)' data")
        let sha = try shell("sha256sum '\(archive.path)'").prefix(64)
        let recipe = dir.appendingPathComponent("recipe.toml")
        try Data("""
            [recipe]
            name = "fault"

            [[cell]]
            id = "bundle"
            kind = "install"
            bundle = "payload.tar.gz"
            sha256 = "\(sha)"

            [[cell]]
            id = "upper"
            kind = "test-upper"
            input = "@bundle/data/a.txt"

            [[cell]]
            id = "nap"
            kind = "test-sleep"
            seconds = 0.1
            text = "rested"

            [[cell]]
            id = "copy"
            kind = "test-copy"
            input = "@upper"

            [[cell]]
            id = "all"
            kind = "test-copy"
            input = "@bundle/data"

            """.utf8).write(to: recipe)
        return Project(recipe: recipe, artifacts: dir.appendingPathComponent("artifacts"))
    }

    @discardableResult
    func shell(_ command: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", command]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, command)
        return String(decoding: data, as: UTF8.self)
    }

    /// `cellar ARGUMENTS` under `ulimit -f` (KiB), with SIGXFSZ ignored.
    func runLimited(_ arguments: [String], fileSizeKiB: Int) throws -> CLIResult {
        let quoted = arguments.map { "'\($0)'" }.joined(separator: " ")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", "trap '' XFSZ; ulimit -f \(fileSizeKiB); exec '\(CLI.executable.path)' \(quoted)"]
        p.environment = ProcessInfo.processInfo.environment.merging(testKinds) { $1 }
        let out = folder.appendingPathComponent("limited.out"), err = folder.appendingPathComponent("limited.err")
        _ = fm.createFile(atPath: out.path, contents: nil)
        _ = fm.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        p.waitUntilExit()
        return CLIResult(status: p.terminationStatus, stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                         stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    func rootDigest(_ json: String) throws -> String {
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], json)
        return try XCTUnwrap(object["root_digest"] as? String, json)
    }

    /// The 64-hex-digit entry names under artifacts/cache.
    func cacheEntries(_ artifacts: URL) throws -> [String] {
        let cache = artifacts.appendingPathComponent("cache")
        guard fm.fileExists(atPath: cache.path) else { return [] }
        return try fm.contentsOfDirectory(atPath: cache.path).filter { $0.count == 64 }.sorted()
    }

    /// Everything visible in artifacts/cache is either the stat cache or a whole entry, byte for
    /// byte the one the clean run made under the same key; unfinished work may only sit in
    /// hidden names (.staging, .statcache.json.tmp-…).
    func assertNoPartialEntry(_ artifacts: URL, reference: URL, keys: [String], _ moment: String,
                              file: StaticString = #filePath, line: UInt = #line) throws {
        let cache = artifacts.appendingPathComponent("cache")
        guard fm.fileExists(atPath: cache.path) else { return }
        for name in try fm.contentsOfDirectory(atPath: cache.path) where !name.hasPrefix(".") {
            if name == "statcache.json" { continue }
            XCTAssertTrue(keys.contains(name), "\(moment): unexpected \(name) in the cache", file: file, line: line)
            guard keys.contains(name) else { continue }
            let entry = cache.appendingPathComponent(name), expected = reference.appendingPathComponent(name)
            XCTAssertEqual(try tree(entry), try tree(expected), "\(moment): entry \(name) differs from the clean run's",
                           file: file, line: line)
        }
    }

    /// Relative path → bytes of every file under `root`.
    func tree(_ root: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        guard let walker = fm.enumerator(atPath: root.path) else { return files }
        while let path = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let url = root.appendingPathComponent(path)
            if fm.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[path] = try Data(contentsOf: url)
            }
        }
        return files
    }
}

