import Foundation
import Text

/// Records written by the choose and generate cells (predictions.jsonl, generations.jsonl),
/// read back for write and eval. Each is a JSON object; fields are looked up by name.
public struct PredictionRecords: Sendable {
    public var file: String
    public var records: [[(key: String, value: JinjaValue)]]
    public var lines: [Int]

    public init(_ url: URL) throws(RowsError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw RowsError(file: url.lastPathComponent, place: "", "cannot read the file: \(error.localizedDescription)")
        }
        try self.init(data, file: url.lastPathComponent)
    }

    public init(_ data: Data, file: String) throws(RowsError) {
        let table = try JSONLReader.read(data, file: file)
        self.file = file
        records = table.rows.map { row in zip(table.columns, row).compactMap { k, v in v.map { (k, $0) } } }
        lines = table.lines
    }

    public func place(_ index: Int) -> String { "\(file) line \(lines[index])" }

    public static func field(_ record: [(key: String, value: JinjaValue)], _ name: String) -> JinjaValue? {
        record.first { $0.key == name }?.value
    }

    /// The probability the record gives `choice` (from its "choices" and "probs").
    public static func probability(_ record: [(key: String, value: JinjaValue)], of choice: String) -> Double? {
        guard let choices = field(record, "choices")?.arrayValue, let probs = field(record, "probs")?.arrayValue,
              let i = choices.firstIndex(of: .string(choice)), i < probs.count else { return nil }
        return number(probs[i])
    }

    public static func number(_ v: JinjaValue) -> Double? {
        switch v {
        case .double(let d): d
        case .int(let i): Double(i)
        default: nil
        }
    }
}
