import Foundation
import XCTest
import TestSupport
@testable import Tensors

/// Our reader and writer against the `safetensors` library, in both directions.
final class SafetensorsInteropTests: XCTestCase {
    /// Python writes every float and integer type (bf16 through the raw TensorSpec API, since
    /// numpy has no bfloat16); we read it and compare with the values numpy computes.
    func testReadsFilesWrittenByTheSafetensorsLibrary() throws {
        guard try Fixtures.hasPython("safetensors") else { throw XCTSkip("safetensors not installed") }
        let dir = try makeTemporaryDirectory(self)
        let file = dir.appendingPathComponent("ref.safetensors")
        let script = pythonBits + """
        import sys, json, numpy as np, safetensors
        from safetensors import TensorSpec
        rng = np.random.default_rng(7)
        arrays = {
          "f32": rng.standard_normal((3, 5)).astype(np.float32),
          "f16": (rng.standard_normal((4, 7)) * 100).astype(np.float16),
          "f64": rng.standard_normal((2,)).astype(np.float64),
          "i32": rng.integers(-2**31, 2**31 - 1, (6,), dtype=np.int32),
          "i64": rng.integers(-2**62, 2**62, (2, 2), dtype=np.int64),
          "i8": rng.integers(-128, 127, (9,), dtype=np.int8),
          "u8": rng.integers(0, 255, (1, 3, 3), dtype=np.uint8),
          "scalar": np.array(3.5, dtype=np.float32),
          "empty": np.zeros((0, 4), dtype=np.float32),
        }
        bf = rng.integers(0, 2**16, (5, 3), dtype=np.uint16)
        bf[(bf & 0x7F80) == 0x7F80] = 0x3F80   # no NaN/inf patterns
        names = {"float32": ["f32", "scalar", "empty"], "float16": ["f16"], "float64": ["f64"], "int32": ["i32"],
                 "int64": ["i64"], "int8": ["i8"], "uint8": ["u8"]}
        specs = {}
        for dt, ns in names.items():
            for n in ns:
                a = arrays[n]
                specs[n] = TensorSpec(dtype=dt, shape=list(a.shape), data_ptr=a.ctypes.data, data_len=a.nbytes)
        specs["bf16"] = TensorSpec(dtype="bfloat16", shape=[5, 3], data_ptr=bf.ctypes.data, data_len=bf.nbytes)
        safetensors.serialize_file(specs, sys.argv[1], metadata={"format": "pt", "note": "caf\\u00e9 \\"q\\""})
        out = {n: bits(a.reshape(-1)) for n, a in arrays.items()}
        out["bf16"] = bits((bf.astype(np.uint32) << 16).view(np.float32).reshape(-1))
        out["shape:" + "bf16"] = bits([5, 3])
        for n, a in arrays.items(): out["shape:" + n] = bits(a.shape)
        print(json.dumps(out))
        """
        let expected = try decodeFloatLists(try Fixtures.python(script, [file.path]))
        let st = try SafetensorsFile(file)
        XCTAssertEqual(st.metadata, ["format": "pt", "note": "café \"q\""])
        XCTAssertEqual(Set(st.names), Set(["f32", "f16", "f64", "i32", "i64", "i8", "u8", "scalar", "empty", "bf16"]))
        let dtypes: [String: DType] = ["f32": .f32, "f16": .f16, "f64": .f64, "bf16": .bf16, "i32": .i32, "i64": .i64, "i8": .i8, "u8": .u8, "scalar": .f32, "empty": .f32]
        for (name, dtype) in dtypes {
            let info = try XCTUnwrap(st.tensors[name])
            XCTAssertEqual(info.dtype, dtype, name)
            XCTAssertEqual(info.shape, expected["shape:" + name]?.map { Int($0) }, name)
            let want = try XCTUnwrap(expected[name])
            let raw = try st.bytes(name)
            XCTAssertEqual(raw.count, want.count * dtype.byteSize, name)
            let got: [Double]
            switch dtype {
            case .f32, .f16, .bf16, .f64: got = try st.floats(name).map(Double.init)
            case .i32: got = (0..<want.count).map { Double(raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
            case .i64: got = (0..<want.count).map { Double(raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
            case .i8: got = (0..<want.count).map { Double(raw.loadUnaligned(fromByteOffset: $0, as: Int8.self)) }
            case .u8: got = (0..<want.count).map { Double(raw[$0]) }
            default: got = []
            }
            if dtype == .f64 {
                XCTAssertEqual(got, want.map { Double(Float($0)) }, name)
            } else {
                XCTAssertEqual(got, want, name)
            }
        }
        XCTAssertThrowsError(try st.floats("i32")) { XCTAssertTrue("\($0)".contains("not a floating-point type"), "\($0)") }
        XCTAssertThrowsError(try st.bytes("nope")) { XCTAssertTrue("\($0)".contains("'nope'"), "\($0)") }
    }

    /// We write; the library reads (through its raw deserializer, which accepts bf16) and
    /// compares every tensor with the values we meant, and checks the data section is aligned.
    func testSafetensorsLibraryReadsOurFiles() throws {
        guard try Fixtures.hasPython("safetensors") else { throw XCTSkip("safetensors not installed") }
        let dir = try makeTemporaryDirectory(self)
        let file = dir.appendingPathComponent("ours.safetensors")
        let a: [Float] = (0..<30).map { Float($0) * 0.37 - 4 }
        let b: [Float16] = (0..<7).map { Float16(Float($0) * 1.5 - 2) }
        let c: [UInt16] = [0x3F80, 0xC000, 0x4049, 0x0000, 0x8000, 0x7F7F]
        let d: [Int64] = [Int64.min, -1, 0, Int64.max]
        let e: [UInt8] = [0, 1, 2, 255, 128]
        try SafetensorsWriter.write([
            (name: "model.a", dtype: .f32, shape: [5, 6], data: a.withUnsafeBytes { Data($0) }),
            (name: "b\"odd\\name", dtype: .f16, shape: [7], data: b.withUnsafeBytes { Data($0) }),
            (name: "c", dtype: .bf16, shape: [2, 3], data: c.withUnsafeBytes { Data($0) }),
            (name: "d", dtype: .i64, shape: [4], data: d.withUnsafeBytes { Data($0) }),
            (name: "e", dtype: .u8, shape: [5], data: e.withUnsafeBytes { Data($0) }),
            (name: "empty", dtype: .i32, shape: [0], data: Data()),
        ], metadata: ["format": "pt", "ünï": "code"], to: file)
        let expected: [String: Any] = [
            "model.a": a.map(Double.init), "b\"odd\\name": b.map { Double(Float($0)) },
            "c": c.map { Double(Float(bitPattern: UInt32($0) << 16)) }, "d": d.map { String($0) },
            "e": e.map(Int.init), "empty": [Int](),
        ]
        let script = """
        import sys, json, struct, numpy as np, safetensors
        raw = open(sys.argv[1], "rb").read()
        n = struct.unpack("<Q", raw[:8])[0]
        assert (8 + n) % 8 == 0, "data section not 8-byte aligned"
        header = json.loads(raw[8:8+n])
        assert header["__metadata__"] == {"format": "pt", "ünï": "code"}, header["__metadata__"]
        want = json.load(sys.stdin)
        got = dict(safetensors.deserialize(raw))
        assert set(got) == set(want), (set(got), set(want))
        kinds = {"model.a": np.float32, "b\\"odd\\\\name": np.float16, "d": np.int64, "e": np.uint8, "empty": np.int32}
        for name, spec in got.items():
            if name == "c":
                vals = (np.frombuffer(bytes(spec["data"]), np.uint16).astype(np.uint32) << 16).view(np.float32).tolist()
                assert spec["dtype"] == "BF16" and spec["shape"] == [2, 3], spec
            else:
                vals = np.frombuffer(bytes(spec["data"]), kinds[name]).tolist()
            w = want[name]
            if name == "d": w = [int(x) for x in w]
            assert vals == w, (name, vals, w)
        print("ok")
        """
        let input = try JSONSerialization.data(withJSONObject: expected)
        let out = try Fixtures.python(script, [file.path], stdin: input)
        XCTAssertEqual(String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), "ok")
        // And we read back what we wrote.
        let st = try SafetensorsFile(file)
        XCTAssertEqual(st.names, ["model.a", "b\"odd\\name", "c", "d", "e", "empty"])
        XCTAssertEqual(try st.floats("model.a"), a)
        XCTAssertEqual(try st.floats("c"), c.map { Float(bitPattern: UInt32($0) << 16) })
    }

    /// The AWQ fixtures made by AutoAWQ + safetensors: shapes, dtypes and values as numpy reads them.
    func testReadsAWQFixtures() throws {
        guard try Fixtures.hasPython("safetensors") else { throw XCTSkip("safetensors not installed") }
        guard let layer = try Fixtures.optional(Fixtures.shared.appendingPathComponent("fixtures/awq/awq-layer-256x96-g64/layer.safetensors")) else {
            throw XCTSkip("AWQ fixture missing")
        }
        let script = pythonBits + """
        import sys, json, numpy as np
        from safetensors import safe_open
        out = {}
        with safe_open(sys.argv[1], "numpy") as f:
            out["__metadata__"] = f.metadata()
            for k in f.keys():
                a = f.get_tensor(k)
                out[k] = {"dtype": str(a.dtype), "shape": list(a.shape), "sum": float(a.astype(np.float64).sum()),
                          "first": bits(a.reshape(-1)[:5]), "last": bits(a.reshape(-1)[-1:])}
        print(json.dumps(out))
        """
        let ref = try XCTUnwrap(try JSONSerialization.jsonObject(with: Fixtures.python(script, [layer.path])) as? [String: Any])
        let st = try SafetensorsFile(layer)
        XCTAssertEqual(st.metadata, ref["__metadata__"] as? [String: String])
        let numpyName: [DType: String] = [.f32: "float32", .f16: "float16", .i32: "int32"]
        for name in st.names {
            let r = try XCTUnwrap(ref[name] as? [String: Any], name)
            let info = try XCTUnwrap(st.info(name))
            XCTAssertEqual(numpyName[info.dtype], r["dtype"] as? String, name)
            XCTAssertEqual(info.shape, r["shape"] as? [Int], name)
            let values: [Double]
            if info.dtype == .i32 {
                let raw = try st.bytes(name)
                values = (0..<info.elementCount).map { Double(raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
            } else {
                values = try st.floats(name).map(Double.init)
            }
            let first = try decodeFloatLists(JSONSerialization.data(withJSONObject: ["v": r["first"] ?? []]))["v"]
            let last = try decodeFloatLists(JSONSerialization.data(withJSONObject: ["v": r["last"] ?? []]))["v"]
            XCTAssertEqual(Array(values.prefix(5)), first, name)
            XCTAssertEqual(values.suffix(1), last?[...], name)
            XCTAssertEqual(values.reduce(0, +), try XCTUnwrap(r["sum"] as? Double), accuracy: 1e-6 * max(1, abs(values.reduce(0, +))), name)
        }
        XCTAssertEqual(Set(st.names), Set(ref.keys.filter { $0 != "__metadata__" }))

        let folder = Fixtures.shared.appendingPathComponent("fixtures/awq/tiny-llama-awq")
        let checkpoint = try Checkpoint(directory: folder)
        let headers = try Checkpoint.headers(directory: folder)
        XCTAssertEqual(checkpoint.names, headers.names)
        XCTAssertTrue(checkpoint.names.contains("model.layers.1.self_attn.q_proj.qweight"))
        XCTAssertEqual(checkpoint.info("model.layers.0.self_attn.q_proj.qweight")?.shape, [256, 32])
        XCTAssertEqual(headers.tensors["model.embed_tokens.weight"]?.shape, [512, 256])
    }

    /// A sharded checkpoint written by Python (index + two shards) reads as one.
    func testShardedCheckpoint() throws {
        guard try Fixtures.hasPython("safetensors") else { throw XCTSkip("safetensors not installed") }
        let dir = try makeTemporaryDirectory(self)
        let script = """
        import sys, os, json, numpy as np
        from safetensors.numpy import save_file
        d = sys.argv[1]
        a = {"x.weight": np.arange(12, dtype=np.float32).reshape(3, 4), "y.bias": np.full((5,), 2.5, np.float16)}
        b = {"z.weight": -np.arange(6, dtype=np.float32).reshape(2, 3)}
        save_file(a, os.path.join(d, "model-00001-of-00002.safetensors"))
        save_file(b, os.path.join(d, "model-00002-of-00002.safetensors"))
        wm = {k: "model-00001-of-00002.safetensors" for k in a}
        wm.update({k: "model-00002-of-00002.safetensors" for k in b})
        json.dump({"metadata": {"total_size": 78}, "weight_map": wm}, open(os.path.join(d, "model.safetensors.index.json"), "w"))
        """
        _ = try Fixtures.python(script, [dir.path])
        let c = try Checkpoint(directory: dir)
        XCTAssertEqual(Set(c.names), ["x.weight", "y.bias", "z.weight"])
        XCTAssertEqual(try c.floats("x.weight"), (0..<12).map(Float.init))
        XCTAssertEqual(try c.floats("y.bias"), Array(repeating: 2.5, count: 5))
        XCTAssertEqual(try c.floats("z.weight"), (0..<6).map { -Float($0) })
        XCTAssertEqual(c.info("z.weight")?.shape, [2, 3])
        XCTAssertEqual(try Checkpoint.headers(directory: dir).tensors["y.bias"]?.dtype, .f16)
        XCTAssertThrowsError(try c.bytes("w")) { XCTAssertTrue("\($0)".contains("'w'"), "\($0)") }

        // An index naming a tensor its shard does not hold.
        let index = dir.appendingPathComponent("model.safetensors.index.json")
        try Data(#"{"weight_map": {"x.weight": "model-00001-of-00002.safetensors", "ghost": "model-00002-of-00002.safetensors"}}"#.utf8).write(to: index)
        XCTAssertThrowsError(try Checkpoint(directory: dir)) { XCTAssertTrue("\($0)".contains("'ghost'"), "\($0)") }
        try Data(#"{"weight_map": {"x.weight": "../elsewhere.safetensors"}}"#.utf8).write(to: index)
        XCTAssertThrowsError(try Checkpoint(directory: dir)) { XCTAssertTrue("\($0)".contains("not a file in the folder"), "\($0)") }
    }
}
