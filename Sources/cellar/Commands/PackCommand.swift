import Bundle
import Foundation
import Recipe
import Runner
import Store

struct PackCommand: Command {
    static let name = "pack"
    static let summary = "Package a recipe, its manifest and cached artifacts for offline reruns (deterministic)."
    static let usage = "cellar pack RECIPE -o FILE.tar.gz|FILE.zip [--with-inputs] [--with-binary]"

    static func run(_ args: inout Arguments) throws -> Int32 {
        guard let output = try args.option("-o", "--output") else { throw UsageError("pack: -o FILE is required") }
        let withInputs = args.flag("--with-inputs")
        let withBinary = args.flag("--with-binary")
        let recipePath = try args.positionals("RECIPE")[0]
        guard ArchiveWriter.Format(fileName: output).map({ $0 == .tarGz || $0 == .zip }) == true else {
            throw UsageError("pack: the package must end in .tar.gz or .zip, got '\(output)'")
        }
        let recipeURL = URL(fileURLWithPath: recipePath).standardizedFileURL
        guard FileManager.default.fileExists(atPath: recipeURL.path) else { throw RunnerError.io("recipe file \(recipePath) does not exist") }
        let recipe = try Recipe.load(recipeURL, schemas: RecipeCommands.registry.schemas)
        let (files, manifest, manifestURL) = try PackageContents.collect(recipe: recipe, withInputs: withInputs)
        let root = PackageContents.commonFolder(files)
        var items: [Packer.Item] = []
        var seen = Set<String>()
        for f in files {
            let path = PackageContents.relative(f, to: root)
            if seen.insert(path).inserted { items.append(Packer.Item(path: path, source: f)) }
        }
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-pack-\(getpid())-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        let recipeInPackage = PackageContents.relative(recipe.file, to: root)
        let manifestInPackage = PackageContents.relative(manifestURL, to: root)
        let readme = staging.appendingPathComponent("CELLAR-PACKAGE.md")
        try Data(Self.readme(recipe: recipeInPackage, manifest: manifestInPackage, name: manifest.predicate.recipe.name,
                             root: manifest.predicate.rootDigest, withBinary: withBinary, withInputs: withInputs).utf8).write(to: readme)
        items.append(Packer.Item(path: "CELLAR-PACKAGE.md", source: readme))
        if withBinary {
            items.append(Packer.Item(path: "bin/cellar", source: try StaticBinary.locate()))
        }
        let digest = try Packer.pack(items, to: URL(fileURLWithPath: output))
        print("packed \(items.count) files of '\(recipe.name)' into \(output)")
        print("sha256 \(digest) · root \(manifest.predicate.rootDigest)")
        return 0
    }

    static func readme(recipe: String, manifest: String, name: String, root: Digest, withBinary: Bool, withInputs: Bool) -> String {
        let cellar = withBinary ? "bin/cellar" : "cellar"
        return """
        # Cellar package: \(name)

        This archive holds the recipe `\(recipe)`, its run manifest `\(manifest)` and the cached
        outputs of every cell, laid out as they were when packed. Root digest: `\(root)`.

        Offline, from the folder you unpacked this into:

            \(cellar) verify \(manifest)     # re-hash every output against the manifest
            \(cellar) run \(recipe)          # every cell is cached: nothing is recomputed

        \(withBinary ? "`bin/cellar` is a Linux x86-64 build with the Swift standard library linked statically; it needs\nonly the system's C and C++ runtimes, libarchive and OpenBLAS (apt-get install libarchive13 libopenblas0)." : "Install cellar first (this package was made without --with-binary).")
        \(withInputs ? "The recipe's input files are included, so changed cells can rerun too." : "The recipe's input files are not included (made without --with-inputs): put them back at the\npaths the recipe names before 'cellar run' (it hashes them to find the cached cells).")

        """
    }
}

/// A `cellar` with the Swift standard library linked statically, for `--with-binary`: the
/// running binary when it was built so, otherwise one built from this source tree with
/// `swift build -c release -Xswiftc -static-stdlib` into .build-static.
enum StaticBinary {
    static func locate() throws -> URL {
        let running = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        if !linksSwiftRuntimeDynamically() { return running }
        // Sources/cellar/Commands/PackCommand.swift → repository root.
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: repo.appendingPathComponent("Package.swift").path) else {
            throw PackageError("--with-binary: this cellar links the Swift runtime dynamically and its sources are not at \(repo.path); rebuild it with 'swift build -c release -Xswiftc -static-stdlib'")
        }
        FileHandle.standardError.write(Data("cellar: building a static cellar for the package (swift build -c release -Xswiftc -static-stdlib)...\n".utf8))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["swift", "build", "-c", "release", "-Xswiftc", "-static-stdlib", "--product", "cellar",
                       "--scratch-path", ".build-static"]
        p.currentDirectoryURL = repo
        p.standardOutput = FileHandle.standardError
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw PackageError("--with-binary: the static build failed (exit \(p.terminationStatus))") }
        return repo.appendingPathComponent(".build-static/release/cellar")
    }

    static func linksSwiftRuntimeDynamically() -> Bool {
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return true }
        return maps.contains("libswiftCore.so")
    }
}
