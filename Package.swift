// swift-tools-version: 6.0
// Cellar: declarative, cached, reproducible offline LLM batch inference.
// No Swift package dependencies: the only C libraries are OpenBLAS and libarchive,
// reached through the CBLAS and CArchive system-library shims.
import PackageDescription

/// Hot code is compiled for a CPU floor that every x86-64 machine of the last decade has
/// (AVX2 + FMA + F16C): without it Float16 conversions become library calls and SIMD FMA
/// is emulated (../shared/MEASURED.md). Non-x86 hosts build without the flag.
#if arch(x86_64)
let fastMath: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let fastMath: [SwiftSetting] = []
#endif

let package = Package(
    name: "Cellar",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cellar", targets: ["cellar"]),
    ],
    targets: [
        // C shims.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CArchive", path: "Sources/CArchive"),

        // recipe → plan → cells → artifacts → manifest
        .target(name: "JSON"),
        .target(name: "Recipe", dependencies: ["JSON"]),
        // Optimised in debug builds too: tests and debug runs hash 100 MB models (2 MB/s at -Onone).
        .target(name: "Store", swiftSettings: [.unsafeFlags(["-O"])]),
        .target(name: "Bundle", dependencies: ["CArchive", "Store"]),
        .target(name: "Tensors", dependencies: ["JSON"], swiftSettings: fastMath),
        // LLVM's prefetch intrinsic, which only -parse-stdlib reaches (see Prefetch.swift).
        .target(name: "Prefetch", swiftSettings: [.unsafeFlags(["-parse-stdlib"])]),
        .target(name: "Kernels", dependencies: ["CBLAS", "Prefetch"], swiftSettings: fastMath),
        .target(name: "Models", dependencies: ["Tensors", "Kernels"], swiftSettings: fastMath),
        .target(name: "Text", dependencies: ["JSON", "Tensors"]),
        .target(name: "Decoding", dependencies: ["Models", "Text"], swiftSettings: fastMath),
        .target(name: "Quantize", dependencies: ["JSON", "Tensors", "Models", "Text", "Kernels"], swiftSettings: fastMath),
        .target(name: "CellKit", dependencies: ["Recipe", "Store"]),
        .target(name: "Cells", dependencies: [
            "CellKit", "Recipe", "Store", "Bundle", "Tensors", "Models", "Text", "Decoding", "Quantize",
        ]),
        .target(name: "Runner", dependencies: ["JSON", "CellKit", "Recipe", "Store"]),
        // Locates ../shared, the offline bundle and the Python references; for tests only.
        .target(name: "TestSupport"),
        .executableTarget(name: "cellar", dependencies: [
            "JSON", "Runner", "Cells", "CellKit", "Recipe", "Store", "Bundle", "Tensors", "Models", "Text",
            "Decoding", "Quantize",
        ]),

        .testTarget(name: "JSONTests", dependencies: ["JSON", "TestSupport"]),
        .testTarget(name: "RecipeTests", dependencies: ["Recipe", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "TestSupport"]),
        .testTarget(name: "BundleTests", dependencies: ["Bundle", "Store", "TestSupport"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "TestSupport"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Tensors", "Kernels", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "TextTests", dependencies: ["JSON", "Text", "Tensors", "TestSupport"]),
        .testTarget(name: "DecodingTests", dependencies: ["Decoding", "Models", "Text", "TestSupport"]),
        .testTarget(name: "QuantizeTests", dependencies: ["Quantize", "Models", "Tensors", "TestSupport"]),
        .testTarget(name: "CellsTests", dependencies: ["Cells", "CellKit", "Runner", "Recipe", "Store", "Models", "Tensors", "TestSupport"]),
        .testTarget(name: "RunnerTests", dependencies: ["JSON", "Runner", "CellKit", "Recipe", "Store", "TestSupport"]),
        .testTarget(name: "CellarTests", dependencies: ["Kernels", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
