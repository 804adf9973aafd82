import Foundation
import Kernels
import Recipe

struct DebugCommand: Command {
    static let name = "debug"
    static let summary = "Developer tools: toml-decode (TOML on stdin → toml-test JSON on stdout), blas-core (the OpenBLAS kernels in use)."
    static let usage = "cellar debug toml-decode | blas-core"
    static func run(_ args: inout Arguments) throws -> Int32 {
        // The benchmark driver (bench/run) takes options; the other tools take none.
        if args.flag("bench") { return try DebugBench.run(&args) }
        let tool = try args.positionals("TOOL")[0]
        switch tool {
        case "toml-decode": return tomlDecode()
        case "blas-core": print(BLAS.coreName); return 0
        default: throw UsageError("debug: unknown tool '\(tool)' (known: toml-decode, blas-core)")
        }
    }

    /// toml-test's decoder protocol: exit 0 with the tagged JSON, or exit 1 with the error.
    private static func tomlDecode() -> Int32 {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        do {
            let table = try TOML.parse(bytes: Array(input), file: "<stdin>")
            FileHandle.standardOutput.write(Data(TOMLTaggedJSON.encode(table).utf8))
            return 0
        } catch {
            FileHandle.standardError.write(Data("\(error.position): \(error.message)\n".utf8))
            return 1
        }
    }
}
