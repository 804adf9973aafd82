import Foundation
import Text

/// The text of one row that truncation may shorten: every string column, and every string in
/// a list column (a JSONL array, or a CSV cell holding a JSON-encoded list of strings as
/// Kaggle's LMSYS data does). The template's own text is never part of it.
struct RowFields {
    struct Field {
        var column: Int
        /// Position inside a list column; nil for a plain string column.
        var element: Int?
        var scalars: [Unicode.Scalar]
    }

    enum ColumnShape {
        case plain
        /// A CSV string holding a JSON list of strings: rebuilt as JSON text when cut.
        case jsonListText([String])
        /// A JSONL array whose items may be strings.
        case array([JinjaValue])
    }

    let columns: [String]
    let values: [JinjaValue?]
    var shapes: [ColumnShape] = []
    var fields: [Field] = []

    init(columns: [String], values: [JinjaValue?]) {
        self.columns = columns
        self.values = values
        for (c, value) in values.enumerated() {
            switch value {
            case .string(let s)?:
                if let list = RowFields.jsonStringList(s) {
                    shapes.append(.jsonListText(list))
                    for (e, item) in list.enumerated() { fields.append(Field(column: c, element: e, scalars: Array(item.unicodeScalars))) }
                } else {
                    shapes.append(.plain)
                    fields.append(Field(column: c, element: nil, scalars: Array(s.unicodeScalars)))
                }
            case .array(let items)?:
                shapes.append(.array(items))
                for (e, item) in items.enumerated() {
                    if case .string(let s) = item { fields.append(Field(column: c, element: e, scalars: Array(s.unicodeScalars))) }
                }
            default:
                shapes.append(.plain)
            }
        }
    }

    /// A string that is a JSON array of strings, decoded; nil for anything else.
    static func jsonStringList(_ s: String) -> [String]? {
        guard s.utf8.first == UInt8(ascii: "["), s.utf8.last == UInt8(ascii: "]"),
              case .array(let items)? = try? JinjaValue(json: Data(s.utf8)) else { return nil }
        var out: [String] = []
        for item in items {
            guard case .string(let t) = item else { return nil }
            out.append(t)
        }
        return out
    }

    /// A field cut to `keep` characters: its head and tail around `marker`.
    static func cut(_ scalars: [Unicode.Scalar], keep: Int, marker: String) -> String {
        guard keep < scalars.count else { return String(String.UnicodeScalarView(scalars)) }
        let head = (keep + 1) / 2
        let tail = keep - head
        // Whitespace at the cut would double the marker's own spaces.
        var headEnd = head
        while headEnd > 0 && scalars[headEnd - 1].properties.isWhitespace { headEnd -= 1 }
        var tailStart = scalars.count - tail
        while tailStart < scalars.count && scalars[tailStart].properties.isWhitespace { tailStart += 1 }
        var out = String.UnicodeScalarView(scalars[0..<headEnd])
        out.append(contentsOf: marker.unicodeScalars)
        out.append(contentsOf: scalars[tailStart...])
        return String(out)
    }

    /// The template variables with each field cut to `keeps[i]` characters (nil = whole).
    func variables(keeps: [Int?], marker: String) -> [String: JinjaValue] {
        var texts: [Int: [Int?: String]] = [:]
        for (i, f) in fields.enumerated() {
            guard let keep = keeps[i] else { continue }
            texts[f.column, default: [:]][f.element] = RowFields.cut(f.scalars, keep: keep, marker: marker)
        }
        var out: [String: JinjaValue] = [:]
        for (c, name) in columns.enumerated() {
            guard let value = values[c] else { continue }
            guard let cutTexts = texts[c] else { out[name] = value; continue }
            switch shapes[c] {
            case .plain:
                out[name] = .string(cutTexts[nil] ?? "")
            case .jsonListText(let items):
                let rebuilt = items.enumerated().map { e, s in JSONWriter.quoted(cutTexts[e] ?? s) }
                out[name] = .string("[" + rebuilt.joined(separator: ", ") + "]")
            case .array(let items):
                out[name] = .array(items.enumerated().map { e, v in cutTexts[e].map(JinjaValue.string) ?? v })
            }
        }
        return out
    }

    func text(of index: Int, keep: Int?, marker: String) -> String {
        let s = fields[index].scalars
        return RowFields.cut(s, keep: keep ?? s.count, marker: marker)
    }
}
