import Foundation
import JSON
import Text

/// `cellar tokenize MODEL (--text T | --file F) [--special] [--json]`: the ids of a text and,
/// for each, the token and the bytes it stands for.
struct TokenizeCommand: Command {
    static let name = "tokenize"
    static let summary = "Tokenize text with a model's tokenizer."
    static let usage = "cellar tokenize MODEL (--text T | --file F) [--special] [--json]"

    static func run(_ args: inout Arguments) throws -> Int32 {
        let text = try args.option("--text")
        let file = try args.option("--file")
        let special = args.flag("--special")
        let json = args.flag("--json")
        let model = try args.positionals("MODEL")[0]
        let input: String
        switch (text, file) {
        case (let t?, nil): input = t
        case (nil, let f?):
            let data: Data
            if f == "-" { data = FileHandle.standardInput.readDataToEndOfFile() } else {
                guard let d = FileManager.default.contents(atPath: f) else { throw UsageError("\(name): cannot read \(f)") }
                data = d
            }
            guard let s = String(validating: data, as: UTF8.self) else {
                let offset = firstInvalidUTF8Offset(data)
                throw UsageError("\(name): \(f): not valid UTF-8 at byte \(offset)")
            }
            input = s
        default: throw UsageError("\(name): give exactly one of --text and --file")
        }
        let tokenizer = try Tokenizer.load(model: URL(fileURLWithPath: model))
        let ids = tokenizer.encode(input, addSpecialTokens: special)
        var out = ""
        if json {
            let tokens: [JSONValue] = ids.map { id in
                .object([("id", .int(id)), ("token", tokenizer.token(id).map { .string($0) } ?? .null),
                         ("bytes", .array(tokenizer.bytes(of: id).map { .int($0) })),
                         ("special", .bool(tokenizer.isSpecial(id)))])
            }
            out = JSONWriter.serialize(.object([("model", .string(model)), ("count", .int(ids.count)),
                                                ("ids", .array(ids.map { .int($0) })), ("tokens", .array(tokens))])) + "\n"
        } else {
            out += "ids: " + ids.map(String.init).joined(separator: " ") + "\n"
            out += "count: \(ids.count)\n"
            for id in ids {
                let token = tokenizer.token(id).map { JSONWriter.quoted($0) } ?? "?"
                out += "\(id)\t\(token)\t\(escapedBytes(tokenizer.bytes(of: id)))\(tokenizer.isSpecial(id) ? "\tspecial" : "")\n"
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
        return 0
    }

    /// Python-style b"..." with printable ASCII as is and every other byte as \xNN.
    static func escapedBytes(_ bytes: [UInt8]) -> String {
        var s = "b\""
        for b in bytes {
            switch b {
            case UInt8(ascii: "\""): s += "\\\""
            case UInt8(ascii: "\\"): s += "\\\\"
            case 0x0A: s += "\\n"
            case 0x09: s += "\\t"
            case 0x0D: s += "\\r"
            case 0x20...0x7E: s.append(Character(Unicode.Scalar(b)))
            default: s += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
            }
        }
        return s + "\""
    }

    static func firstInvalidUTF8Offset(_ data: Data) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = data.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput, .error: return offset
            }
        }
    }
}
