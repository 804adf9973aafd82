import Foundation
import XCTest

/// `cellar run`, `plan` and `verify` end to end, through the built binary and its test-only
/// cell kinds (CELLAR_TEST_KINDS=1).
final class RunCLITests: XCTestCase {
    var folder: URL!
    var log: URL { folder.appendingPathComponent("invocations.log") }
    var environment: [String: String] { ["CELLAR_TEST_KINDS": "1", "CELLAR_TEST_LOG": log.path] }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func write(_ text: String, _ name: String = "recipe.toml", in dir: URL? = nil) throws -> URL {
        let url = (dir ?? folder).appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url
    }

    func invocations() -> [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func cacheEntries(_ artifacts: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: artifacts.appendingPathComponent("cache").path)) ?? [])
            .filter { $0.count == 64 }.sorted()
    }

    /// Starts `cellar` without waiting, its output going to files.
    func launch(_ arguments: [String], name: String) throws -> Process {
        let p = Process()
        p.executableURL = CLI.executable
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        try Data().write(to: folder.appendingPathComponent("\(name).out"))
        try Data().write(to: folder.appendingPathComponent("\(name).err"))
        p.standardOutput = try FileHandle(forWritingTo: folder.appendingPathComponent("\(name).out"))
        p.standardError = try FileHandle(forWritingTo: folder.appendingPathComponent("\(name).err"))
        try p.run()
        return p
    }

    func output(_ name: String) -> String {
        (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    static let chain = """
        [recipe]
        name = "chain"

        [[cell]]
        id = "a"
        kind = "test-write"
        text = "hello"

        [[cell]]
        id = "b"
        kind = "test-upper"
        input = "@a/out.txt"
        """

    func testRunTwicePlanAndVerify() throws {
        let recipe = try write(Self.chain)
        let first = try CLI.run(["run", recipe.path], environment: environment)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("── [1/2] a · test-write"), first.stdout)
        XCTAssertTrue(first.stdout.contains("── [2/2] b · test-upper"), first.stdout)
        XCTAssertTrue(first.stdout.contains("wrote out.txt (5 bytes)"), first.stdout)
        XCTAssertEqual(invocations(), ["a", "b"])

        let second = try CLI.run(["run", recipe.path, "--json"], environment: environment)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(invocations(), ["a", "b"], "the second run executed a cell")
        let cells = try XCTUnwrap(try json(second.stdout)["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.map { $0["status"] as? String }, ["cached", "cached"])

        _ = try write(Self.chain.replacingOccurrences(of: "\"hello\"", with: "\"bye\""))
        let plan = try CLI.run(["plan", recipe.path, "--json"], environment: environment)
        XCTAssertEqual(plan.status, 0, plan.stderr)
        let planned = try XCTUnwrap(try json(plan.stdout)["cells"] as? [[String: Any]])
        XCTAssertEqual(planned.map { $0["status"] as? String }, ["will run", "may run"])
        let reasons = try XCTUnwrap(planned[0]["reasons"] as? [[String: Any]])
        XCTAssertEqual(reasons.map { $0["code"] as? String }, ["parameter-changed"])
        let text = try CLI.run(["plan", recipe.path], environment: environment)
        XCTAssertTrue(text.stdout.contains("a (test-write): will run — parameter text changed (\"hello\" → \"bye\")"), text.stdout)

        let manifest = folder.appendingPathComponent("artifacts/chain/manifest.json")
        let verified = try CLI.run(["verify", manifest.path])
        XCTAssertEqual(verified.status, 0, verified.stderr)
        let entry = folder.appendingPathComponent("artifacts/cache").appendingPathComponent(
            try XCTUnwrap(cells[1]["key"] as? String))
        try Data("HELLO!".utf8).write(to: entry.appendingPathComponent("out.txt"))
        let broken = try CLI.run(["verify", manifest.path])
        XCTAssertEqual(broken.status, 1)
        XCTAssertTrue(broken.stderr.contains("cell 'b': output out.txt has sha256 "), broken.stderr)
    }

    func testFailingCellExitsOneNamingTheCellAndWritesNoManifest() throws {
        let recipe = try write(Self.chain + "\n[[cell]]\nid = \"boom\"\nkind = \"test-fail\"\nmessage = \"no space left\"\n")
        let r = try CLI.run(["run", recipe.path], environment: environment)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "cellar: cell 'boom' (test-fail) failed: no space left\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("artifacts/chain/manifest.json").path))
        XCTAssertEqual(cacheEntries(folder.appendingPathComponent("artifacts")).count, 2)
    }

    func testKill9MidCellLeavesNoEntryAndTheNextRunCompletes() throws {
        let recipe = try write("""
            [recipe]
            name = "slow"
            [[cell]]
            id = "fast"
            kind = "test-write"
            text = "quick"
            [[cell]]
            id = "slow"
            kind = "test-sleep"
            seconds = 60
            release = "release"
            """)
        let p = try launch(["run", recipe.path], name: "killed")
        let deadline = Date().addingTimeInterval(60)
        while !invocations().contains("slow") && p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertTrue(p.isRunning, output("killed.err"))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)

        let artifacts = folder.appendingPathComponent("artifacts")
        XCTAssertEqual(cacheEntries(artifacts).count, 1, "only the finished cell may have an entry")
        XCTAssertFalse(FileManager.default.fileExists(atPath: artifacts.appendingPathComponent("slow/manifest.json").path))

        _ = try write("", "release")
        let again = try CLI.run(["run", recipe.path, "--json"], environment: environment)
        XCTAssertEqual(again.status, 0, again.stderr)
        let cells = try XCTUnwrap(try json(again.stdout)["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.map { $0["status"] as? String }, ["cached", "ran"])
        XCTAssertEqual(cacheEntries(artifacts).count, 2)
        let staging = artifacts.appendingPathComponent("cache/.staging")
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? [], [],
                       "the killed run's staging folder was not cleaned up")
        let verified = try CLI.run(["verify", artifacts.appendingPathComponent("slow/manifest.json").path])
        XCTAssertEqual(verified.status, 0, verified.stderr)
    }

    func testTwoConcurrentRunsOnOneArtifactsFolderBothSucceed() throws {
        let recipe = try write("""
            [recipe]
            name = "both"
            [[cell]]
            id = "hold"
            kind = "test-sleep"
            seconds = 1
            text = "held"
            [[cell]]
            id = "up"
            kind = "test-upper"
            input = "@hold/out.txt"
            """)
        let one = try launch(["run", recipe.path, "--json"], name: "one")
        let two = try launch(["run", recipe.path, "--json"], name: "two")
        one.waitUntilExit()
        two.waitUntilExit()
        XCTAssertEqual(one.terminationStatus, 0, output("one.err"))
        XCTAssertEqual(two.terminationStatus, 0, output("two.err"))
        XCTAssertEqual(invocations().sorted(), ["hold", "up"], "a cell ran twice: the runs did not take turns")
        let a = try json(output("one.out")), b = try json(output("two.out"))
        XCTAssertEqual(a["root_digest"] as? String, b["root_digest"] as? String)
        let outputsA = (a["cells"] as? [[String: Any]])?.map { $0["outputs"] as? String }
        let outputsB = (b["cells"] as? [[String: Any]])?.map { $0["outputs"] as? String }
        XCTAssertEqual(outputsA, outputsB)
        let verified = try CLI.run(["verify", folder.appendingPathComponent("artifacts/both").path])
        XCTAssertEqual(verified.status, 0, verified.stderr)
    }

    func testTwoCleanRunsInTwoFoldersHaveTheSameRootDigest() throws {
        var roots: [String] = []
        for name in ["first", "second"] {
            let dir = folder.appendingPathComponent(name)
            _ = try write("same bytes\n", "data/in.txt", in: dir)
            let recipe = try write(Self.chain + "\n[[cell]]\nid = \"c\"\nkind = \"test-copy\"\ninput = \"data/in.txt\"\n", in: dir)
            let r = try CLI.run(["run", recipe.path, "--json"], environment: environment)
            XCTAssertEqual(r.status, 0, r.stderr)
            roots.append(try XCTUnwrap(try json(r.stdout)["root_digest"] as? String))
        }
        XCTAssertEqual(roots[0], roots[1])
        XCTAssertEqual(roots[0].count, 64)
    }

    func testBrokenRecipeReportsEveryErrorWithFileLineColumn() throws {
        let recipe = try write("""
            [recipe]
            name = "broken"

            [[cell]]
            id = "a"
            kind = "no-such-kind"

            [[cell]]
            id = "a"
            kind = "test-write"
            text = "x"

            [[cell]]
            id = "c"
            kind = "test-write"
            txet = "x"
            """)
        let r = try CLI.run(["run", recipe.path], environment: environment)
        XCTAssertEqual(r.status, 1)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        let path = recipe.path
        // Each problem at the line it was written on, with a column: the unknown kind, the
        // second id "a", the unknown key `txet`.
        func reported(line: Int, _ word: String) -> Bool {
            lines.contains { l in
                guard let r = l.range(of: "\(path):\(line):") else { return false }
                let rest = l[r.upperBound...]
                return rest.first?.isNumber == true && rest.contains(": ") && l.contains(word)
            }
        }
        XCTAssertTrue(reported(line: 6, "no-such-kind"), r.stderr)
        XCTAssertTrue(reported(line: 9, "a"), r.stderr)
        XCTAssertTrue(reported(line: 16, "txet"), r.stderr)
        XCTAssertGreaterThanOrEqual(lines.count, 3, r.stderr)
        let plan = try CLI.run(["plan", recipe.path], environment: environment)
        XCTAssertEqual(plan.status, 1)
        XCTAssertEqual(plan.stderr, r.stderr)
    }

    func testUsageErrors() throws {
        let recipe = try write(Self.chain)
        let both = try CLI.run(["run", recipe.path, "--from", "a", "--only", "b"], environment: environment)
        XCTAssertEqual(both.status, 2)
        XCTAssertTrue(both.stderr.contains("--from and --only cannot be combined"), both.stderr)
        let missing = try CLI.run(["run", folder.appendingPathComponent("nope.toml").path], environment: environment)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("nope.toml does not exist"), missing.stderr)
        let withoutKinds = try CLI.run(["run", recipe.path], environment: ["CELLAR_TEST_KINDS": "0"])
        XCTAssertEqual(withoutKinds.status, 1, "test kinds must not exist without CELLAR_TEST_KINDS=1")
    }
}
