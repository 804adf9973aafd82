import Foundation

/// A safetensors file mapped read-only; tensor bytes are views into the mapping.
public final class SafetensorsFile: @unchecked Sendable {
    public let url: URL
    public let tensors: [String: TensorInfo]
    /// Tensor names in data order.
    public let names: [String]
    public let metadata: [String: String]
    public let mapped: MappedFile

    public init(_ url: URL) throws(SafetensorsError) {
        self.url = url
        do { mapped = try MappedFile(url) } catch { throw SafetensorsError(file: url.path, error.reason) }
        let header = try SafetensorsHeader.parse(file: mapped.bytes, path: url.path)
        tensors = header.tensors
        names = header.names
        metadata = header.metadata
    }

    public func info(_ name: String) -> TensorInfo? { tensors[name] }

    /// The raw little-endian bytes of a tensor (a view into the mapping: no copy).
    public func bytes(_ name: String) throws(SafetensorsError) -> UnsafeRawBufferPointer {
        view(try lookup(name))
    }

    private func lookup(_ name: String) throws(SafetensorsError) -> TensorInfo {
        guard let info = tensors[name] else { throw SafetensorsError(file: url.path, "has no tensor named '\(name)'") }
        return info
    }

    private func view(_ info: TensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: mapped.bytes[info.offset..<(info.offset + info.byteCount)])
    }

    /// The tensor converted to Float (F64, F32, F16, BF16), row-major in its stored shape.
    public func floats(_ name: String) throws(SafetensorsError) -> [Float] {
        let info = try lookup(name)
        let raw = view(info)
        guard let base = raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
              let values = FloatConversion.toFloats(base, dtype: info.dtype, count: info.elementCount) else {
            throw SafetensorsError(file: url.path, "tensor '\(name)' is \(info.dtype.rawValue), not a floating-point type")
        }
        return values
    }
}
