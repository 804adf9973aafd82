// SHA-256 throughput of Store.SHA256 on an in-memory buffer and on a file, next to coreutils
// sha256sum (run by bench/sha256/run, which compiles this with the Store sources).
import Foundation

let size = 256 << 20
let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
for i in 0..<size { buffer[i] = UInt8(truncatingIfNeeded: i &* 2654435761 >> 13) }
var best = Double.infinity
var digest = ""
for _ in 0..<3 {
    let t0 = Date()
    digest = SHA256.hash(UnsafeRawBufferPointer(buffer)).hex
    best = min(best, Date().timeIntervalSince(t0))
}
print("memory: \(Int(Double(size) / best / 1e6)) MB/s (\(digest.prefix(16))...)")
if CommandLine.arguments.count > 1 {
    let url = URL(fileURLWithPath: CommandLine.arguments[1])
    let bytes = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
    let t0 = Date()
    let d = try SHA256.hash(file: url)
    print("file:   \(Int(Double(bytes) / Date().timeIntervalSince(t0) / 1e6)) MB/s (\(d.hex.prefix(16))...)")
}
