import Foundation
import XCTest

/// A fresh temporary folder per test, removed afterwards.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-tensors-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Python helper printing float64 bit patterns as hex, because Foundation's JSON number
/// parsing is not exact to the last bit.
let pythonBits = """
import struct as _struct
def bits(values): return [_struct.pack(">d", float(x)).hex() for x in values]

"""

/// Decodes `{"name": [hex bit patterns...]}` printed with `bits(...)`.
func decodeFloatLists(_ data: Data) throws -> [String: [Double]] {
    let raw = try JSONDecoder().decode([String: [String]].self, from: data)
    return raw.mapValues { $0.map { Double(bitPattern: UInt64($0, radix: 16) ?? 0) } }
}
