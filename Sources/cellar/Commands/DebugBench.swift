import CBLAS
import Foundation
import Kernels
import Models

/// `cellar debug bench JOB MODEL ...`: the Cellar half of bench/run. Each job loads the model
/// (not timed), does its work and prints one JSON object on stdout. Hidden from the user CLI.
///
/// Jobs: `prefill --ids FILE --tokens 128,512,1024 --repeats N`, `decode --ids FILE --context N
/// --steps N --repeats N`, `classify --prompts FILE.jsonl --choices ID,ID,ID`, `sgemm` (no model).
enum DebugBench {
    struct Options {
        var threads = 2
        var devices = 1
        var repeats = 3
    }

    static func run(_ args: inout Arguments) throws -> Int32 {
        var o = Options()
        o.threads = try args.intOption("--threads") ?? 2
        o.devices = try args.intOption("--devices") ?? 1
        o.repeats = try args.intOption("--repeats") ?? 3
        let idsFile = try args.option("--ids")
        let tokenCounts = try args.option("--tokens") ?? "128,512,1024"
        let context = try args.intOption("--context") ?? 128
        let steps = try args.intOption("--steps") ?? 64
        let promptsFile = try args.option("--prompts")
        let choices = try args.option("--choices")
        let p = try args.positionals()
        guard p.count >= 1 else { throw UsageError("debug bench: expected JOB [MODEL]") }
        let job = p[0]
        var result: [String: Any] = ["job": job, "threads": o.threads, "devices": o.devices]
        if job == "sgemm" {
            result["gflops"] = sgemm(threads: o.threads, repeats: max(o.repeats, 5))
            return emit(result)
        }
        guard p.count == 2 else { throw UsageError("debug bench \(job): expected MODEL") }
        let model = URL(fileURLWithPath: p[1])
        let loadStart = now()
        let engine = try load(model, devices: o.devices, threads: o.threads)
        result["load_seconds"] = now() - loadStart
        switch job {
        case "prefill":
            let ids = try readIDs(idsFile)
            var rows: [[String: Any]] = []
            for n in tokenCounts.split(separator: ",").compactMap({ Int($0) }) {
                guard n <= ids.count else { throw UsageError("debug bench: --ids holds \(ids.count) tokens, fewer than \(n)") }
                let cache = engine.makeCache(slots: 1, maxContext: n)
                var times: [Double] = []
                for r in 0..<(o.repeats + 1) {
                    cache.reset(slot: 0)
                    let t0 = now()
                    _ = try engine.forward([SequenceInput(slot: 0, tokens: Array(ids[0..<n]))], cache: cache, logits: .last)
                    if r > 0 { times.append(now() - t0) }   // the first run warms caches and scratch
                }
                rows.append(["tokens": n, "seconds": times])
            }
            result["prefill"] = rows
        case "decode":
            let ids = try readIDs(idsFile)
            guard context + steps <= ids.count else { throw UsageError("debug bench: --ids holds too few tokens") }
            let cache = engine.makeCache(slots: 1, maxContext: context + steps)
            var times: [Double] = []
            for _ in 0..<o.repeats {
                cache.reset(slot: 0)
                _ = try engine.forward([SequenceInput(slot: 0, tokens: Array(ids[0..<context]))], cache: cache, logits: .none)
                let t0 = now()
                for s in 0..<steps {
                    _ = try engine.forward([SequenceInput(slot: 0, tokens: [ids[context + s]])], cache: cache, logits: .last)
                }
                times.append(now() - t0)
            }
            result["decode"] = ["steps": steps, "context": context, "seconds": times]
        case "classify":
            let prompts = try readPrompts(promptsFile)
            let choiceIDs = (choices ?? "").split(separator: ",").compactMap { Int32($0) }
            guard !choiceIDs.isEmpty else { throw UsageError("debug bench classify: --choices ID,ID,... is required") }
            let t0 = now()
            let probs = try ChoiceBench.classify(engine: engine, prompts: prompts, choices: choiceIDs)
            result["classify"] = ["prompts": prompts.count, "tokens": prompts.reduce(0) { $0 + $1.count },
                                  "seconds": now() - t0, "probs": probs]
        default:
            throw UsageError("debug bench: unknown job '\(job)' (prefill, decode, classify, sgemm)")
        }
        result["peak_rss_bytes"] = peakRSS()
        return emit(result)
    }

    static func load(_ model: URL, devices: Int, threads: Int) throws -> Engine {
        let env = ProcessInfo.processInfo.environment
        if model.pathExtension.lowercased() == "gguf", env["CELLAR_BENCH_F32"] == nil {
            return Engine(weights: try ModelLoader.loadGGUFInt4(model, devices: devices), threads: threads)
        }
        if FileManager.default.fileExists(atPath: model.appendingPathComponent(EngineArtifact.headerName).path) {
            let (weights, _, file) = try EngineArtifact.open(model)
            return Engine(weights: weights, owner: file, threads: threads)
        }
        return Engine(weights: try ModelLoader.load(model: model, devices: devices, split: .tensor), threads: threads)
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    static func peakRSS() -> Int {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return u.ru_maxrss * 1024
    }

    static func emit(_ object: [String: Any]) -> Int32 {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return 1 }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
        return 0
    }

    static func readIDs(_ path: String?) throws -> [Int32] {
        guard let path else { throw UsageError("debug bench: --ids FILE is required") }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "," }).compactMap { Int32($0) }
    }

    /// JSONL with an "ids" array per line.
    static func readPrompts(_ path: String?) throws -> [[Int32]] {
        guard let path else { throw UsageError("debug bench classify: --prompts FILE is required") }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var out: [[Int32]] = []
        for (i, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.isEmpty {
            guard let obj = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let ids = obj["ids"] as? [Int] else {
                throw UsageError("\(path): line \(i + 1) has no \"ids\" array")
            }
            out.append(ids.map { Int32($0) })
        }
        return out
    }

    /// GFLOP/s of cblas_sgemm at M=512, K=576, N=1536 (the shape of a prefill's gate|up half).
    static func sgemm(threads: Int, repeats: Int) -> Double {
        BLAS.threads = threads
        let m = 512, k = 576, n = 1536
        let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: n * k)
        var c = [Float](repeating: 0, count: m * n)
        var best = Double.infinity
        for _ in 0..<repeats {
            let t0 = now()
            for _ in 0..<10 {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(k), 0, &c, Int32(n))
            }
            best = min(best, (now() - t0) / 10)
        }
        return 2 * Double(m * n * k) / best / 1e9
    }
}
