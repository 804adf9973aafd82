import Foundation
import XCTest
import TestSupport
@testable import Tensors

/// The GGUF reader and dequantization against the `gguf` package (GGUFReader, GGUFWriter,
/// gguf.quants.quantize / dequantize).
final class GGUFReferenceTests: XCTestCase {
    /// Python writes a GGUF holding every dequantizable type (quantized by gguf.quants where it
    /// can, random blocks with sane scales for the K-quants it cannot quantize) and metadata of
    /// every value type, plus a safetensors file of gguf.quants.dequantize's results.
    static let writerScript = """
    import sys, numpy as np, gguf
    from gguf import GGUFWriter, GGMLQuantizationType as T, GGUFValueType as V
    from gguf.quants import quantize, dequantize
    from safetensors.numpy import save_file
    rng = np.random.default_rng(11)
    w = GGUFWriter(sys.argv[1], "llama")
    w.add_custom_alignment(64)
    for key, val, vt in [("t.u8", 200, V.UINT8), ("t.i8", -100, V.INT8), ("t.u16", 65000, V.UINT16), ("t.i16", -30000, V.INT16),
                         ("t.u32", 4000000000, V.UINT32), ("t.i32", -2000000000, V.INT32), ("t.u64", 2**63 + 5, V.UINT64),
                         ("t.i64", -2**62, V.INT64), ("t.f32", 0.1, V.FLOAT32), ("t.f64", 0.1, V.FLOAT64), ("t.bool", True, V.BOOL),
                         ("t.str", "héllo {{ x }}", V.STRING)]:
        w.add_key_value(key, val, vt)
    w.add_key_value("t.strs", ["a", "", "ü"], V.ARRAY)
    w.add_key_value("t.nested", [[1, 2], [3]], V.ARRAY)
    ref = {}
    def quantized(name, t, rows, cols):
        x = (rng.standard_normal((rows, cols)) * 0.5).astype(np.float32)
        q = quantize(x, t)
        w.add_tensor(name, q, raw_dtype=t)
        ref[name] = dequantize(q, t).astype(np.float32)
    def random_blocks(name, t, rows, cols, scale_offsets):
        bs, ts = gguf.constants.GGML_QUANT_SIZES[t]
        q = rng.integers(0, 256, (rows, cols // bs * ts), dtype=np.uint8)
        blocks = q.reshape(-1, ts)
        for off in scale_offsets:
            blocks[:, off:off + 2] = (rng.random(blocks.shape[0]) * 0.02 + 0.001).astype(np.float16).view(np.uint8).reshape(-1, 2)
        w.add_tensor(name, q, raw_dtype=t)
        ref[name] = dequantize(q, t).astype(np.float32)
    x = rng.standard_normal((3, 5, 64)).astype(np.float32)
    w.add_tensor("f32.3d", x); ref["f32.3d"] = x
    h = rng.standard_normal((7, 96)).astype(np.float16)
    w.add_tensor("f16", h); ref["f16"] = h.astype(np.float32)
    quantized("bf16", T.BF16, 4, 96)
    for t in [T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1]:
        quantized(t.name.lower(), t, 6, 160)
    random_blocks("q4_k", T.Q4_K, 3, 512, [0, 2])
    random_blocks("q5_k", T.Q5_K, 3, 512, [0, 2])
    random_blocks("q6_k", T.Q6_K, 3, 512, [208])
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
    save_file(ref, sys.argv[2])
    """

    func makeSynthetic() throws -> (gguf: URL, reference: URL) {
        let dir = try makeTemporaryDirectory(self)
        let gguf = dir.appendingPathComponent("synthetic.gguf"), ref = dir.appendingPathComponent("ref.safetensors")
        _ = try Fixtures.python(Self.writerScript, [gguf.path, ref.path])
        return (gguf, ref)
    }

    func testSyntheticFileEveryTypeAndValue() throws {
        guard try Fixtures.hasPython("gguf") else { throw XCTSkip("gguf not installed") }
        let (url, refURL) = try makeSynthetic()
        let ref = try SafetensorsFile(refURL)
        for version in [3, 2] {
            var fileURL = url
            if version == 2 {
                var data = try Data(contentsOf: url)
                data[4] = 2
                fileURL = url.deletingLastPathComponent().appendingPathComponent("v2.gguf")
                try data.write(to: fileURL)
            }
            let g = try GGUFFile(fileURL)
            XCTAssertEqual(g.version, version)
            XCTAssertEqual(g.alignment, 64)
            XCTAssertEqual(g.dataOffset % 64, 0)
            XCTAssertEqual(g.value("general.architecture")?.string, "llama")
            XCTAssertEqual(g.value("t.u8"), .uint8(200))
            XCTAssertEqual(g.value("t.i8"), .int8(-100))
            XCTAssertEqual(g.value("t.u16"), .uint16(65000))
            XCTAssertEqual(g.value("t.i16"), .int16(-30000))
            XCTAssertEqual(g.value("t.u32"), .uint32(4_000_000_000))
            XCTAssertEqual(g.value("t.i32"), .int32(-2_000_000_000))
            XCTAssertEqual(g.value("t.u64"), .uint64((1 << 63) + 5))
            XCTAssertNil(g.value("t.u64")?.int)
            XCTAssertEqual(g.value("t.i64"), .int64(-(1 << 62)))
            XCTAssertEqual(g.value("t.f32"), .float32(0.1))
            XCTAssertEqual(g.value("t.f64"), .float64(0.1))
            XCTAssertEqual(g.value("t.bool"), .bool(true))
            XCTAssertEqual(g.value("t.str")?.string, "héllo {{ x }}")
            XCTAssertEqual(g.value("t.strs")?.strings, ["a", "", "ü"])
            XCTAssertEqual(g.value("t.nested"), .array([.array([.int32(1), .int32(2)]), .array([.int32(3)])]))

            XCTAssertEqual(Set(g.tensors.map(\.name)), Set(ref.names))
            XCTAssertEqual(g.tensor("f32.3d")?.dimensions, [64, 5, 3])
            XCTAssertEqual(g.tensor("q6_k")?.type, .q6_K)
            for name in ref.names {
                let info = try XCTUnwrap(g.tensor(name))
                XCTAssertEqual(info.offset % 64, 0, name)
                XCTAssertEqual(info.shape, ref.info(name)?.shape, name)
                let ours = try g.dequantize(name), theirs = try ref.floats(name)
                XCTAssertEqual(ours.count, theirs.count, name)
                let mismatches = zip(ours, theirs).filter { $0.bitPattern != $1.bitPattern }.count
                XCTAssertEqual(mismatches, 0, "\(name) (\(info.type.name)): \(mismatches) of \(ours.count) values differ from gguf.quants.dequantize")
            }
        }
    }

    /// Metadata, tensor table and dequantized blocks of the real SmolLM2 GGUF against GGUFReader.
    func testSmolLM2AgainstGGUFReader() throws {
        guard try Fixtures.hasPython("gguf"), let path = try Fixtures.optional(Fixtures.smolGGUF) else { throw XCTSkip("gguf or SmolLM2 missing") }
        let dir = try makeTemporaryDirectory(self)
        let refURL = dir.appendingPathComponent("ref.safetensors")
        let script = """
        import sys, json, struct, numpy as np, gguf
        from gguf.quants import dequantize
        from safetensors.numpy import save_file
        r = gguf.GGUFReader(sys.argv[1])
        def canon(v):
            if isinstance(v, bool): return v
            if isinstance(v, float): return "f:" + struct.pack(">d", v).hex()
            if isinstance(v, int): return "i:" + str(v)
            if isinstance(v, (list, tuple)): return [canon(x) for x in v]
            return v
        meta = {k: {"types": [int(t) for t in f.types], "value": canon(f.contents())} for k, f in r.fields.items() if not k.startswith("GGUF.")}
        tensors = [{"name": t.name, "type": int(t.tensor_type), "dims": [int(d) for d in t.shape], "offset": int(t.data_offset)} for t in r.tensors]
        ref = {}
        for t in r.tensors:
            if t.name in ("token_embd.weight",):
                ref[t.name] = dequantize(t.data[:3000], t.tensor_type).astype(np.float32)
            elif t.name.startswith("blk.0.") or t.name.startswith("blk.29.") or t.name == "output_norm.weight":
                ref[t.name] = dequantize(t.data, t.tensor_type).astype(np.float32).reshape(tuple(reversed([int(d) for d in t.shape])))
        save_file(ref, sys.argv[2])
        print(json.dumps({"meta": meta, "tensors": tensors}))
        """
        let out = try Fixtures.python(script, [path.path, refURL.path])
        let expected = try XCTUnwrap(JSONSerialization.jsonObject(with: out) as? [String: Any])
        let g = try GGUFFile(path)
        XCTAssertEqual(g.version, 3)

        let meta = try XCTUnwrap(expected["meta"] as? [String: [String: Any]])
        XCTAssertEqual(Set(g.metadata.map(\.key)), Set(meta.keys))
        for (key, value) in g.metadata {
            let want = try XCTUnwrap(meta[key], key)
            XCTAssertEqual(Self.types(value), want["types"] as? [Int], key)
            XCTAssertTrue(Self.canonical(value).isEqual(want["value"]), "\(key): \(Self.canonical(value)) vs \(String(describing: want["value"]))")
        }

        let tensors = try XCTUnwrap(expected["tensors"] as? [[String: Any]])
        XCTAssertEqual(g.tensors.map(\.name), tensors.map { $0["name"] as? String ?? "" })
        for (ours, theirs) in zip(g.tensors, tensors) {
            XCTAssertEqual(Int(ours.type.rawValue), theirs["type"] as? Int, ours.name)
            XCTAssertEqual(ours.dimensions, theirs["dims"] as? [Int], ours.name)
            XCTAssertEqual(ours.offset, theirs["offset"] as? Int, ours.name)
        }

        let ref = try SafetensorsFile(refURL)
        XCTAssertGreaterThan(ref.names.count, 9)
        for name in ref.names {
            let theirs = try ref.floats(name)
            let ours = try g.dequantize(name)
            XCTAssertEqual(g.tensor(name)?.shape.dropFirst(), ref.info(name)?.shape.dropFirst(), name)
            let mismatches = zip(ours.prefix(theirs.count), theirs).filter { $0.bitPattern != $1.bitPattern }.count
            XCTAssertEqual(mismatches, 0, "\(name): \(mismatches) values differ")
        }
        XCTAssertEqual(g.tensor("token_embd.weight")?.type, .q8_0)
        XCTAssertEqual(g.tensor("blk.0.attn_q.weight")?.type, .q4_1)
        XCTAssertEqual(g.tensor("blk.0.attn_k.weight")?.shape, [192, 576])
    }

    static func types(_ v: GGUFValue) -> [Int] {
        switch v {
        case .uint8: [0]
        case .int8: [1]
        case .uint16: [2]
        case .int16: [3]
        case .uint32: [4]
        case .int32: [5]
        case .float32: [6]
        case .bool: [7]
        case .string: [8]
        case .uint64: [10]
        case .int64: [11]
        case .float64: [12]
        case .array(let a): [9] + (a.first.map(types) ?? [])
        }
    }

    static func canonical(_ v: GGUFValue) -> NSObject {
        func bits(_ d: Double) -> NSString { NSString(string: "f:" + String(d.bitPattern, radix: 16).leftPadded(16)) }
        switch v {
        case .float32(let f): return bits(Double(f))
        case .float64(let d): return bits(d)
        case .bool(let b): return NSNumber(value: b)
        case .string(let s): return NSString(string: s)
        case .array(let a): return NSArray(array: a.map(canonical))
        case .uint64(let u): return NSString(string: "i:\(u)")
        default: return NSString(string: "i:\(v.int ?? 0)")
        }
    }
}

private extension String {
    func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
