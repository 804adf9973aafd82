import Foundation
import Text

/// Accuracy, log loss and confusion counts of predictions against a label column.
public struct Evaluation: Sendable {
    public enum Labels: Sendable {
        /// The label is the choice itself, optionally renamed through the map first.
        case values(map: [String: String])
        /// The label is an index into the record's choices.
        case index
    }

    public var rows = 0
    public var correct = 0
    public var logLoss = 0.0
    /// Label order: the choices as first seen; with index labels, the positions "0", "1", ...
    /// (per-row choices such as ARC's would otherwise make one class per distinct answer text).
    public var classes: [String] = []
    public var confusion: [String: [String: Int]] = [:]
    public var accuracy: Double { rows == 0 ? 0 : Double(correct) / Double(rows) }

    /// Probabilities are clipped to [1e-15, 1] before the log, as scikit-learn's log_loss does.
    public static let epsilon = 1e-15

    public init(_ predictions: PredictionRecords, labelColumn: String, labels: Labels) throws(PromptError) {
        var lossSum = 0.0
        for (i, record) in predictions.records.enumerated() {
            let place = predictions.place(i)
            guard let choices = PredictionRecords.field(record, "choices")?.arrayValue?.compactMap(\.stringValue),
                  let probs = PredictionRecords.field(record, "probs")?.arrayValue?.compactMap(PredictionRecords.number),
                  choices.count == probs.count, !choices.isEmpty else {
                throw PromptError("\(place): expected \"choices\" (strings) and \"probs\" (numbers) of the same length")
            }
            guard let raw = PredictionRecords.field(record, "columns")?[labelColumn] else {
                throw PromptError("\(place): no column '\(labelColumn)' in the record's \"columns\"; add it to the prompt cell's keep")
            }
            let truth: String
            switch labels {
            case .index:
                guard let k = PredictionRecords.number(raw).map(Int.init), k >= 0, k < choices.count else {
                    throw PromptError("\(place): label \(JSONText.encode(raw)) is not an index into \(choices.count) choices")
                }
                truth = choices[k]
            case .values(let map):
                let text = raw.stringValue ?? JSONText.encode(raw)
                truth = map[text] ?? text
            }
            guard let t = choices.firstIndex(of: truth) else {
                throw PromptError("\(place): label '\(truth)' is not one of the choices \(choices); map it with label_map")
            }
            var best = 0
            for k in probs.indices where probs[k] > probs[best] { best = k }
            switch labels {
            case .index:
                confusion[String(t), default: [:]][String(best), default: 0] += 1
                while classes.count < choices.count { classes.append(String(classes.count)) }
            case .values:
                for c in choices where !classes.contains(c) { classes.append(c) }
                confusion[truth, default: [:]][choices[best], default: 0] += 1
            }
            if best == t { correct += 1 }
            lossSum -= Foundation.log(min(1, max(Evaluation.epsilon, probs[t])))
            rows += 1
        }
        logLoss = rows == 0 ? 0 : lossSum / Double(rows)
    }

    /// metrics.json: {rows, accuracy, log_loss, confusion: {true: {pred: count}}}, classes in order.
    public var json: String {
        var out = "{\n  \"rows\": \(rows),\n  \"accuracy\": \(JSONText.number(accuracy)),\n  \"log_loss\": \(JSONText.number(logLoss)),\n  \"confusion\": {"
        for (n, t) in classes.enumerated() {
            out += n == 0 ? "\n" : ",\n"
            out += "    " + JSONWriter.quoted(t) + ": {"
            out += classes.map { JSONWriter.quoted($0) + ": \(confusion[t]?[$0] ?? 0)" }.joined(separator: ", ") + "}"
        }
        return out + (classes.isEmpty ? "}\n}\n" : "\n  }\n}\n")
    }

    /// The notebook lines: the figures, then the confusion counts as a small table.
    public var lines: [String] {
        var out = [String(format: "accuracy %.4f (%d/%d) · log loss %.4f", accuracy, correct, rows, logLoss)]
        let width = max(9, classes.map(\.count).max() ?? 0)
        func pad(_ s: String) -> String { s + String(repeating: " ", count: max(1, width + 1 - s.count)) }
        out.append(pad("true\\pred") + classes.map(pad).joined())
        for t in classes {
            out.append(pad(t) + classes.map { pad(String(confusion[t]?[$0] ?? 0)) }.joined())
        }
        return out.map { line in
            var l = Substring(line)
            while l.last == " " { l.removeLast() }
            return String(l)
        }
    }
}
