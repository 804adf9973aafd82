import Foundation
import Recipe
import XCTest

/// Every validation rule of docs/recipes.md, the all-at-once report, and positions.
final class RecipeValidatorTests: XCTestCase {
    static let schemas: [String: CellSchema] = [
        "install": CellSchema(kind: "install", summary: "unpack a bundle", parameters: [
            ParameterSpec("bundle", .string, required: true, isInput: true),
            ParameterSpec("sha256", .string),
            ParameterSpec("extract", .array(.string)),
        ]),
        "quantize": CellSchema(kind: "quantize", summary: "4-bit AWQ", parameters: [
            ParameterSpec("model", .string, required: true, isInput: true),
            ParameterSpec("bits", .integer, required: true),
            ParameterSpec("group_size", .integer),
            ParameterSpec("damping", .float),
            ParameterSpec("calibration", .stringOrStrings, isInput: true),
            ParameterSpec("note", .string),
        ]),
    ]
    static let file = URL(fileURLWithPath: "/work/recipes/demo.toml")

    private func parse(_ text: String) throws -> Recipe {
        try Recipe.parse(text, file: RecipeValidatorTests.file, schemas: RecipeValidatorTests.schemas)
    }

    /// The diagnostics of a recipe that must fail.
    private func diagnostics(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [RecipeDiagnostic] {
        do {
            _ = try parse(text)
            XCTFail("recipe was accepted", file: file, line: line)
            return []
        } catch {
            return (error as? RecipeError)?.diagnostics ?? []
        }
    }

    private func single(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> RecipeDiagnostic? {
        let d = diagnostics(text, file: file, line: line)
        XCTAssertEqual(d.count, 1, d.map(\.description).joined(separator: "\n"), file: file, line: line)
        return d.first
    }

    // MARK: a good recipe

    func testValidRecipeGivesOrderedCellsWithoutIdAndKind() throws {
        let r = try parse("""
        [recipe]
        name = "demo"
        description = "a demo"

        [[cell]]
        id = "wheel"
        kind = "install"
        bundle = "bundles/x.whl"

        [[cell]]
        id = "q4"
        kind = "quantize"
        model = "@wheel/model"
        bits = 4
        damping = 1
        calibration = ["@wheel/calib.jsonl", "data/extra.jsonl"]
        """)
        XCTAssertEqual(r.name, "demo")
        XCTAssertEqual(r.description, "a demo")
        XCTAssertEqual(r.artifactsDirectory.path, "/work/recipes/artifacts")
        XCTAssertEqual(r.cells.map(\.id), ["wheel", "q4"])
        XCTAssertEqual(r.cells.map(\.kind), ["install", "quantize"])
        XCTAssertEqual(r.cells[1].parameters.keys, ["model", "bits", "damping", "calibration"])
        XCTAssertEqual(r.cells[1].position, SourcePosition(line: 10, column: 1))
        XCTAssertEqual(r.cells[1].parameters["bits"]?.position, SourcePosition(line: 14, column: 8))
    }

    func testArtifactsFolderIsRelativeToTheRecipe() throws {
        let r = try parse("[recipe]\nname = \"n\"\nartifacts = \"../out/a\"\n[[cell]]\nid = \"a\"\nkind = \"install\"\nbundle = \"b\"\n")
        XCTAssertEqual(r.artifactsDirectory.path, "/work/out/a")
    }

    // MARK: one rule at a time

    func testTOMLSyntaxErrorIsOneDiagnosticWithPosition() {
        let d = single("[recipe]\nname = \"n\nx = 1\n")
        XCTAssertEqual(d?.description.hasPrefix("/work/recipes/demo.toml:2:10: unterminated string"), true, d?.description ?? "")
    }

    func testMissingRecipeTable() {
        let d = single("[[cell]]\nid = \"a\"\nkind = \"install\"\nbundle = \"b\"\n")
        XCTAssertEqual(d?.position, SourcePosition(line: 1, column: 1))
        XCTAssertEqual(d?.key, "recipe")
        XCTAssertTrue(d?.message.contains("missing [recipe]") ?? false)
    }

    func testMissingName() {
        let d = single("[recipe]\ndescription = \"x\"\n[[cell]]\nid = \"a\"\nkind = \"install\"\nbundle = \"b\"\n")
        XCTAssertEqual(d?.position, SourcePosition(line: 1, column: 1))
        XCTAssertEqual(d?.key, "name")
    }

    func testNameMustBeAUsableFolderName() {
        let d = single("[recipe]\nname = \"a/b\"\n[[cell]]\nid = \"a\"\nkind = \"install\"\nbundle = \"b\"\n")
        XCTAssertEqual(d?.position, SourcePosition(line: 2, column: 8))
        XCTAssertTrue(d?.message.contains("cannot contain '/'") ?? false, d?.message ?? "")
    }

    func testUnknownTopLevelKeySuggestsTheRightOne() {
        let d = single("[recipe]\nname = \"n\"\n[[cell]]\nid = \"a\"\nkind = \"install\"\nbundle = \"b\"\n[[cells]]\nid = \"b\"\n")
        XCTAssertEqual(d?.position, SourcePosition(line: 7, column: 3))
        XCTAssertEqual(d?.key, "cells")
        XCTAssertTrue(d?.message.hasSuffix("did you mean 'cell'?") ?? false, d?.message ?? "")
    }

    func testSingleBracketCellIsExplained() {
        let d = single("[recipe]\nname = \"n\"\n[cell]\nid = \"a\"\n")
        XCTAssertEqual(d?.position, SourcePosition(line: 3, column: 2))
        XCTAssertTrue(d?.message.contains("[[cell]]") ?? false)
    }

    func testCellWithoutIdOrKind() {
        let d = diagnostics("[recipe]\nname = \"n\"\n[[cell]]\nbundle = \"b\"\n")
        XCTAssertEqual(d.map(\.key), ["id", "kind"])
        XCTAssertEqual(d.map(\.position), [SourcePosition(line: 3, column: 1), SourcePosition(line: 3, column: 1)])
        XCTAssertTrue(d[1].message.contains("known kinds: install, quantize"), d[1].message)
    }

    func testIdCharactersAreRestricted() {
        let d = single("[recipe]\nname = \"n\"\n[[cell]]\nid = \"my cell/1\"\nkind = \"install\"\nbundle = \"b\"\n")
        XCTAssertEqual(d?.position, SourcePosition(line: 4, column: 6))
        XCTAssertEqual(d?.key, "id")
    }

    func testUnknownKindSuggestsNearMiss() {
        let d = single("[recipe]\nname = \"n\"\n[[cell]]\nid = \"q\"\nkind = \"quantise\"\nmodel = \"m\"\n")
        XCTAssertEqual(d?.description, "/work/recipes/demo.toml:5:8: cell 'q': unknown cell kind 'quantise'; did you mean 'quantize'?")
    }

    func testUnknownKindFarFromAnyListsTheKnownOnes() {
        let d = single("[recipe]\nname = \"n\"\n[[cell]]\nid = \"q\"\nkind = \"frobnicate\"\n")
        XCTAssertTrue(d?.message.hasSuffix("(known kinds: install, quantize)") ?? false, d?.message ?? "")
    }

    func testDuplicateIdPointsAtTheSecondAndNamesTheFirstLine() {
        let d = single("""
        [recipe]
        name = "n"
        [[cell]]
        id = "a"
        kind = "install"
        bundle = "b"
        [[cell]]
        id = "a"
        kind = "install"
        bundle = "c"
        """)
        XCTAssertEqual(d?.position, SourcePosition(line: 8, column: 6))
        XCTAssertEqual(d?.message, "duplicate cell id 'a' (first used at line 4)")
    }

    func testMissingRequiredParameterPointsAtTheCell() {
        let d = single("[recipe]\nname = \"n\"\n[[cell]]\nid = \"q\"\nkind = \"quantize\"\nmodel = \"m\"\n")
        XCTAssertEqual(d?.description, "/work/recipes/demo.toml:3:1: cell 'q' (quantize): missing required parameter 'bits' (an integer)")
        XCTAssertEqual(d?.key, "bits")
    }

    func testMistypedParameter() {
        let d = single("[recipe]\nname = \"n\"\n[[cell]]\nid = \"q\"\nkind = \"quantize\"\nmodel = \"m\"\nbits = \"4\"\n")
        XCTAssertEqual(d?.description, "/work/recipes/demo.toml:7:8: cell 'q' (quantize): parameter 'bits' expected an integer, got string \"4\"")
    }

    func testMistypedArrayElementPointsAtTheElement() {
        let d = single("[recipe]\nname = \"n\"\n[[cell]]\nid = \"i\"\nkind = \"install\"\nbundle = \"b\"\nextract = [\"a\", 2]\n")
        XCTAssertEqual(d?.position, SourcePosition(line: 7, column: 17))
        XCTAssertTrue(d?.message.contains("expected an array of strings, got an array whose element 2 is integer 2") ?? false, d?.message ?? "")
    }

    func testFloatParameterAcceptsAnIntegerButNotAString() {
        XCTAssertNoThrow(try parse("[recipe]\nname = \"n\"\n[[cell]]\nid = \"q\"\nkind = \"quantize\"\nmodel = \"m\"\nbits = 4\ndamping = 0\n"))
        let d = single("[recipe]\nname = \"n\"\n[[cell]]\nid = \"q\"\nkind = \"quantize\"\nmodel = \"m\"\nbits = 4\ndamping = \"0.1\"\n")
        XCTAssertTrue(d?.message.contains("expected a number, got string") ?? false, d?.message ?? "")
    }

    func testUnknownParameterSuggestsNearMissesIncludingSwaps() {
        let d = diagnostics("[recipe]\nname = \"n\"\n[[cell]]\nid = \"q\"\nkind = \"quantize\"\nmodle = \"m\"\nbits = 4\ngroup_sise = 64\nwibble = 1\n")
        // Source order: the missing 'model' is reported at the [[cell]] header, line 3.
        XCTAssertEqual(d.map(\.key), ["model", "modle", "group_sise", "wibble"])
        XCTAssertTrue(d[0].message.contains("missing required parameter 'model'"), d[0].message)
        XCTAssertEqual(d[1].description, "/work/recipes/demo.toml:6:1: cell 'q' (quantize): unknown parameter 'modle'; did you mean 'model'?")
        XCTAssertTrue(d[2].message.hasSuffix("did you mean 'group_size'?"), d[2].message)
        XCTAssertFalse(d[3].message.contains("did you mean"), d[3].message)
        XCTAssertTrue(d[3].message.hasSuffix("(known: model, bits, group_size, damping, calibration, note)"), d[3].message)
    }

    func testReferenceToUnknownCell() {
        let d = single("[recipe]\nname = \"n\"\n[[cell]]\nid = \"wheel\"\nkind = \"install\"\nbundle = \"b\"\n[[cell]]\nid = \"q\"\nkind = \"quantize\"\nmodel = \"@whel/model\"\nbits = 4\n")
        XCTAssertEqual(d?.position, SourcePosition(line: 10, column: 9))
        XCTAssertEqual(d?.message, "cell 'q' (quantize): parameter 'model' refers to unknown cell 'whel'; did you mean 'wheel'?")
    }

    func testReferenceToALaterCellOrItself() {
        let d = diagnostics("""
        [recipe]
        name = "n"
        [[cell]]
        id = "q"
        kind = "quantize"
        model = "@q"
        bits = 4
        calibration = ["data/a.jsonl", "@later/calib"]
        [[cell]]
        id = "later"
        kind = "install"
        bundle = "b"
        """)
        XCTAssertEqual(d.map(\.position), [SourcePosition(line: 6, column: 9), SourcePosition(line: 8, column: 32)])
        XCTAssertTrue(d[0].message.contains("own outputs"), d[0].message)
        XCTAssertTrue(d[1].message.contains("refers to cell 'later', which comes later (line 10)"), d[1].message)
    }

    func testMalformedReferenceIsRejectedButNonInputParametersAreNotReferences() {
        let d = single("[recipe]\nname = \"n\"\n[[cell]]\nid = \"w\"\nkind = \"install\"\nbundle = \"b\"\n[[cell]]\nid = \"q\"\nkind = \"quantize\"\nmodel = \"@w/../../etc\"\nbits = 4\nnote = \"@nobody\"\n")
        XCTAssertEqual(d?.position, SourcePosition(line: 10, column: 9))
        XCTAssertTrue(d?.message.contains("malformed reference") ?? false, d?.message ?? "")
    }

    // MARK: all at once

    func testEveryErrorIsReportedAtOnceInSourceOrder() {
        let text = """
        [recipe]
        nam = "broken"

        [[cell]]
        id = "q"
        kind = "quantize"
        model = "@base/model"
        bits = "four"
        grop_size = 128

        [[cell]]
        id = "q"
        kind = "instal"

        [[cell]]
        id = "base"
        kind = "install"
        """
        do {
            _ = try parse(text)
            XCTFail("accepted")
        } catch let error as RecipeError {
            let f = "/work/recipes/demo.toml"
            XCTAssertEqual(error.description, """
            \(f):1:1: [recipe] has no name; add name = "..."
            \(f):2:1: unknown key 'nam' in [recipe] (allowed: name, description, artifacts); did you mean 'name'?
            \(f):7:9: cell 'q' (quantize): parameter 'model' refers to cell 'base', which comes later (line 16); a cell can only use outputs of cells above it
            \(f):8:8: cell 'q' (quantize): parameter 'bits' expected an integer, got string "four"
            \(f):9:1: cell 'q' (quantize): unknown parameter 'grop_size'; did you mean 'group_size'?
            \(f):12:6: duplicate cell id 'q' (first used at line 5)
            \(f):13:8: cell 'q': unknown cell kind 'instal'; did you mean 'install'?
            \(f):15:1: cell 'base' (install): missing required parameter 'bundle' (a string)
            """)
        } catch {
            XCTFail("unexpected \(error)")
        }
    }

    // MARK: files and references

    func testLoadReadsTheFileAndNamesItInErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("recipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("r.toml")
        try Data("[recipe]\nname = \"n\"\n[[cell]]\nid = \"a\"\nkind = \"install\"\nbundle = \"b\"\n".utf8).write(to: url)
        let r = try Recipe.load(url, schemas: RecipeValidatorTests.schemas)
        XCTAssertEqual(r.artifactsDirectory.standardizedFileURL.path, dir.appendingPathComponent("artifacts").standardizedFileURL.path)
        XCTAssertThrowsError(try Recipe.load(dir.appendingPathComponent("missing.toml"), schemas: [:])) { e in
            XCTAssertTrue("\(e)".contains("missing.toml:1:1: cannot read the recipe"), "\(e)")
        }
        try Data([0x5B, 0xFF, 0x5D]).write(to: url)
        XCTAssertThrowsError(try Recipe.load(url, schemas: [:])) { e in
            XCTAssertTrue("\(e)".contains("r.toml:1:2: invalid UTF-8"), "\(e)")
        }
    }

    func testInputReferenceParsing() {
        XCTAssertEqual(InputReference.parse("@q4"), InputReference(cell: "q4", path: ""))
        XCTAssertEqual(InputReference.parse("@q4/"), InputReference(cell: "q4", path: ""))
        XCTAssertEqual(InputReference.parse("@q4/model/./config.json"), InputReference(cell: "q4", path: "model/config.json"))
        XCTAssertEqual(InputReference.parse("@a-b_c/x//y"), InputReference(cell: "a-b_c", path: "x/y"))
        XCTAssertNil(InputReference.parse("q4/model"))
        XCTAssertNil(InputReference.parse("@"))
        XCTAssertNil(InputReference.parse("@/model"))
        XCTAssertNil(InputReference.parse("@q 4/model"))
        XCTAssertNil(InputReference.parse("@q4/../secret"))
    }
}
