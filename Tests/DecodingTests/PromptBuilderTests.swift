import XCTest
import Foundation
import Text
import TestSupport
@testable import Decoding

/// Prompts from the repository's arena sample against Python: jinja2 (configured as
/// transformers does, with StrictUndefined and json.loads as from_json) and the `tokenizers`
/// library on the SmolLM2 tokenizer.
final class PromptBuilderTests: XCTestCase {
    static let userTemplate = """
        {% for p in prompt|from_json %}Prompt: {{ p }}
        {% endfor %}Response A: {{ response_a|from_json|join("\\n") }}
        Response B: {{ response_b|from_json|join("\\n") }}
        Which response is better? Answer A, B or tie.
        """

    func smolTokenizer() throws -> (Tokenizer, String, URL)? {
        guard let folder = try Fixtures.optional(Fixtures.shared.appendingPathComponent("tokenizers/smollm2-135m-instruct")),
              let template = try Fixtures.optional(Fixtures.shared.appendingPathComponent("chat-templates/smollm2-135m-instruct.jinja"))
        else { return nil }
        return (try PromptBuilderTests.loaded(folder), try String(contentsOf: template, encoding: .utf8), folder)
    }

    nonisolated(unsafe) static var cached: Tokenizer?
    static func loaded(_ folder: URL) throws -> Tokenizer {
        if let cached { return cached }
        let t = try Tokenizer.load(model: folder)
        cached = t
        return t
    }

    func arenaTable() throws -> RowTable {
        try RowReader.read(Fixtures.repositoryRoot.appendingPathComponent("data/arena/sample.csv"))
    }

    func builder(_ spec: PromptSpec, _ table: RowTable) throws -> PromptBuilder? {
        guard let (tokenizer, template, _) = try smolTokenizer() else { return nil }
        return try PromptBuilder(spec: spec, table: table, tokenizer: tokenizer, chatTemplateSource: template,
                                 bosToken: "<|im_start|>", eosToken: "<|im_end|>")
    }

    func arenaSpec() -> PromptSpec {
        var spec = PromptSpec(messages: [.init(role: "system", content: "You judge chatbot answers."),
                                         .init(role: "user", content: PromptBuilderTests.userTemplate)])
        spec.keep = ["winner"]
        return spec
    }

    static let reference = """
    import json, sys
    import jinja2, jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    from tokenizers import Tokenizer
    job = json.load(sys.stdin)
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                                        extensions=[jinja2.ext.loopcontrols])
    env.filters["from_json"] = json.loads
    chat = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    template = chat.from_string(job["template"])
    tok = Tokenizer.from_file(job["tokenizer"])
    out = []
    for row in job["rows"]:
        messages = [{"role": m["role"], "content": env.from_string(m["content"]).render(**row)} for m in job["messages"]]
        text = template.render(messages=messages, add_generation_prompt=True, bos_token="<|im_start|>", eos_token="<|im_end|>")
        out.append({"text": text, "ids": tok.encode(text, add_special_tokens=False).ids})
    print(json.dumps(out))
    """

    func testArenaPromptsMatchJinja2AndTokenizers() throws {
        guard try Fixtures.hasPython("jinja2"), try Fixtures.hasPython("tokenizers"),
              let (_, template, folder) = try smolTokenizer() else { throw XCTSkip("references missing") }
        let table = try arenaTable()
        let spec = arenaSpec()
        let builder = try XCTUnwrap(try builder(spec, table))
        let records = try table.rows.indices.map { try builder.build(row: $0) }

        let rows: [[String: String]] = table.rows.map { row in
            Dictionary(uniqueKeysWithValues: zip(table.columns, row.map { $0?.stringValue ?? "" }))
        }
        let job: [String: Any] = [
            "template": template, "tokenizer": folder.appendingPathComponent("tokenizer.json").path,
            "messages": spec.messages.map { ["role": $0.role, "content": $0.content] }, "rows": rows,
        ]
        let output = try Fixtures.python(PromptBuilderTests.reference, stdin: try JSONSerialization.data(withJSONObject: job))
        let expected = try XCTUnwrap(try JSONSerialization.jsonObject(with: output) as? [[String: Any]])
        XCTAssertEqual(expected.count, records.count)
        for (record, reference) in zip(records, expected) {
            XCTAssertEqual(record.text, reference["text"] as? String, "row \(record.row)")
            XCTAssertEqual(record.ids.map(Int.init), reference["ids"] as? [Int], "row \(record.row)")
            XCTAssertFalse(record.truncated)
        }
        XCTAssertEqual(records.map(\.id), table.rows.map { $0[0]?.stringValue ?? "" })
        XCTAssertEqual(records[0].columns.map(\.key), ["winner"])

        // The JSON line reads back (Python json) to the same record.
        let line = records[3].jsonLine
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(parsed["text"] as? String, expected[3]["text"] as? String)
        XCTAssertEqual(parsed["ids"] as? [Int], expected[3]["ids"] as? [Int])
        XCTAssertEqual(parsed["id"] as? String, table.rows[3][0]?.stringValue)
        XCTAssertEqual((parsed["columns"] as? [String: String])?["winner"], table.rows[3][4]?.stringValue)
    }

    /// Over budget, the longest field is cut first around the marker; the template's text
    /// survives whole; `tokenizers` agrees on the ids; the count is within budget.
    func testTruncationCutsLongestFieldFirst() throws {
        guard try Fixtures.hasPython("tokenizers"), let (_, _, folder) = try smolTokenizer() else { throw XCTSkip("references missing") }
        let long = (1...300).map { "word\($0)" }.joined(separator: " ")
        let csv = "id,question,answer\nq1,\"Short question?\",\"\(long)\"\n"
        let table = try CSVReader.read(Data(csv.utf8), file: "t.csv")
        var spec = PromptSpec(messages: [.init(role: "user", content: "Q: {{ question }}\nA: {{ answer }}\nJudge it.")])
        let full = try XCTUnwrap(try builder(spec, table)).build(row: 0)
        spec.maxInputTokens = 120
        let cut = try XCTUnwrap(try builder(spec, table)).build(row: 0)
        XCTAssertTrue(cut.truncated)
        XCTAssertLessThanOrEqual(cut.ids.count, 120)
        XCTAssertGreaterThan(cut.ids.count, 100, "cut far more than needed")
        XCTAssertGreaterThan(full.ids.count, 120)
        XCTAssertTrue(cut.text.contains("Q: Short question?\nA: word1 word2"))
        XCTAssertTrue(cut.text.contains(" … "))
        XCTAssertTrue(cut.text.contains("word300\nJudge it.<|im_end|>\n<|im_start|>assistant\n"))
        let script = """
        import json, sys
        from tokenizers import Tokenizer
        print(json.dumps(Tokenizer.from_file(sys.argv[1]).encode(sys.stdin.read(), add_special_tokens=False).ids))
        """
        let ids = try JSONSerialization.jsonObject(with: Fixtures.python(script, [folder.appendingPathComponent("tokenizer.json").path],
                                                                         stdin: Data(cut.text.utf8))) as? [Int]
        XCTAssertEqual(ids, cut.ids.map(Int.init))
    }

    func testTwoLongFieldsAreCutTowardsEqualLength() throws {
        let a = (1...200).map { "alpha\($0)" }.joined(separator: " ")
        let b = (1...60).map { "beta\($0)" }.joined(separator: " ")
        let table = try CSVReader.read(Data("id,a,b\n1,\"\(a)\",\"\(b)\"\n".utf8), file: "t.csv")
        var spec = PromptSpec(messages: [.init(role: "user", content: "{{ a }}|{{ b }}")])
        spec.maxInputTokens = 450
        guard let builder = try builder(spec, table) else { throw XCTSkip("tokenizer missing") }
        let record = try builder.build(row: 0)
        XCTAssertLessThanOrEqual(record.ids.count, 450)
        XCTAssertGreaterThan(record.ids.count, 430)
        // b (about 180 tokens) is shorter than a's share, so it stays whole.
        XCTAssertTrue(record.text.contains("|" + b + "<|im_end|>"), record.text)
        XCTAssertFalse(record.text.contains(a))
    }

    func testRowThatCannotFitNamesTheRow() throws {
        let table = try CSVReader.read(Data("id,a\n1,x\n2,\"y y y\"\n".utf8), file: "t.csv")
        var spec = PromptSpec(messages: [.init(role: "user", content: String(repeating: "fixed text ", count: 40) + "{{ a }}")])
        spec.maxInputTokens = 20
        guard let builder = try builder(spec, table) else { throw XCTSkip("tokenizer missing") }
        XCTAssertThrowsError(try builder.build(row: 1)) {
            XCTAssertTrue("\($0)".hasPrefix("t.csv line 3 (row 1): cannot fit in max_input_tokens = 20: the template and messages without any column text already take "), "\($0)")
        }
    }

    func testUnknownColumnInTemplate() throws {
        let table = try arenaTable()
        let spec = PromptSpec(messages: [.init(role: "user", content: "{{ prompt }}\n{{ response_c }}")])
        guard let builder = try builder(spec, table) else { throw XCTSkip("tokenizer missing") }
        XCTAssertThrowsError(try builder.build(row: 0)) {
            XCTAssertEqual("\($0)", "messages[0] (user) names 'response_c' (template line 2:4), which is not a column of sample.csv (its columns: id, prompt, response_a, response_b, winner)")
        }
    }

    func testMissingColumnsInParameters() throws {
        let table = try arenaTable()
        var spec = arenaSpec()
        spec.keep = ["label"]
        XCTAssertThrowsError(try builder(spec, table)) {
            XCTAssertEqual("\($0)", "keep names column 'label', which sample.csv does not have (its columns: id, prompt, response_a, response_b, winner)")
        }
        spec = arenaSpec()
        spec.idColumn = "row_id"
        XCTAssertThrowsError(try builder(spec, table)) { XCTAssertTrue("\($0)".hasPrefix("id_column names column 'row_id'"), "\($0)") }
    }

    func testJSONLRowLackingAKeyNamesRowAndColumn() throws {
        let table = try JSONLReader.read(Data("{\"id\": 1, \"q\": \"a\"}\n{\"id\": 2}\n".utf8), file: "d.jsonl")
        let spec = PromptSpec(messages: [.init(role: "user", content: "{{ q }}")])
        guard let builder = try builder(spec, table) else { throw XCTSkip("tokenizer missing") }
        XCTAssertEqual(try builder.build(row: 0).id, "1")
        XCTAssertThrowsError(try builder.build(row: 1)) {
            XCTAssertEqual("\($0)", "d.jsonl line 2 (row 1): the row has no value for column 'q', which messages[0] (user) uses")
        }
    }

    func testCutKeepsHeadAndTailAndRebuildsJSONLists() {
        XCTAssertEqual(RowFields.cut(Array("abcdef ghij".unicodeScalars), keep: 6, marker: "…"), "abc…hij")
        XCTAssertEqual(RowFields.cut(Array("ab cd ef".unicodeScalars), keep: 6, marker: " … "), "ab … ef")
        XCTAssertEqual(RowFields.cut(Array("short".unicodeScalars), keep: 9, marker: "…"), "short")
        let fields = RowFields(columns: ["turns", "n"], values: [.string("[\"aaaa bbbb\", \"c\\\"c\"]"), .int(3)])
        XCTAssertEqual(fields.fields.count, 2)
        let v = fields.variables(keeps: [4, nil], marker: "…")
        XCTAssertEqual(v["turns"], .string("[\"aa…bb\", \"c\\\"c\"]"))
        XCTAssertEqual(v["n"], .int(3))
        XCTAssertEqual(fields.variables(keeps: [nil, nil], marker: "…")["turns"], .string("[\"aaaa bbbb\", \"c\\\"c\"]"))
    }

    func testWaterLevel() {
        XCTAssertEqual(PromptBuilder.waterLevel([10, 4], excess: 3), 7)
        XCTAssertEqual(PromptBuilder.waterLevel([10, 4], excess: 8), 3)
        XCTAssertEqual(PromptBuilder.waterLevel([5, 5], excess: 100), 0)
    }

    func testStatisticsNearestRank() {
        let s = PromptStatistics(lengths: Array(1...20).reversed(), truncated: 2)
        XCTAssertEqual([s.minimum, s.median, s.p95, s.maximum, s.rows], [1, 10, 19, 20, 20])
        XCTAssertEqual(s.lines, ["20 rows · tokens min 1 · median 10 · p95 19 · max 20", "2 rows truncated"])
    }
}
