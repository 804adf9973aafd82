// Int4Columns speed at SmolLM2's shapes and 4096², one thread: the fused product (rows 1..4) and
// dequantise-tile + sgemm (more rows), in GFLOP/s (2·rows·in·out per product).
// Built by bench/int4/run together with Sources/Kernels, so it sees the same code.
import CBLAS
import Foundation

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func makeMatrix(_ inF: Int, _ outF: Int, group: Int) throws -> Int4Columns {
    var state: UInt64 = 42
    func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
    let qw = (0..<(inF * outF / 8)).map { _ in Int32(truncatingIfNeeded: next() ^ (next() << 31)) }
    let qz = (0..<(inF / group * outF / 8)).map { _ in Int32(truncatingIfNeeded: next() ^ (next() << 31)) }
    let sc = (0..<(inF / group * outF)).map { _ in Float16(Float(next() % 100 + 1) / 1000) }
    return try qw.withUnsafeBufferPointer { a in
        try qz.withUnsafeBufferPointer { b in
            try sc.withUnsafeBufferPointer { c in
                try Int4Columns(Int4Matrix(awqQWeight: a, qzeros: b, scales: c, inFeatures: inF, outFeatures: outF, groupSize: group))
            }
        }
    }
}

let group = Int(ProcessInfo.processInfo.environment["GROUP"] ?? "64") ?? 64

// --stream: 100 fused products over 100 distinct 576→1536 matrices (55 MB, more than any cache
// keeps between decode steps) on a team of 2, as a decode step streams its weights: GB/s of
// weights read, against 100 products of one matrix that stays in cache.
if CommandLine.arguments.dropFirst().first == "--stream" {
    let threads = 2, outF = 1536, inF = 576
    let team = WorkerTeam(size: threads)
    let x = UnsafeMutablePointer<Float>.allocate(capacity: inF)
    for i in 0..<inF { x[i] = Float(i % 17) / 17 - 0.5 }
    let y = UnsafeMutablePointer<Float>.allocate(capacity: outF)
    let scratch = (0..<threads).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: 2 * outF) }
    for count in [1, 100] {
        let ms = try (0..<count).map { _ in try makeMatrix(inF, outF, group: group) }
        var best = Double.infinity
        for _ in 0..<20 {
            let t0 = now()
            for k in 0..<100 {
                let m = ms[k % count]
                team.run { t in
                    m.matmul(x, rows: 1, into: y, ldy: outF, columns: WorkerTeam.share(outF, member: t, of: threads, align: 8),
                             scratch: scratch[t])
                }
            }
            best = min(best, now() - t0)
        }
        let bytes = Double(100 * ms[0].serialisedByteCount)
        print(String(format: "100 products over %3d matrices (%5.1f MB), 2 threads: %.1f GB/s", count,
                     Double(count * ms[0].serialisedByteCount) / 1e6, bytes / best / 1e9))
    }
    exit(0)
}
let shapes = [(576, 1536), (1536, 576), (576, 576), (576, 192), (4096, 4096)]
let rowCounts = CommandLine.arguments.count > 1 ? CommandLine.arguments.dropFirst().compactMap { Int($0) } : [1, 2, 4, 5, 16, 64, 512]
print("group \(group); GFLOP/s, single thread (openblas_set_num_threads(1))")
openblas_set_num_threads(1)
print("in→out".padding(toLength: 12, withPad: " ", startingAt: 0) + rowCounts.map { "r=\($0)".padding(toLength: 9, withPad: " ", startingAt: 0) }.joined())
for (inF, outF) in shapes {
    let m = try makeMatrix(inF, outF, group: group)
    var line = "\(inF)→\(outF)".padding(toLength: 12, withPad: " ", startingAt: 0)
    for rows in rowCounts {
        let x = UnsafeMutablePointer<Float>.allocate(capacity: rows * inF)
        for i in 0..<(rows * inF) { x[i] = Float(i % 17) / 17 - 0.5 }
        let y = UnsafeMutablePointer<Float>.allocate(capacity: rows * outF)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: m.matmulScratchCount)
        let flops = 2.0 * Double(rows * inF * outF)
        let reps = max(3, Int(2e8 / flops))
        var best = Double.infinity
        for _ in 0..<5 {
            let t0 = now()
            for _ in 0..<reps { m.matmul(x, rows: rows, into: y, ldy: outF, columns: 0..<outF, scratch: scratch) }
            best = min(best, (now() - t0) / Double(reps))
        }
        line += String(format: "%-9.1f", flops / best / 1e9)
        x.deallocate(); y.deallocate(); scratch.deallocate()
    }
    print(line)
}

// The ceiling and the costs of the sgemm path's two halves, for 576→1536 at 512 rows.
do {
    let (inF, outF, rows) = (576, 1536, 512)
    let m = try makeMatrix(inF, outF, group: group)
    let x = UnsafeMutablePointer<Float>.allocate(capacity: rows * inF)
    for i in 0..<(rows * inF) { x[i] = Float(i % 17) / 17 - 0.5 }
    let w = UnsafeMutablePointer<Float>.allocate(capacity: inF * outF + 2 * outF)   // the tile and its scale scratch
    let y = UnsafeMutablePointer<Float>.allocate(capacity: rows * outF)
    var best = Double.infinity
    for _ in 0..<5 {
        let t0 = now()
        m.dequantizeTransposed(columns: 0..<outF, into: w)
        best = min(best, now() - t0)
    }
    print(String(format: "dequantise 576×1536: %.2f ms (%.2f G weights/s)", best * 1e3, Double(inF * outF) / best / 1e9))
    best = .infinity
    for _ in 0..<5 {
        let t0 = now()
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(outF), Int32(inF), 1, x, Int32(inF), w, Int32(outF), 0, y, Int32(outF))
        best = min(best, now() - t0)
    }
    print(String(format: "plain sgemm 512×576×1536: %.1f GFLOP/s", 2.0 * Double(rows * inF * outF) / best / 1e9))
}
