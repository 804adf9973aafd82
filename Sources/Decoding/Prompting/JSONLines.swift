import Foundation
import Text

/// JSON text for the records cells write (prompts.jsonl, predictions.jsonl): keys in the
/// given order, non-ASCII as UTF-8, doubles in Swift's shortest round-trip form (which
/// Python's float() reads back exactly), non-finite doubles as null.
public enum JSONText {
    public static func encode(_ value: JinjaValue) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    public static func write(_ value: JinjaValue, into out: inout String) {
        switch value {
        case .none: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += number(d)
        case .string(let s): out += JSONWriter.quoted(s)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case .dict(let pairs):
            out += "{"
            for (i, pair) in pairs.enumerated() {
                if i > 0 { out += "," }
                out += JSONWriter.quoted(pair.key)
                out += ":"
                write(pair.value, into: &out)
            }
            out += "}"
        }
    }

    /// Shortest text that reads back as the same double; integral values keep a ".0" so a
    /// reader sees a float.
    public static func number(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        return "\(d)"
    }
}
