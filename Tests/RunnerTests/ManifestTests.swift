import Foundation
import JSON
import XCTest
import Store
import TestSupport
@testable import Runner

/// The manifest and the digests in it, checked against Python's json and hashlib.
final class ManifestTests: XCTestCase {
    func testCanonicalJSONMatchesPythonSortedCompactDump() throws {
        let value = JSONValue.object([
            "b": .array([.int(1), .double(0.1), .double(1.0), .double(1e16), .double(-2.5e-7), .bool(true), .null]),
            "a": .string("quote \" backslash \\ newline \n tab \t bell \u{07} é 😀"),
            "Z": .object(["y": .int(-3), "x": .string("")]),
            "é": .int(Int64.max),
        ])
        let python = try Fixtures.python("""
            import json, sys
            v = json.loads(sys.stdin.read())
            sys.stdout.write(json.dumps(v, sort_keys=True, separators=(',', ':'), ensure_ascii=False))
            """, stdin: Data(value.canonical.utf8))
        XCTAssertEqual(value.canonical, String(decoding: python, as: UTF8.self))
    }

    func testKeyIsSHA256OfTheCanonicalKeyMaterial() throws {
        let s = try Scratch()
        let result = try s.run(chainRecipe()).result
        for cell in result.manifest.predicate.cells {
            let material = try JSONEncoder().encode(cell.keyMaterial)
            let hex = try Fixtures.python("""
                import json, sys, hashlib
                v = json.loads(sys.stdin.read())
                s = json.dumps(v, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
                sys.stdout.write(hashlib.sha256(s.encode()).hexdigest())
                """, stdin: material)
            XCTAssertEqual(cell.key.description, String(decoding: hex, as: UTF8.self), cell.id)
            XCTAssertNil(cell.keyMaterial.json.canonical.range(of: "\"\(cell.id)\""),
                         "the cell id must not be part of the key")
        }
    }

    /// Recomputes, in Python, every digest the manifest states from the cached bytes.
    func testManifestDigestsMatchAnIndependentRecomputation() throws {
        let s = try Scratch()
        try s.write("input bytes\n", to: "in.txt")
        let recipe = chainRecipe() + "\n[[cell]]\nid = \"e\"\nkind = \"test-copy\"\ninput = \"in.txt\"\n"
        let result = try s.run(recipe).result
        let out = try Fixtures.python("""
            import json, sys, hashlib, os
            path = sys.argv[1]
            m = json.load(open(path))
            assert m["_type"] == "https://in-toto.io/Statement/v1"
            p = m["predicate"]
            cache = os.path.normpath(os.path.join(os.path.dirname(path), p["cache"]))
            root = hashlib.sha256()
            subjects = []
            for c in p["cells"]:
                entry = os.path.join(cache, c["key"])
                files = []
                for d, _, names in os.walk(entry):
                    for n in names:
                        full = os.path.join(d, n)
                        files.append((os.path.relpath(full, entry).encode(), hashlib.sha256(open(full, "rb").read()).hexdigest(), os.path.getsize(full)))
                files.sort()
                listing = "".join(f"{h}  {p.decode()}\\n" for p, h, _ in files)
                assert [(f["path"], f["sha256"], f["size"]) for f in c["outputs"]["files"]] == [(p.decode(), h, n) for p, h, n in files], c["id"]
                assert c["outputs"]["digest"] == hashlib.sha256(listing.encode()).hexdigest(), c["id"]
                root.update(f'{c["key"]} {c["outputs"]["digest"]}\\n'.encode())
                subjects += [{"name": c["id"] + "/" + f["path"], "digest": {"sha256": f["sha256"]}} for f in c["outputs"]["files"]]
            assert p["root_digest"] == root.hexdigest()
            assert m["subject"] == subjects
            recipe = os.path.normpath(os.path.join(os.path.dirname(path), p["recipe"]["path"]))
            assert p["recipe"]["sha256"] == hashlib.sha256(open(recipe, "rb").read()).hexdigest()
            e = [c for c in p["cells"] if c["id"] == "e"][0]
            assert e["inputs"][0]["sha256"] == hashlib.sha256(b"input bytes\\n").hexdigest()
            assert e["inputs"][0]["size"] == 12
            print(len(p["cells"]))
            """, [result.manifestURL.path])
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "5\n")
    }

    func testSameRecipeInTwoFoldersHasTheSameRootDigest() throws {
        let one = try Scratch(), two = try Scratch()
        for s in [one, two] { try s.write("input bytes\n", to: "data/in.txt") }
        let recipe = chainRecipe() + "\n[[cell]]\nid = \"e\"\nkind = \"test-upper\"\ninput = \"data/in.txt\"\n"
        let a = try one.run(recipe).result.manifest.predicate
        let b = try two.run(recipe).result.manifest.predicate
        XCTAssertEqual(a.rootDigest, b.rootDigest)
        XCTAssertEqual(a.cells.map(\.key), b.cells.map(\.key))
    }

    func testVerifyNamesEveryMismatchAndMissingFile() throws {
        let s = try Scratch()
        let result = try s.run(chainRecipe()).result
        XCTAssertEqual(try ManifestVerifier.verify(manifestAt: result.manifestURL).problems, [])
        let cells = result.manifest.predicate.cells
        let cache = s.folder.appendingPathComponent("artifacts/cache")
        try Data("tampered".utf8).write(to: cache.appendingPathComponent("\(cells[0].key)/out.txt"))
        try FileManager.default.removeItem(at: cache.appendingPathComponent("\(cells[3].key)/out.txt"))
        let problems = try ManifestVerifier.verify(manifestAt: result.manifestURL).problems
        XCTAssertEqual(problems.count, 2, "\(problems)")
        XCTAssertTrue(problems[0].hasPrefix("cell 'a': output out.txt has sha256 \(SHA256.hash(Data("tampered".utf8)))"), problems[0])
        XCTAssertTrue(problems[1].hasPrefix("cell 'd': output out.txt is missing"), problems[1])
    }

    func testAManifestThatIsNotOneIsOneSentence() throws {
        let s = try Scratch()
        try s.write("{\"_type\": \"x\"}", to: "m.json")
        XCTAssertThrowsError(try ManifestVerifier.verify(manifestAt: s.folder.appendingPathComponent("m.json"))) { error in
            XCTAssertTrue("\(error)".contains("m.json is not a cellar run manifest (missing key 'subject'"), "\(error)")
        }
    }
}
