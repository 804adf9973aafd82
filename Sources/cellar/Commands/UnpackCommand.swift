import Bundle
import Foundation

struct UnpackCommand: Command {
    static let name = "unpack"
    static let summary = "Safely extract a package or bundle (refuses traversal, escaping links, devices, bombs)."
    static let usage = "cellar unpack FILE -C DIR [--extract GLOB]..."
    static func run(_ args: inout Arguments) throws -> Int32 {
        guard let destination = try args.option("-C", "--directory") else { throw UsageError("unpack: -C DIR is required") }
        var patterns: [String] = []
        while let p = try args.option("--extract") { patterns.append(p) }
        let file = try args.positionals("FILE")[0]
        let files = try Unpacker(include: patterns).unpack(URL(fileURLWithPath: file), into: URL(fileURLWithPath: destination))
        let bytes = files.reduce(Int64(0)) { $0 + $1.size }
        print("unpacked \(files.count) file\(files.count == 1 ? "" : "s") (\(bytes) bytes) into \(destination)")
        return 0
    }
}
