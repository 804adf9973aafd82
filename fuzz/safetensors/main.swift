import Foundation

/// libFuzzer entry for the safetensors header (built by scripts/fuzz with the Tensors sources):
/// any bytes give a header whose every tensor lies inside the file with a byte count matching
/// its shape and dtype, or a SafetensorsError; never a crash, a hang or a huge allocation.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let header = try? SafetensorsHeader.parse(file: bytes, path: "/fuzz/model.safetensors") else { return 0 }
    if header.names.count != header.tensors.count { fatalError("names and tensors disagree") }
    for name in header.names {
        guard let info = header.tensors[name] else { fatalError("listed tensor '\(name)' missing") }
        let elements = info.shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
        if info.shape.contains(where: { $0 < 0 }) { fatalError("negative dimension accepted: \(info.shape)") }
        if info.byteCount != elements * info.dtype.byteSize { fatalError("byte count \(info.byteCount) does not match \(info.shape) \(info.dtype)") }
        if info.offset < header.dataOffset || info.offset + info.byteCount > size { fatalError("tensor '\(name)' outside the file") }
        // Convert small float tensors as a reader would.
        if info.byteCount <= 4096, [.f32, .f16, .bf16].contains(info.dtype) {
            let raw = UnsafeRawBufferPointer(rebasing: bytes[info.offset..<(info.offset + info.byteCount)])
            var sum: Float = 0
            switch info.dtype {
            case .f32: for i in 0..<elements { sum += raw.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
            case .f16: for i in 0..<elements { sum += Float(raw.loadUnaligned(fromByteOffset: 2 * i, as: Float16.self)) }
            default: for i in 0..<elements { sum += Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16) }
            }
            blackHole(sum)
        }
    }
    return 0
}

@inline(never) func blackHole(_ x: Float) { if x.bitPattern == 0x7FC0_1234 { print("") } }
