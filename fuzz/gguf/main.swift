import Foundation

/// libFuzzer entry for the GGUF reader (built by scripts/fuzz with the Tensors sources): any
/// bytes, written to a scratch file, give a GGUFFile whose tensors lie inside the file, or a
/// GGUFError; small tensors are then dequantized. Never a crash, a hang or a huge allocation.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let url = scratch
    _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes: data, count: size))
    guard let file = try? GGUFFile(url) else { return 0 }
    for (key, value) in file.metadata {
        if file.value(key) == nil { fatalError("metadata '\(key)' cannot be looked up") }
        _ = value.strings; _ = value.ints; _ = value.double
    }
    for info in file.tensors {
        if info.offset < file.dataOffset || info.offset + info.byteCount > size { fatalError("tensor '\(info.name)' outside the file") }
        guard file.tensor(info.name) != nil else { fatalError("tensor '\(info.name)' cannot be looked up") }
        if info.elementCount <= 1 << 16, info.type.canDequantize {
            guard let values = try? file.dequantize(info.name) else { continue }
            if values.count != info.elementCount { fatalError("dequantized \(values.count) of \(info.elementCount) values") }
        }
    }
    return 0
}

/// One file per fuzzing process, in memory when /dev/shm exists.
let scratch: URL = {
    let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    return URL(fileURLWithPath: dir).appendingPathComponent("cellar-fuzz-gguf-\(getpid()).gguf")
}()
