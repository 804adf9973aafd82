import Foundation
import Kernels

func printHelp() {
    var out = "cellar — run declarative recipes for offline LLM batch inference, cached cell by cell\n\nCommands:\n"
    for c in commands { out += "  \(c.usage)\n      \(c.summary)\n" }
    FileHandle.standardOutput.write(Data(out.utf8))
}

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("cellar: \(message)\n".utf8))
    exit(status)
}

// OpenBLAS chose slow kernels for this CPU: start again with the right ones (see BLASCore).
if let core = BLAS.restartCore() {
    setenv("OPENBLAS_CORETYPE", core, 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)   // returns only on failure: carry on, slower
}

let argv = Array(CommandLine.arguments.dropFirst())
guard let name = argv.first, !["-h", "--help", "help"].contains(name) else {
    printHelp()
    exit(argv.isEmpty ? 2 : 0)
}
if name == "--version" { print("cellar \(cellarVersion)"); exit(0) }
guard let command = commands.first(where: { $0.name == name }) else {
    fail("unknown command '\(name)'; run 'cellar --help' for the list", status: 2)
}
var args = Arguments(command: name, Array(argv.dropFirst()))
if args.flag("-h", "--help") { print("usage: \(command.usage)\n\(command.summary)"); exit(0) }
do {
    exit(try command.run(&args))
} catch let e as UsageError {
    fail("\(e)\nusage: \(command.usage)", status: 2)
} catch {
    fail(String(describing: error), status: 1)
}
