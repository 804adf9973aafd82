import Foundation
import JSON

/// JSON for templates, read as Python's json.loads reads it: a number without fraction or
/// exponent stays `.int` and one with them `.double` (templates print `1` and `1.0`), a
/// repeated key keeps its first place with its last value, a lone surrogate escape becomes
/// U+FFFD (Python keeps it; a Swift String cannot), a leading byte order mark is skipped.
enum JinjaJSONReader {
    static func parse(_ data: Data, file: String) throws(JSONError) -> JinjaValue {
        convert(try JSONParser.parse(data, file: file, options: .python))
    }

    static func convert(_ json: JSONValue) -> JinjaValue {
        switch json {
        case .null: .none
        case .bool(let b): .bool(b)
        case .integer(let i): .int(i)
        case .number(let d): .double(d)
        case .string(let s): .string(s)
        case .array(let items): .array(items.map(convert))
        case .object(let members): .dict(members.map { (key: $0.key, value: convert($0.value)) })
        }
    }
}
