import JSON
import Recipe

extension JSONValue {
    /// A TOML value as JSON: tables become objects, datetimes their TOML text.
    public init(_ toml: TOMLValue) {
        switch toml {
        case .string(let s): self = .string(s)
        case .integer(let i): self = .integer(Int(i))
        case .float(let d): self = .number(d)
        case .boolean(let b): self = .bool(b)
        case .datetime(let dt): self = .string(dt.tomlText)
        case .array(let a): self = .array(a.map { JSONValue($0.value) })
        case .table(let t): self = .object(JSONValue.object(t))
        }
    }

    public static func object(_ table: TOMLTable) -> [String: JSONValue] {
        var o: [String: JSONValue] = [:]
        for e in table.entries { o[e.key] = JSONValue(e.node.value) }
        return o
    }
}

extension TOMLDateTime {
    /// The RFC 3339 text of the value, as TOML writes it (for keys and the manifest).
    var tomlText: String {
        func two(_ v: Int?) -> String { let s = String(v ?? 0); return s.count < 2 ? "0" + s : s }
        var date = ""
        if let year { date = String(repeating: "0", count: max(0, 4 - String(year).count)) + "\(year)-\(two(month))-\(two(day))" }
        var time = ""
        if hour != nil {
            time = "\(two(hour)):\(two(minute)):\(two(second))"
            if let fraction { time += "." + fraction }
        }
        var out = [date, time].filter { !$0.isEmpty }.joined(separator: "T")
        if let offsetMinutes {
            if offsetMinutes == 0 { out += "Z" } else {
                let m = abs(offsetMinutes)
                out += (offsetMinutes < 0 ? "-" : "+") + "\(two(m / 60)):\(two(m % 60))"
            }
        }
        return out
    }
}
