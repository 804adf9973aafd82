import Foundation
import Recipe
import TestSupport
import XCTest

/// Runs every TOML 1.0.0 case of the language-neutral toml-test suite (../shared/toml-test)
/// through the parser in-process: valid documents must equal the suite's expected JSON as
/// values, invalid ones must be rejected.
final class TOMLTestSuiteTests: XCTestCase {
    /// A value in toml-test's tagged form, normalised so that equal values compare equal:
    /// floats numerically (nan equals nan), date-times with `T`, `Z` and no trailing zeros.
    indirect enum Tagged: Equatable, CustomStringConvertible {
        case table([String: Tagged])
        case array([Tagged])
        case scalar(type: String, value: String)

        var description: String {
            switch self {
            case .table(let t): "{" + t.keys.sorted().map { "\($0): \(t[$0]!)" }.joined(separator: ", ") + "}"
            case .array(let a): "[" + a.map(\.description).joined(separator: ", ") + "]"
            case .scalar(let type, let value): "\(type)(\(value))"
            }
        }

        static func scalar(_ type: String, normalising value: String) -> Tagged {
            switch type {
            case "float":
                guard let d = Double(value) else { return .scalar(type: type, value: "unparseable " + value) }
                return .scalar(type: type, value: d.isNaN ? "nan" : "\(d)")
            case "integer":
                return .scalar(type: type, value: Int64(value).map(String.init) ?? "unparseable " + value)
            case "datetime", "datetime-local", "date-local", "time-local":
                return .scalar(type: type, value: normaliseDateTime(value))
            default:
                return .scalar(type: type, value: value)
            }
        }

        static func normaliseDateTime(_ s: String) -> String {
            var v = s.uppercased().replacingOccurrences(of: " ", with: "T")
            if v.hasSuffix("+00:00") || v.hasSuffix("-00:00") { v = String(v.dropLast(6)) + "Z" }
            guard let dot = v.firstIndex(of: ".") else { return v }
            let digitsEnd = v[v.index(after: dot)...].firstIndex { !$0.isNumber } ?? v.endIndex
            var fraction = String(v[v.index(after: dot)..<digitsEnd])
            while fraction.hasSuffix("0") { fraction.removeLast() }
            return String(v[..<dot]) + (fraction.isEmpty ? "" : "." + fraction) + String(v[digitsEnd...])
        }

        init(_ value: TOMLValue) {
            switch value {
            case .table(let t):
                var d: [String: Tagged] = [:]
                for e in t.entries { d[e.key] = Tagged(e.node.value) }
                self = .table(d)
            case .array(let items): self = .array(items.map { Tagged($0.value) })
            case .string(let s): self = .scalar(type: "string", value: s)
            case .integer(let i): self = .scalar("integer", normalising: String(i))
            case .float(let f): self = .scalar("float", normalising: f.isNaN ? "nan" : "\(f)")
            case .boolean(let b): self = .scalar(type: "bool", value: b ? "true" : "false")
            case .datetime(let d): self = .scalar(d.kind.rawValue, normalising: d.rfc3339)
            }
        }

        init?(json: Any) {
            if let d = json as? [String: Any] {
                if d.count == 2, let type = d["type"] as? String, let value = d["value"] as? String {
                    self = .scalar(type, normalising: value)
                    return
                }
                var out: [String: Tagged] = [:]
                for (k, v) in d {
                    guard let t = Tagged(json: v) else { return nil }
                    out[k] = t
                }
                self = .table(out)
            } else if let a = json as? [Any] {
                var out: [Tagged] = []
                for v in a {
                    guard let t = Tagged(json: v) else { return nil }
                    out.append(t)
                }
                self = .array(out)
            } else {
                return nil
            }
        }
    }

    func testEveryTOML100CasePasses() throws {
        let tests = Fixtures.shared.appendingPathComponent("toml-test/tests")
        let list = tests.appendingPathComponent("files-toml-1.0.0")
        guard let listURL = try Fixtures.optional(list) else { throw XCTSkip("toml-test not found at \(list.path)") }
        let cases = try String(contentsOf: listURL, encoding: .utf8)
            .split(separator: "\n").map(String.init).filter { $0.hasSuffix(".toml") }

        var validTotal = 0, validPassed = 0, invalidTotal = 0, invalidPassed = 0
        var failures: [String] = []
        for name in cases {
            let bytes = Array(try Data(contentsOf: tests.appendingPathComponent(name)))
            if name.hasPrefix("valid/") {
                validTotal += 1
                let expectedURL = tests.appendingPathComponent(String(name.dropLast(5)) + ".json")
                let json = try JSONSerialization.jsonObject(with: Data(contentsOf: expectedURL))
                guard let expected = Tagged(json: json) else {
                    failures.append("\(name): cannot read the expected JSON"); continue
                }
                do {
                    let got = Tagged(.table(try TOML.parse(bytes: bytes, file: name)))
                    if got == expected { validPassed += 1 } else {
                        failures.append("\(name): got \(got), expected \(expected)")
                    }
                } catch {
                    failures.append("\(name): rejected: \(error)")
                }
            } else {
                invalidTotal += 1
                do {
                    let got = try TOML.parse(bytes: bytes, file: name)
                    failures.append("\(name): accepted, giving \(Tagged(.table(got)))")
                } catch {
                    invalidPassed += 1
                }
            }
        }
        print("toml-test 1.0.0: \(validPassed)/\(validTotal) valid, \(invalidPassed)/\(invalidTotal) invalid")
        XCTAssertGreaterThan(validTotal, 100, "the case list looks truncated")
        XCTAssertGreaterThan(invalidTotal, 100, "the case list looks truncated")
        XCTAssertTrue(failures.isEmpty, "\(failures.count) toml-test cases fail:\n" + failures.joined(separator: "\n"))
    }
}
