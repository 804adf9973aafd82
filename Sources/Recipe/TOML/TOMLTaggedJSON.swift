import JSON

/// toml-test's tagged JSON: tables are objects, arrays are arrays, and every scalar is
/// `{"type": "integer", "value": "42"}`. `cellar debug toml-decode` prints this, so the parser
/// can be checked by the language-neutral suite.
public enum TOMLTaggedJSON {
    public static func encode(_ table: TOMLTable) -> String {
        var out = ""
        write(table, into: &out)
        out += "\n"
        return out
    }

    private static func write(_ table: TOMLTable, into out: inout String) {
        out += "{"
        for (i, entry) in table.entries.enumerated() {
            if i > 0 { out += "," }
            quote(entry.key, into: &out)
            out += ":"
            write(entry.node.value, into: &out)
        }
        out += "}"
    }

    private static func write(_ value: TOMLValue, into out: inout String) {
        switch value {
        case .table(let t): write(t, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item.value, into: &out)
            }
            out += "]"
        case .string(let s): scalar("string", s, into: &out)
        case .integer(let v): scalar("integer", String(v), into: &out)
        case .boolean(let b): scalar("bool", b ? "true" : "false", into: &out)
        case .float(let d): scalar("float", d.isNaN ? "nan" : d.isInfinite ? (d < 0 ? "-inf" : "inf") : "\(d)", into: &out)
        case .datetime(let d): scalar(d.kind.rawValue, d.rfc3339, into: &out)
        }
    }

    private static func scalar(_ type: String, _ value: String, into out: inout String) {
        out += "{\"type\":\"\(type)\",\"value\":"
        quote(value, into: &out)
        out += "}"
    }

    private static func quote(_ s: String, into out: inout String) {
        JSONWriter.appendQuoted(s, to: &out, escapeDelete: true)
    }
}
