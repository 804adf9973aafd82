import Foundation
import TestSupport
import XCTest
@testable import Text

/// Renders a batch of templates with Python's jinja2 set up exactly as transformers sets it up
/// (../shared/chat-templates/render_expected.py's make_env: immutable sandbox, trim_blocks,
/// lstrip_blocks, loopcontrols, transformers' tojson, raise_exception, strftime_now pinned to
/// "26 Jul 2024"), in one Python call.
enum JinjaReference {
    struct Case {
        let template: String
        let variables: [String: JinjaValue]
    }

    enum Outcome: Equatable {
        case output(String)
        /// error_type is the Python exception class; TemplateError is raise_exception's.
        case error(type: String, message: String)
    }

    static let script = #"""
import json, sys
sys.path.insert(0, sys.argv[1])
import render_expected
env = render_expected.make_env()
cases = json.load(sys.stdin)
out = []
compiled = {}
for c in cases:
    try:
        t = compiled.get(c["template"])
        if t is None:
            t = compiled[c["template"]] = env.from_string(c["template"])
        out.append({"output": t.render(**c["variables"])})
    except Exception as e:
        out.append({"error": str(e), "error_type": type(e).__name__})
sys.stdout.write(json.dumps(out, ensure_ascii=False))
"""#

    /// nil when jinja2 or the shared folder is absent (and references are not required).
    static func render(_ cases: [Case]) throws -> [Outcome]? {
        let folder = Fixtures.shared.appendingPathComponent("chat-templates")
        guard try Fixtures.optional(folder.appendingPathComponent("render_expected.py")) != nil,
              try Fixtures.hasPython("jinja2") else { return nil }
        let payload = JinjaValue.array(cases.map { c in
            .dict([("template", .string(c.template)),
                   ("variables", .dict(c.variables.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }))])
        })
        let data = try Fixtures.python(script, [folder.path], stdin: Data(encodeJSON(payload).utf8))
        guard case .array(let results) = try JinjaValue(json: data), results.count == cases.count else {
            XCTFail("python reference returned the wrong number of results"); return nil
        }
        return results.map { r in
            if let o = r["output"]?.stringValue { return .output(o) }
            return .error(type: r["error_type"]?.stringValue ?? "", message: r["error"]?.stringValue ?? "")
        }
    }

    /// JSON text for the Python side (test-only; independent of the renderer's tojson).
    static func encodeJSON(_ v: JinjaValue) -> String {
        switch v {
        case .none: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return "\(d)"
        case .string(let s):
            var out = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                default:
                    if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
                }
            }
            return out + "\""
        case .array(let a): return "[" + a.map(encodeJSON).joined(separator: ",") + "]"
        case .dict(let pairs): return "{" + pairs.map { encodeJSON(.string($0.key)) + ":" + encodeJSON($0.value) }.joined(separator: ",") + "}"
        }
    }

    /// Renders with our interpreter, in the same shape.
    nonisolated(unsafe) static var compiled: [String: ChatTemplate] = [:]

    static func ours(_ c: Case) -> Outcome {
        do {
            let template: ChatTemplate
            if let t = compiled[c.template] { template = t } else {
                template = try ChatTemplate(c.template)
                compiled[c.template] = template
            }
            return .output(try template.render(variables: c.variables))
        } catch {
            return .error(type: error.kind == .raised ? "TemplateError" : "\(error.kind)", message: error.message)
        }
    }

    /// Compares ours with jinja2's: outputs byte for byte; raise_exception messages exactly;
    /// for other errors only that both failed.
    static func assertSame(_ cases: [Case], _ reference: [Outcome], label: (Int) -> String, file: StaticString = #filePath, line: UInt = #line) -> Int {
        var compared = 0
        for (i, c) in cases.enumerated() {
            let mine = ours(c)
            switch (mine, reference[i]) {
            case let (.output(a), .output(b)):
                XCTAssertTrue(a.utf8.elementsEqual(b.utf8), "\(label(i)): got \(a.debugDescription), jinja2 gives \(b.debugDescription)", file: file, line: line)
            case let (.error(t, m), .error(u, n)):
                if u == "TemplateError" || t == "TemplateError" {
                    XCTAssertEqual(t, u, "\(label(i))", file: file, line: line)
                    XCTAssertEqual(m, n, "\(label(i))", file: file, line: line)
                }
            default:
                XCTFail("\(label(i)): ours \(mine), jinja2 \(reference[i])", file: file, line: line)
            }
            compared += 1
        }
        return compared
    }
}
