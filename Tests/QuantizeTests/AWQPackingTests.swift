import Foundation
import TestSupport
import XCTest
@testable import Quantize

/// Packing reproduces AutoAWQ's own qweight/qzeros bit for bit. numpy unpacks the stored
/// tensors (from the format's definition, independently of our code); we pack the integers
/// again and compare with the bytes AutoAWQ wrote.
final class AWQPackingTests: XCTestCase {
    struct Layer { var name: String; var inFeatures: Int; var outFeatures: Int; var groupSize: Int
                   var q: [UInt8]; var z: [UInt8]; var qweight: [Int32]; var qzeros: [Int32] }

    static let unpackScript = """
    import sys, struct, json
    import numpy as np
    from safetensors.numpy import load_file
    t = load_file(sys.argv[1]); group = int(sys.argv[2])
    order = [0, 2, 4, 6, 1, 3, 5, 7]
    def unpack(p):
        out = np.zeros((p.shape[0], p.shape[1] * 8), dtype=np.uint8)
        u = p.view(np.uint32)
        for n in range(8):
            out[:, order[n]::8] = (u >> (4 * n)) & 15
        return out
    w = sys.stdout.buffer
    for name in sorted(k for k in t if k.endswith('qweight')):
        base = name[:-len('qweight')]
        qw, qz = t[name], t[base + 'qzeros']
        q, z = unpack(qw), unpack(qz)
        head = json.dumps({'name': base, 'in': q.shape[0], 'out': q.shape[1], 'groups': z.shape[0]}).encode()
        for b in (head, q.tobytes(), z.tobytes(), qw.tobytes(), qz.tobytes()):
            w.write(struct.pack('<Q', len(b))); w.write(b)
    """

    static func layers(_ file: URL, groupSize: Int) throws -> [Layer] {
        let out = try Fixtures.python(unpackScript, [file.path, String(groupSize)])
        var at = 0, layers: [Layer] = []
        func chunk() throws -> Data {
            guard at + 8 <= out.count else { throw FixtureError.python("truncated output") }
            let n = out.subdata(in: at..<(at + 8)).withUnsafeBytes { Int($0.loadUnaligned(as: UInt64.self)) }
            defer { at += 8 + n }
            return out.subdata(in: (at + 8)..<(at + 8 + n))
        }
        func ints(_ d: Data) -> [Int32] { d.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) } }
        while at < out.count {
            let head = try JSONSerialization.jsonObject(with: try chunk()) as? [String: Any] ?? [:]
            let q = [UInt8](try chunk()), z = [UInt8](try chunk())
            let qw = ints(try chunk()), qz = ints(try chunk())
            let inF = head["in"] as? Int ?? 0, outF = head["out"] as? Int ?? 0, groups = head["groups"] as? Int ?? 1
            layers.append(Layer(name: head["name"] as? String ?? "?", inFeatures: inF, outFeatures: outF,
                                groupSize: inF / max(groups, 1), q: q, z: z, qweight: qw, qzeros: qz))
        }
        return layers
    }

    func check(_ file: URL, groupSize: Int, expectLayers: Int) throws {
        let layers = try Self.layers(file, groupSize: groupSize)
        XCTAssertEqual(layers.count, expectLayers)
        for layer in layers {
            XCTAssertEqual(layer.groupSize, groupSize, layer.name)
            let packed = try AWQPacker.pack(intWeights: layer.q, zeros: layer.z, inFeatures: layer.inFeatures,
                                            outFeatures: layer.outFeatures, groupSize: layer.groupSize)
            XCTAssertEqual(packed.qweight, layer.qweight, "\(layer.name)qweight")
            XCTAssertEqual(packed.qzeros, layer.qzeros, "\(layer.name)qzeros")
            let unpacked = layer.qweight.withUnsafeBufferPointer {
                AWQPacker.unpackRows($0, rows: layer.inFeatures, columns: layer.outFeatures)
            }
            XCTAssertEqual(unpacked, layer.q, "\(layer.name) unpack")
        }
    }

    func testLayerFixtureRepacksBitForBit() throws {
        guard let file = try Fixtures.optional(Fixtures.shared.appendingPathComponent("fixtures/awq/awq-layer-256x96-g64/layer.safetensors")),
              try Fixtures.hasPython("safetensors") else { throw XCTSkip("AWQ fixture or python safetensors missing") }
        try check(file, groupSize: 64, expectLayers: 1)
    }

    func testTinyLlamaEveryProjectionRepacksBitForBit() throws {
        guard let file = try Fixtures.optional(Fixtures.shared.appendingPathComponent("fixtures/awq/tiny-llama-awq/model.safetensors")),
              try Fixtures.hasPython("safetensors") else { throw XCTSkip("tiny-llama-awq or python safetensors missing") }
        try check(file, groupSize: 64, expectLayers: 2 * 7)
    }

    func testPackRejectsBadInput() {
        XCTAssertThrowsError(try AWQPacker.pack(intWeights: [UInt8](repeating: 0, count: 64 * 12), zeros: [UInt8](repeating: 0, count: 12),
                                                inFeatures: 64, outFeatures: 12, groupSize: 64))
        XCTAssertThrowsError(try AWQPacker.pack(intWeights: [UInt8](repeating: 16, count: 64 * 8), zeros: [UInt8](repeating: 0, count: 8),
                                                inFeatures: 64, outFeatures: 8, groupSize: 64)) { error in
            XCTAssertTrue("\(error)".contains("4 bits"), "\(error)")
        }
    }
}
