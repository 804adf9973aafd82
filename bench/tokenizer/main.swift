// Tokenizer throughput: our encoder over the benchmark text, one line per encode, best of three,
// on one thread and on all cores. Built by bench/tokenizer/run.sh against the release objects.
import Foundation
import Text

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: tokenizer-bench MODEL TEXT_FILE\n".utf8))
    exit(2)
}
let tokenizer = try Tokenizer.load(model: URL(fileURLWithPath: arguments[1]))
let text = try String(contentsOfFile: arguments[2], encoding: .utf8)
let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
let size = Double(text.utf8.count)

func measure(_ body: () -> Int) -> (seconds: Double, tokens: Int) {
    var best = Double.infinity, tokens = 0
    for _ in 0..<3 {
        let start = DispatchTime.now().uptimeNanoseconds
        tokens = body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return (best, tokens)
}

let single = measure {
    var n = 0
    for line in lines { n += tokenizer.encode(line, addSpecialTokens: false).count }
    return n
}
let cores = ProcessInfo.processInfo.activeProcessorCount
let parallel = measure {
    let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: cores)
    defer { counts.deallocate() }
    DispatchQueue.concurrentPerform(iterations: cores) { worker in
        var n = 0
        var i = worker
        while i < lines.count { n += tokenizer.encode(lines[i], addSpecialTokens: false).count; i += cores }
        counts[worker] = n
    }
    return counts.reduce(0, +)
}
print(String(format: "%.2f MB/s  %d tokens (1 thread); %.2f MB/s (%d threads)",
             size / single.seconds / 1e6, single.tokens, size / parallel.seconds / 1e6, cores))
