import Foundation
import CellKit
import Recipe
import Decoding

/// `kind = "eval"`: accuracy, log loss and confusion counts of prediction records against a
/// label column the prompt cell kept. Writes metrics.json; exported into `artifacts/<recipe>/`.
public struct EvalCell: Cell {
    public static let schema = CellSchema(kind: "eval", summary: "Score predictions against a label column: accuracy, log loss, confusion.", parameters: [
        ParameterSpec("predictions", .string, required: true, isInput: true, help: "predictions.jsonl (@cell/file)"),
        ParameterSpec("label_column", .string, required: true, help: "a column the prompt cell kept"),
        ParameterSpec("label_map", .table, help: "raw label → choice, e.g. { a = \"A\", b = \"B\", tie = \"tie\" }"),
        ParameterSpec("label_is_index", .boolean, help: "the label is an index into the choices"),
    ])
    public static let version = 1
    public static var exportsOutputs: Bool { true }
    public init() {}

    public func run(_ context: CellContext) throws -> CellSummary {
        let id = context.cellID
        let input = try context.require(context.input("predictions"), "predictions")
        let column = try context.require(context.string("label_column"), "label_column")
        var labels = Evaluation.Labels.values(map: [:])
        if context.bool("label_is_index") == true {
            guard context.parameters["label_map"] == nil else {
                throw CellError(cellID: id, "give label_map or label_is_index = true, not both")
            }
            labels = .index
        } else if case .table(let table)? = context.parameters["label_map"]?.value {
            var map: [String: String] = [:]
            for key in table.keys {
                guard case .string(let choice)? = table[key]?.value else {
                    throw CellError(cellID: id, "label_map.\(key) must be a string naming a choice")
                }
                map[key] = choice
            }
            labels = .values(map: map)
        }
        let evaluation: Evaluation
        do {
            evaluation = try Evaluation(try PredictionRecords(input), labelColumn: column, labels: labels)
        } catch let error as RowsError {
            throw CellError(cellID: id, error.description)
        } catch let error as PromptError {
            throw CellError(cellID: id, error.message)
        }
        let out = context.outputDirectory.appendingPathComponent("metrics.json")
        do { try Data(evaluation.json.utf8).write(to: out) } catch {
            throw CellError(cellID: id, "cannot write metrics.json: \(error.localizedDescription)")
        }
        return CellSummary(lines: evaluation.lines, metrics: [
            "rows": Double(evaluation.rows), "accuracy": evaluation.accuracy, "log_loss": evaluation.logLoss,
        ])
    }
}
