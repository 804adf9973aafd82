// Throughput of the Tensors hot loops. Build and run with bench/tensors.sh (compiles this file
// together with Sources/Tensors, -O, -target-cpu haswell like the package).
import Foundation

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let n = 16 << 20
let floats = (0..<n).map { Float($0 % 1000) * 0.001 - 0.5 }
var halves = [Float16](repeating: 0, count: n)
var back = [Float](repeating: 0, count: n)
var best = Double.infinity
for _ in 0..<5 { best = min(best, seconds { FloatConversion.f32ToF16(floats, &halves, count: n) }) }
print(String(format: "f32→f16: %.2f G elements/s", Double(n) / best / 1e9))
best = .infinity
for _ in 0..<5 { best = min(best, seconds { halves.withUnsafeBytes { FloatConversion.f16ToF32($0.baseAddress!, &back, count: n) } }) }
print(String(format: "f16→f32: %.2f G elements/s", Double(n) / best / 1e9))
best = .infinity
for _ in 0..<5 { best = min(best, seconds { halves.withUnsafeBytes { FloatConversion.bf16ToF32($0.baseAddress!, &back, count: n) } }) }
print(String(format: "bf16→f32: %.2f G elements/s", Double(n) / best / 1e9))

if CommandLine.arguments.count > 1 {
    let g = try GGUFFile(URL(fileURLWithPath: CommandLine.arguments[1]))
    var byType: [String: (elements: Int, seconds: Double)] = [:]
    let open = try seconds { _ = try GGUFFile(URL(fileURLWithPath: CommandLine.arguments[1])) }
    print(String(format: "GGUF open (metadata + tensor table): %.1f ms", open * 1000))
    for t in g.tensors where t.type.canDequantize {
        let s = try seconds { _ = try g.dequantize(t.name) }
        byType[t.type.name, default: (0, 0)].elements += t.elementCount
        byType[t.type.name, default: (0, 0)].seconds += s
    }
    for (type, v) in byType.sorted(by: { $0.key < $1.key }) {
        print(String(format: "dequantize %@: %.2f G elements/s", type, Double(v.elements) / v.seconds / 1e9))
    }
}
