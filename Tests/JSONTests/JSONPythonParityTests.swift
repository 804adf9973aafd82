import Foundation
import JSON
import TestSupport
import XCTest

/// Reading and writing agree with Python's json module on generated documents.
final class JSONPythonParityTests: XCTestCase {
    /// Integers beyond 64 bits as floats: where our reading deliberately differs from Python's.
    static let pythonFix = """
        def fix(v):
            if isinstance(v, bool) or v is None: return v
            if isinstance(v, int): return v if -2**63 <= v < 2**63 else float(v)
            if isinstance(v, list): return [fix(x) for x in v]
            if isinstance(v, dict): return {k: fix(x) for k, x in v.items()}
            return v
        """

    /// Python's reading of each document, written compact, indented and key-sorted. Integers
    /// beyond 64 bits become floats first: that is where our reading deliberately differs.
    static let dumpScript = """
        import json, sys
        \(pythonFix)
        out = []
        for doc in sys.stdin.buffer.read().decode('utf-8').split('\\x00'):
            v = fix(json.loads(doc))
            out.append(json.dumps(v, ensure_ascii=False, separators=(',', ':')))
            out.append(json.dumps(v, ensure_ascii=False, indent=2))
            out.append(json.dumps(v, ensure_ascii=False, separators=(',', ':'), sort_keys=True))
        sys.stdout.buffer.write('\\x00'.join(out).encode('utf-8'))
        """

    static func pythonDumps(_ documents: [String]) throws -> [String] {
        let out = try Fixtures.python(dumpScript, stdin: Data(documents.joined(separator: "\u{0}").utf8))
        return String(decoding: out, as: UTF8.self).split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
    }

    func testWritersMatchPythonDumpsOfTheSameReading() throws {
        guard try Fixtures.hasPython("json") else { throw XCTSkip("python missing") }
        var generator = GeneratedDocuments(seed: 1)
        let documents = (0..<300).map { _ in generator.document() }
        let python = try Self.pythonDumps(documents)
        XCTAssertEqual(python.count, documents.count * 3)
        for (i, doc) in documents.enumerated() {
            let ours = try JSONParser.parse(doc, file: "doc\(i)")
            XCTAssertEqual(JSONWriter.serialize(ours), python[3 * i], "compact #\(i): \(doc)")
            XCTAssertEqual(JSONWriter.serialize(ours, indent: 2), python[3 * i + 1], "indented #\(i): \(doc)")
            XCTAssertEqual(JSONWriter.serialize(ours, sortKeys: true), python[3 * i + 2], "sorted #\(i): \(doc)")
        }
    }

    /// Integers stay integers and fractions or exponents make floats, as in Python.
    func testIntegerAndFloatStayDistinctAsInPython() throws {
        guard try Fixtures.hasPython("json") else { throw XCTSkip("python missing") }
        let literals = ["0", "-0", "1", "-1", "1.0", "1e2", "1E+2", "-0.0", "9223372036854775807", "-9223372036854775808",
                        "9223372036854775808", "123456789012345678901234567890", "2.5e-3", "5e-324", "1.7976931348623157e308"]
        let out = try Fixtures.python("""
            import json, sys
            for lit in sys.argv[1:]:
                v = json.loads(lit)
                print(type(v).__name__, float(v).hex())
            """, literals)
        let lines = String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, literals.count)
        for (lit, line) in zip(literals, lines) {
            let parts = line.split(separator: " ")
            let value = try JSONParser.parse(lit)
            let fitsInt = Int(lit) != nil
            switch value {
            case .integer(let i):
                XCTAssertEqual(parts[0], "int", lit)
                XCTAssertEqual(Double(i), Double(String(parts[1])), lit)
            case .number(let d):
                // Python keeps big integers exact; we keep their nearest double.
                XCTAssertTrue(parts[0] == "float" || !fitsInt, lit)
                XCTAssertEqual(d.bitPattern, Double(String(parts[1]))?.bitPattern, lit)
            default: XCTFail("\(lit) read as \(value)")
            }
        }
    }

    func testFloatsPrintAsPythonRepr() throws {
        guard try Fixtures.hasPython("json") else { throw XCTSkip("python missing") }
        var generator = GeneratedDocuments(seed: 7)
        var values: [Double] = [0.1, 1e15, 1e16, 123456789012345.6, 1e-4, 1e-5, 0.5, 1e22, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -0.0, 100.0]
        for _ in 0..<2000 {
            // Random bit patterns cover every exponent; smaller ones the positional range.
            let d = generator.below(2) == 0 ? Double(bitPattern: generator.next()) : Double(generator.next() % 1_000_000_000) / 1000 * Double(generator.below(3) == 0 ? 1e-6 : 1e9)
            if d.isFinite { values.append(d) }
        }
        let out = try Fixtures.python("import sys\nfor line in sys.stdin: print(repr(float.fromhex(line.strip())))",
                                      stdin: Data(values.map { $0.hexadecimalForPython }.joined(separator: "\n").utf8))
        let reprs = String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertEqual(reprs.count, values.count)
        for (d, repr) in zip(values, reprs) { XCTAssertEqual(JSONWriter.pythonRepr(d), repr, "\(d)") }
    }

    /// The cache-key form is Python's `json.dumps(sort_keys=True, separators=(",", ":"),
    /// ensure_ascii=False)` wherever the two agree by design (no \b or \f, moderate floats).
    func testCanonicalMatchesPythonSortedCompactDump() throws {
        guard try Fixtures.hasPython("json") else { throw XCTSkip("python missing") }
        var generator = GeneratedDocuments(seed: 3)
        generator.canonicalSafe = true
        let documents = (0..<200).map { _ in generator.document() }
        let python = try Self.pythonDumps(documents)
        for (i, doc) in documents.enumerated() {
            XCTAssertEqual(try JSONParser.parse(doc).canonical, python[3 * i + 2], "#\(i): \(doc)")
        }
    }

    /// Where canonical form spells things its own way, Python still reads back the same value.
    func testCanonicalReadsBackInPythonAsTheSameValue() throws {
        guard try Fixtures.hasPython("json") else { throw XCTSkip("python missing") }
        var generator = GeneratedDocuments(seed: 5)
        let documents = (0..<200).map { _ in generator.document() }
        let pairs = try documents.map { doc in try JSONParser.parse(doc).canonical + "\u{1}" + doc }
        let out = try Fixtures.python("""
            import json, sys
            \(Self.pythonFix)
            for pair in sys.stdin.buffer.read().decode('utf-8').split('\\x00'):
                ours, doc = pair.split('\\x01')
                a, b = json.loads(ours), fix(json.loads(doc))
                print(a == b and json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True))
            """, stdin: Data(pairs.joined(separator: "\u{0}").utf8))
        let answers = String(decoding: out, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(answers.count, documents.count)
        for (i, answer) in answers.enumerated() { XCTAssertEqual(answer, "True", documents[i]) }
    }
}

extension Double {
    /// `float.hex()` form: exact, so no decimal conversion stands between the two sides.
    var hexadecimalForPython: String {
        if self == 0 { return sign == .minus ? "-0x0p+0" : "0x0p+0" }
        let m = significandBitPattern, e = Int(exponentBitPattern)
        let s = sign == .minus ? "-" : ""
        return e == 0 ? "\(s)0x0.\(String(m, radix: 16).leftPadded(13))p-1022"
                      : "\(s)0x1.\(String(m, radix: 16).leftPadded(13))p\(e - 1023 >= 0 ? "+" : "")\(e - 1023)"
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
