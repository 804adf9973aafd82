import Foundation

/// A GGUF file (versions 2 and 3) mapped read-only: metadata, tensor table and tensor data.
///
/// Layout: "GGUF", u32 version, u64 tensor count, u64 metadata count, the metadata
/// (key string, u32 type, value), the tensor infos (name, u32 n_dims, u64 dims[n_dims],
/// u32 type, u64 offset), padding to `general.alignment` (default 32), then the data.
public final class GGUFFile: @unchecked Sendable {
    public static let maximumTensorCount = 1 << 20
    public static let maximumMetadataCount = 1 << 20
    public static let maximumDimensions = 4

    public let url: URL
    public let version: Int
    /// In file order.
    public let metadata: [(key: String, value: GGUFValue)]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Absolute offset of the data section.
    public let dataOffset: Int
    public let mapped: MappedFile
    private let metadataIndex: [String: Int]
    private let tensorIndex: [String: Int]

    public init(_ url: URL) throws(GGUFError) {
        self.url = url
        let path = url.path
        do { mapped = try MappedFile(url) } catch { throw GGUFError(file: path, error.reason) }
        var cursor = GGUFCursor(bytes: mapped.bytes, file: path, position: 0)
        let magic = try cursor.read(UInt32.self, "the magic number")
        guard magic == 0x4655_4747 else {
            let shown = (0..<4).map { String(format: "%02x", UInt8(truncatingIfNeeded: magic >> (8 * $0))) }.joined(separator: " ")
            throw GGUFError(file: path, "is not a GGUF file (bytes 0-3 are \(shown), expected \"GGUF\" = 47 47 55 46)")
        }
        let v = try cursor.read(UInt32.self, "the version")
        if v.byteSwapped == 2 || v.byteSwapped == 3 {
            throw GGUFError(file: path, "is a big-endian GGUF (version bytes at byte 4 are swapped); only little-endian files are supported")
        }
        guard v == 2 || v == 3 else { throw GGUFError(file: path, "has GGUF version \(v) at byte 4; only versions 2 and 3 are supported") }
        version = Int(v)
        // Each tensor info takes at least 24 bytes and each metadata entry 13, which bounds the
        // counts by the file size before anything is allocated.
        let tensorCount = try cursor.count("the tensor count", limit: min(Self.maximumTensorCount, mapped.bytes.count / 24))
        let metadataCount = try cursor.count("the metadata count", limit: min(Self.maximumMetadataCount, mapped.bytes.count / 13))

        var metadata: [(key: String, value: GGUFValue)] = []
        var metadataIndex: [String: Int] = [:]
        for i in 0..<metadataCount {
            let keyAt = cursor.position
            let key = try cursor.string("metadata key #\(i)")
            guard metadataIndex[key] == nil else { throw GGUFError(file: path, "metadata key '\(key)' at byte \(keyAt) appears twice") }
            let type = try cursor.read(UInt32.self, "the type of metadata '\(key)'")
            let value = try cursor.value(type: type, "metadata '\(key)'")
            metadataIndex[key] = metadata.count
            metadata.append((key, value))
        }
        self.metadata = metadata
        self.metadataIndex = metadataIndex

        var alignment = 32
        if let a = metadataIndex["general.alignment"].map({ metadata[$0].value }) {
            guard let n = a.int, n > 0, n <= 1 << 16, n & (n - 1) == 0 else {
                throw GGUFError(file: path, "general.alignment is \(a), expected a power of two up to 65536")
            }
            alignment = n
        }
        self.alignment = alignment

        struct Raw { let name: String; let type: GGMLType; let dims: [Int]; let relative: Int; let bytes: Int; let at: Int }
        var raws: [Raw] = []
        var tensorIndex: [String: Int] = [:]
        for i in 0..<tensorCount {
            let at = cursor.position
            let name = try cursor.string("the name of tensor #\(i)")
            guard tensorIndex[name] == nil else { throw GGUFError(file: path, "tensor '\(name)' at byte \(at) appears twice") }
            let nDims = try cursor.read(UInt32.self, "the rank of tensor '\(name)'")
            guard nDims >= 1, nDims <= UInt32(Self.maximumDimensions) else {
                throw GGUFError(file: path, "tensor '\(name)' at byte \(at) has \(nDims) dimensions, expected 1 to \(Self.maximumDimensions)")
            }
            var dims: [Int] = []
            var elements = 1
            for d in 0..<Int(nDims) {
                let n = try cursor.count("dimension \(d) of tensor '\(name)'", limit: Int(Int32.max))
                dims.append(n)
                let (p, overflow) = elements.multipliedReportingOverflow(by: n)
                guard !overflow, p <= 1 << 48 else { throw GGUFError(file: path, "tensor '\(name)' has dimensions \(dims) whose element count is too large") }
                elements = p
            }
            let typeAt = cursor.position
            let rawType = try cursor.read(UInt32.self, "the type of tensor '\(name)'")
            guard let type = GGMLType(rawValue: rawType) else {
                throw GGUFError(file: path, "tensor '\(name)' has unknown type \(rawType) at byte \(typeAt)")
            }
            guard dims[0] % type.block.elements == 0 else {
                throw GGUFError(file: path, "tensor '\(name)' of type \(type.name) has row length \(dims[0]), not a multiple of its block size \(type.block.elements)")
            }
            let offsetAt = cursor.position
            let relative = try cursor.count("the offset of tensor '\(name)'", limit: Int.max / 2)
            guard relative % alignment == 0 else {
                throw GGUFError(file: path, "tensor '\(name)' offset \(relative) at byte \(offsetAt) is not a multiple of the alignment \(alignment)")
            }
            tensorIndex[name] = raws.count
            raws.append(Raw(name: name, type: type, dims: dims, relative: relative, bytes: elements / type.block.elements * type.block.bytes, at: at))
        }
        let afterInfos = cursor.position
        let dataOffset = (afterInfos + alignment - 1) / alignment * alignment
        self.dataOffset = dataOffset
        let available = mapped.bytes.count - min(dataOffset, mapped.bytes.count)
        var tensors: [GGUFTensorInfo] = []
        for r in raws {
            // dataOffset itself must lie in the file: an empty tensor in a file that ends
            // before the aligned data section would otherwise point past the mapping (found by
            // fuzzing; bytes(_:) then sliced out of bounds).
            guard dataOffset <= mapped.bytes.count, r.relative <= available, r.bytes <= available - r.relative else {
                throw GGUFError(file: path, "tensor '\(r.name)' data [\(r.relative), \(r.relative + r.bytes)) runs past the end of the data section (\(available) bytes from byte \(dataOffset))")
            }
            tensors.append(GGUFTensorInfo(name: r.name, type: r.type, dimensions: r.dims, offset: dataOffset + r.relative, byteCount: r.bytes))
        }
        let sorted = tensors.sorted { $0.offset < $1.offset }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.offset < a.offset + a.byteCount && b.byteCount > 0 {
            throw GGUFError(file: path, "tensor '\(b.name)' data at byte \(b.offset) overlaps tensor '\(a.name)'")
        }
        self.tensors = tensors
        self.tensorIndex = tensorIndex
    }

    public func value(_ key: String) -> GGUFValue? {
        metadataIndex[key].map { metadata[$0].value }
    }

    public func tensor(_ name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The stored bytes of a tensor (a view into the mapping).
    public func bytes(_ name: String) throws(GGUFError) -> UnsafeRawBufferPointer {
        let info = try lookup(name)
        return UnsafeRawBufferPointer(rebasing: mapped.bytes[info.offset..<(info.offset + info.byteCount)])
    }

    /// The tensor as Float, row-major in `shape` order (ggml dimensions reversed, like numpy).
    public func dequantize(_ name: String) throws(GGUFError) -> [Float] {
        let info = try lookup(name)
        guard info.type.canDequantize else {
            throw GGUFError(file: url.path, "tensor '\(name)' has type \(info.type.name), which Cellar cannot dequantize (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K)")
        }
        let count = info.elementCount
        guard let source = mapped.bytes.baseAddress?.advanced(by: info.offset) else { return [] }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let out = buffer.baseAddress, count > 0 {
                GGMLDequantize.run(info.type, source, out, count: count)
            }
            initialized = count
        }
    }

    private func lookup(_ name: String) throws(GGUFError) -> GGUFTensorInfo {
        guard let info = tensor(name) else { throw GGUFError(file: url.path, "has no tensor named '\(name)'") }
        return info
    }
}
