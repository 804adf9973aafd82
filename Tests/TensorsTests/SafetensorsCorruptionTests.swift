import Foundation
import XCTest
@testable import Tensors

/// Every damaged file gives one SafetensorsError naming the file and the problem; none crash.
final class SafetensorsCorruptionTests: XCTestCase {
    private func file(header: String, dataBytes: Int, lengthOverride: UInt64? = nil, in dir: URL, name: String = "bad.safetensors") throws -> URL {
        var bytes = [UInt8]()
        var length = (lengthOverride ?? UInt64(header.utf8.count)).littleEndian
        withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header.utf8)
        bytes.append(contentsOf: [UInt8](repeating: 0x3F, count: dataBytes))
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    private func assertFails(_ url: URL, _ fragments: [String], line: UInt = #line) {
        XCTAssertThrowsError(try SafetensorsFile(url), line: line) { error in
            XCTAssertTrue(error is SafetensorsError, "\(type(of: error))", line: line)
            let text = "\(error)"
            XCTAssertTrue(text.contains(url.path), text, line: line)
            for f in fragments { XCTAssertTrue(text.contains(f), "missing '\(f)' in: \(text)", line: line) }
        }
    }

    func testDamagedFiles() throws {
        let dir = try makeTemporaryDirectory(self)
        let good = #"{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#
        // Sanity: the undamaged file reads.
        XCTAssertEqual(try SafetensorsFile(file(header: good, dataBytes: 16, in: dir, name: "good.safetensors")).info("a")?.shape, [2, 2])

        // Truncated: data section shorter than the offsets claim.
        assertFails(try file(header: good, dataBytes: 10, in: dir), ["'a'", "[0, 16]", "past the end of the data section (10 bytes)"])
        // Header length past the end of the file.
        assertFails(try file(header: good, dataBytes: 16, lengthOverride: 5000, in: dir), ["header length 5000", "past the end"])
        // Absurd header length.
        assertFails(try file(header: good, dataBytes: 0, lengthOverride: UInt64.max, in: dir), ["exceeds"])
        // Too short for the length prefix / empty.
        let short = dir.appendingPathComponent("short.safetensors")
        try Data([1, 2, 3]).write(to: short)
        assertFails(short, ["too short"])
        let empty = dir.appendingPathComponent("empty.safetensors")
        try Data().write(to: empty)
        assertFails(empty, ["is empty"])
        assertFails(dir.appendingPathComponent("missing.safetensors"), ["cannot be opened"])
        // Lying shape: 2x3 F32 is 24 bytes, offsets span 16.
        assertFails(try file(header: #"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}}"#, dataBytes: 16, in: dir),
                    ["'a'", "[2, 3]", "span 16 bytes"])
        // Shape whose element count overflows.
        assertFails(try file(header: #"{"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,16]}}"#, dataBytes: 16, in: dir),
                    ["overflows"])
        // Overlapping tensors.
        assertFails(try file(header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, dataBytes: 16, in: dir),
                    ["'b'", "inside tensor 'a'"])
        // Unknown dtype, negative or reversed offsets, missing fields, bad JSON, duplicate key.
        assertFails(try file(header: #"{"a":{"dtype":"F7","shape":[4],"data_offsets":[0,4]}}"#, dataBytes: 4, in: dir), ["unsupported dtype \"F7\""])
        assertFails(try file(header: #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[8,4]}}"#, dataBytes: 8, in: dir), ["[8, 4]"])
        assertFails(try file(header: #"{"a":{"dtype":"U8","shape":[-4],"data_offsets":[0,4]}}"#, dataBytes: 4, in: dir), ["non-negative"])
        assertFails(try file(header: #"{"a":{"dtype":"U8","shape":[4]}}"#, dataBytes: 4, in: dir), ["data_offsets"])
        assertFails(try file(header: #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},}"#, dataBytes: 4, in: dir), ["invalid at byte 61: expected a string key"])
        assertFails(try file(header: #"{"a":1,"a":2}"#, dataBytes: 0, in: dir), ["duplicate key \"a\""])
        assertFails(try file(header: String(repeating: "[", count: 200), dataBytes: 0, in: dir), ["nesting deeper"])
        assertFails(try file(header: #"{"__metadata__":{"k":5}}"#, dataBytes: 0, in: dir), ["__metadata__ entry \"k\""])
        assertFails(try file(header: "[1,2]", dataBytes: 0, in: dir), ["not an object"])
    }

    func testWriterRejectsMismatchedData() throws {
        let dir = try makeTemporaryDirectory(self)
        let url = dir.appendingPathComponent("w.safetensors")
        XCTAssertThrowsError(try SafetensorsWriter.write([(name: "a", dtype: .f32, shape: [3], data: Data(count: 8))], metadata: [:], to: url)) {
            XCTAssertTrue("\($0)".contains("'a'"), "\($0)")
        }
        XCTAssertThrowsError(try SafetensorsWriter.write([(name: "a", dtype: .u8, shape: [1], data: Data(count: 1)),
                                                          (name: "a", dtype: .u8, shape: [1], data: Data(count: 1))], metadata: [:], to: url))
        // Nothing half-written is left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
    }

    func testHeaderOnlyReadNeedsNoData() throws {
        let dir = try makeTemporaryDirectory(self)
        let url = try file(header: #"{"w":{"dtype":"BF16","shape":[7168,20480],"data_offsets":[0,293601280]}}"#, dataBytes: 0, in: dir, name: "model.safetensors")
        let headers = try Checkpoint.headers(directory: dir)
        XCTAssertEqual(headers.tensors["w"]?.byteCount, 293_601_280)
        XCTAssertThrowsError(try Checkpoint(directory: dir)) { XCTAssertTrue("\($0)".contains("past the end of the data section"), "\($0)") }
        _ = url
    }
}
