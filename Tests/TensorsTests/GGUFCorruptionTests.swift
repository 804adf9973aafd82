import Foundation
import XCTest
@testable import Tensors

/// Hand-built damaged GGUF files: each gives one GGUFError naming the file and the place.
final class GGUFCorruptionTests: XCTestCase {
    /// Little-endian GGUF bytes, built field by field.
    struct Builder {
        var bytes: [UInt8] = []
        mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes.append(contentsOf: s.utf8) }
        mutating func header(version: UInt32 = 3, tensors: UInt64, metadata: UInt64) {
            bytes.append(contentsOf: Array("GGUF".utf8)); u32(version); u64(tensors); u64(metadata)
        }
        mutating func tensor(_ name: String, dims: [UInt64], type: UInt32, offset: UInt64) {
            string(name); u32(UInt32(dims.count)); for d in dims { u64(d) }; u32(type); u64(offset)
        }
        mutating func pad(to alignment: Int) { while bytes.count % alignment != 0 { bytes.append(0) } }
    }

    private var dir: URL!
    override func setUpWithError() throws { dir = try makeTemporaryDirectory(self) }

    private func write(_ b: Builder, _ name: String = "bad.gguf") throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(b.bytes).write(to: url)
        return url
    }

    private func assertFails(_ b: Builder, _ fragments: [String], line: UInt = #line) throws {
        let url = try write(b)
        XCTAssertThrowsError(try GGUFFile(url), line: line) { error in
            XCTAssertTrue(error is GGUFError, "\(type(of: error))", line: line)
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(url.path + ": "), text, line: line)
            for f in fragments { XCTAssertTrue(text.contains(f), "missing '\(f)' in: \(text)", line: line) }
        }
    }

    /// A valid one-tensor file (F32 [4]); the damaged variants below differ in one field.
    private func valid(tensorType: UInt32 = 0, offset: UInt64 = 0, dims: [UInt64] = [4], dataBytes: Int = 16) -> Builder {
        var b = Builder()
        b.header(tensors: 1, metadata: 1)
        b.string("general.architecture"); b.u32(8); b.string("llama")
        b.tensor("w", dims: dims, type: tensorType, offset: offset)
        b.pad(to: 32)
        b.bytes.append(contentsOf: [UInt8](repeating: 0, count: dataBytes))
        return b
    }

    func testValidBaseline() throws {
        let g = try GGUFFile(write(valid(), "ok.gguf"))
        XCTAssertEqual(try g.dequantize("w"), [0, 0, 0, 0])
        XCTAssertEqual(g.value("general.architecture")?.string, "llama")
    }

    /// Found by fuzzing: a zero-element tensor in a file that ends before the aligned data
    /// section passed the checks, and `bytes(_:)` then sliced past the end of the mapping.
    func testAnEmptyTensorPastTheEndOfTheFileIsRefused() throws {
        var b = Builder()
        b.header(tensors: 1, metadata: 1)
        b.string("general.architecture"); b.u32(8); b.string("llama")
        b.tensor("w", dims: [32, 0], type: 0, offset: 0)
        XCTAssertNotEqual(b.bytes.count % 32, 0, "the file must end before the aligned data section")
        try assertFails(b, ["tensor 'w' data [0, 0) runs past the end of the data section"])
    }

    func testDamagedHeaders() throws {
        var b = valid(); b.bytes[0] = UInt8(ascii: "X")
        try assertFails(b, ["not a GGUF file", "bytes 0-3 are 58 47 55 46"])
        b = valid(); b.bytes[4] = 1
        try assertFails(b, ["version 1", "2 and 3"])
        b = valid(); b.bytes.replaceSubrange(4..<8, with: [0, 0, 0, 3])
        try assertFails(b, ["big-endian"])
        b = valid(); b.bytes.replaceSubrange(8..<16, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        try assertFails(b, ["tensor count at byte 8", "more than the limit"])
        b = valid(); b.bytes.replaceSubrange(16..<24, with: [0, 0, 0, 0, 1, 0, 0, 0])
        try assertFails(b, ["metadata count at byte 16"])
    }

    func testDamagedTensorTable() throws {
        try assertFails(valid(tensorType: 99), ["tensor 'w'", "unknown type 99"])
        try assertFails(valid(offset: 64), ["tensor 'w'", "past the end of the data section"])
        try assertFails(valid(offset: 5), ["offset 5", "alignment 32"])
        try assertFails(valid(dims: [4, 1 << 40]), ["dimension 1 of tensor 'w'"])
        try assertFails(valid(dims: []), ["0 dimensions"])
        try assertFails(valid(tensorType: 8), ["row length 4", "block size 32"])
        // Q4_0 tensor of 64 elements needs 36 bytes; the file has 16.
        try assertFails(valid(tensorType: 2, dims: [64]), ["past the end"])
        // Two tensors overlapping.
        var b = Builder()
        b.header(tensors: 2, metadata: 0)
        b.tensor("a", dims: [16], type: 0, offset: 0)
        b.tensor("b", dims: [16], type: 0, offset: 32)
        b.pad(to: 32); b.bytes.append(contentsOf: [UInt8](repeating: 0, count: 96))
        try assertFails(b, ["tensor 'b'", "overlaps tensor 'a'"])
    }

    func testDamagedMetadata() throws {
        var b = Builder()
        b.header(tensors: 0, metadata: 1)
        b.string("general.name"); b.u32(8); b.u64(1000); b.bytes.append(contentsOf: Array("short".utf8))
        try assertFails(b, ["truncated at byte", "metadata 'general.name'"])
        b = Builder(); b.header(tensors: 0, metadata: 1)
        b.string("k"); b.u32(77); b.u32(0)
        try assertFails(b, ["metadata 'k'", "unknown value type 77"])
        b = Builder(); b.header(tensors: 0, metadata: 1)
        b.string("k"); b.u32(9); b.u32(4); b.u64(1 << 40)
        try assertFails(b, ["element count of metadata 'k'", "more than the limit"])
        b = Builder(); b.header(tensors: 0, metadata: 1)
        b.string("k"); b.u32(7); b.bytes.append(3)
        try assertFails(b, ["bool of value 3"])
        b = Builder(); b.header(tensors: 0, metadata: 2)
        b.string("k"); b.u32(4); b.u32(1); b.string("k"); b.u32(4); b.u32(1)
        try assertFails(b, ["'k'", "appears twice"])
        b = Builder(); b.header(tensors: 0, metadata: 1)
        b.string("general.alignment"); b.u32(4); b.u32(48)
        try assertFails(b, ["general.alignment", "power of two"])
        b = Builder(); b.header(tensors: 0, metadata: 1)
        b.u64(2); b.bytes.append(contentsOf: [0xC3, 0x28]); b.u32(4); b.u32(0)
        try assertFails(b, ["not valid UTF-8"])
    }

    /// Every prefix of a valid file is refused cleanly (no crash, no hang).
    func testEveryTruncation() throws {
        let full = valid(tensorType: 2, dims: [64], dataBytes: 36)
        XCTAssertNoThrow(try GGUFFile(write(full, "full.gguf")))
        for length in 0..<full.bytes.count {
            var b = Builder(); b.bytes = Array(full.bytes.prefix(length))
            let url = try write(b, "cut.gguf")
            XCTAssertThrowsError(try GGUFFile(url), "prefix \(length)") { XCTAssertTrue($0 is GGUFError, "prefix \(length): \($0)") }
        }
    }

    func testUnsupportedTypeDequantizeMessage() throws {
        let g = try GGUFFile(write(valid(tensorType: 10, dims: [256], dataBytes: 84), "q2k.gguf"))
        XCTAssertThrowsError(try g.dequantize("w")) { XCTAssertTrue("\($0)".contains("Q2_K"), "\($0)") }
        XCTAssertThrowsError(try g.dequantize("missing")) { XCTAssertTrue("\($0)".contains("'missing'"), "\($0)") }
    }
}
