import Foundation
import CellKit
import Recipe
import Decoding

/// `kind = "write"`: prediction records become the submission file a competition wants
/// (CSV or JSONL), columns mapped from record fields, rows in input order. Exported into
/// `artifacts/<recipe>/`.
public struct WriteCell: Cell {
    public static let schema = CellSchema(kind: "write", summary: "Write a submission file (CSV or JSONL) from prediction records.", parameters: [
        ParameterSpec("predictions", .string, required: true, isInput: true, help: "predictions.jsonl or generations.jsonl (@cell/file)"),
        ParameterSpec("path", .string, required: true, help: "the file to write, e.g. \"submission.csv\" (.csv or .jsonl)"),
        ParameterSpec("columns", .table, required: true,
                      help: "output column → field: id, prediction, prob:<choice>, columns.<name>, text, ..."),
        ParameterSpec("line_ending", .string, help: "\"lf\" (default) or \"crlf\" between CSV records"),
    ])
    public static let version = 1
    public static var exportsOutputs: Bool { true }
    public init() {}

    public func run(_ context: CellContext) throws -> CellSummary {
        let id = context.cellID
        let input = try context.require(context.input("predictions"), "predictions")
        let path = try context.require(context.string("path"), "path")
        guard !path.isEmpty, !path.contains("/"), !path.contains("\\"), !path.hasPrefix(".") else {
            throw CellError(cellID: id, "parameter 'path' must be a plain file name such as \"submission.csv\", got \"\(path)\"")
        }
        let format: SubmissionWriter.Format
        switch (path as NSString).pathExtension.lowercased() {
        case "csv": format = .csv
        case "jsonl": format = .jsonl
        default: throw CellError(cellID: id, "parameter 'path' must end in .csv or .jsonl, got \"\(path)\"")
        }
        guard case .table(let table)? = context.parameters["columns"]?.value, !table.keys.isEmpty else {
            throw CellError(cellID: id, "parameter 'columns' must be a table such as { id = \"id\", winner_model_a = \"prob:A\" }")
        }
        var columns: [(name: String, field: String)] = []
        for key in table.keys {
            guard case .string(let field)? = table[key]?.value else {
                throw CellError(cellID: id, "columns.\(key) must be a string naming a field, e.g. \"prob:A\"")
            }
            columns.append((key, field))
        }
        var writer = SubmissionWriter(columns: columns, format: format)
        switch context.string("line_ending") ?? "lf" {
        case "lf": writer.lineEnding = "\n"
        case "crlf": writer.lineEnding = "\r\n"
        case let other: throw CellError(cellID: id, "parameter 'line_ending' must be \"lf\" or \"crlf\", got \"\(other)\"")
        }
        let text: String
        let rows: Int
        do {
            let predictions = try PredictionRecords(input)
            rows = predictions.records.count
            text = try writer.render(predictions)
        } catch let error as RowsError {
            throw CellError(cellID: id, error.description)
        } catch let error as PromptError {
            throw CellError(cellID: id, error.message)
        }
        let out = context.outputDirectory.appendingPathComponent(path)
        do { try Data(text.utf8).write(to: out) } catch {
            throw CellError(cellID: id, "cannot write \(path): \(error.localizedDescription)")
        }
        return CellSummary(lines: ["wrote \(path): \(rows) rows × \(columns.count) columns (\(columns.map(\.name).joined(separator: ", ")))"],
                           metrics: ["rows": Double(rows)])
    }
}
