import Foundation
import Text

/// Writes a submission: one row per prediction record, in input order, with exactly the
/// columns asked for. Each column names a field of the record:
/// `id`, `row`, `prediction`, `prediction_index`, `text`, `finish_reason`, `prob:<choice>`,
/// `columns.<name>` (a passed-through column), or any other top-level field.
public struct SubmissionWriter: Sendable {
    public enum Format: Sendable { case csv, jsonl }

    public var columns: [(name: String, field: String)]
    public var format: Format
    /// "\n" (default) or "\r\n" between CSV records.
    public var lineEnding = "\n"

    public init(columns: [(name: String, field: String)], format: Format) {
        self.columns = columns; self.format = format
    }

    public func render(_ predictions: PredictionRecords) throws(PromptError) -> String {
        var out = ""
        if format == .csv {
            out += columns.map { SubmissionWriter.csvField($0.name) }.joined(separator: ",") + lineEnding
        }
        for (i, record) in predictions.records.enumerated() {
            var values: [JinjaValue] = []
            for column in columns {
                guard let v = SubmissionWriter.value(of: column.field, in: record) else {
                    throw PromptError("\(predictions.place(i)): the record has no field '\(column.field)' for column '\(column.name)'")
                }
                values.append(v)
            }
            switch format {
            case .csv:
                out += values.map { SubmissionWriter.csvField(SubmissionWriter.text($0)) }.joined(separator: ",") + lineEnding
            case .jsonl:
                JSONText.write(.dict(zip(columns, values).map { ($0.name, $1) }), into: &out)
                out += "\n"
            }
        }
        return out
    }

    static func value(of field: String, in record: [(key: String, value: JinjaValue)]) -> JinjaValue? {
        if field.hasPrefix("prob:") {
            return PredictionRecords.probability(record, of: String(field.dropFirst(5))).map(JinjaValue.double)
        }
        if field.hasPrefix("columns.") {
            return PredictionRecords.field(record, "columns")?[String(field.dropFirst(8))]
        }
        return PredictionRecords.field(record, field)
    }

    /// A value as CSV text: strings as they are, numbers round-trippably, lists as JSON.
    static func text(_ v: JinjaValue) -> String {
        switch v {
        case .string(let s): s
        case .none: ""
        case .double(let d): JSONText.number(d)
        default: JSONText.encode(v)
        }
    }

    /// RFC 4180: quoted when it holds a comma, a double quote or a line break; quotes doubled.
    static func csvField(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
