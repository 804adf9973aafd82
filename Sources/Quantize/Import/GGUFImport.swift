import Foundation
import Tensors
import Text
#if canImport(Glibc)
import Glibc
#endif

/// Converts a llama-architecture GGUF into a Hugging Face folder: config.json,
/// generation_config.json and model.safetensors (fp16 or fp32, HF tensor names, Q/K rows
/// un-permuted back to HF's half-split rotary layout).
///
/// The folder is built under a temporary sibling name and renamed into place at the end, so
/// `directory` is either absent/empty or complete.
public enum GGUFImport {
    public struct Summary: Sendable {
        public let architecture: String
        public let tensorCount: Int
        public let parameterCount: Int
        public let bytesWritten: Int
        public let tiedEmbeddings: Bool
        /// False when the GGUF had no tokenizer.ggml.* metadata, so no tokenizer files were written.
        public let hasTokenizer: Bool
    }

    /// Builds the folder under a temporary sibling and renames it to `directory`, which must be
    /// absent or empty (the CLI's case).
    public static func run(gguf url: URL, to directory: URL, dtype: ImportDType = .f16,
                           progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> Summary {
        let g = try GGUFFile(url)
        let config = try LlamaGGUFConfig(g)
        let entries = try LlamaTensorMap.entries(g, config)
        let parent = directory.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        let staging = parent.appendingPathComponent(".\(directory.lastPathComponent).import-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
        do {
            try write(g, config, entries, into: staging, dtype: dtype, progress: progress)
            // rename(2) replaces an empty folder but not a full one.
            if rename(staging.path, directory.path) != 0 {
                let reason = errno == ENOTEMPTY || errno == EEXIST ? "already exists and is not empty" : String(cString: strerror(errno))
                throw GGUFImportError(file: directory.path, reason)
            }
            DurableFile.syncDirectory(parent)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
        return summary(g, entries, config, dtype)
    }

    /// Writes the folder's files into `directory`, an existing folder that is itself staging
    /// (a cell's output folder, which the runner commits in one rename).
    public static func write(gguf url: URL, into directory: URL, dtype: ImportDType = .f16,
                             progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> Summary {
        let g = try GGUFFile(url)
        let config = try LlamaGGUFConfig(g)
        let entries = try LlamaTensorMap.entries(g, config)
        try write(g, config, entries, into: directory, dtype: dtype, progress: progress)
        return summary(g, entries, config, dtype)
    }

    private static func summary(_ g: GGUFFile, _ entries: [LlamaTensorMap.Entry], _ config: LlamaGGUFConfig, _ dtype: ImportDType) -> Summary {
        let parameters = entries.reduce(0) { $0 + $1.gguf.elementCount }
        return Summary(architecture: "llama", tensorCount: entries.count, parameterCount: parameters,
                       bytesWritten: parameters * dtype.dtype.byteSize, tiedEmbeddings: config.tied,
                       hasTokenizer: g.value("tokenizer.ggml.model") != nil)
    }

    private static func write(_ g: GGUFFile, _ config: LlamaGGUFConfig, _ entries: [LlamaTensorMap.Entry], into staging: URL,
                              dtype: ImportDType, progress: (Int, Int) -> Void) throws {
        try DurableFile.write(config.configJSON(dtype: dtype).data, to: staging.appendingPathComponent("config.json"))
        try DurableFile.write(config.generationConfigJSON().data, to: staging.appendingPathComponent("generation_config.json"))
        // tokenizer.json / tokenizer_config.json (chat template, special tokens, add_bos) from the
        // tokenizer.ggml.* metadata; a GGUF without it (synthetic test files) gets none.
        if g.value("tokenizer.ggml.model") != nil {
            try GGUFTokenizerMetadata(gguf: g).writeHuggingFaceFiles(to: staging)
        }
        let specs = entries.map { SafetensorsWriter.Entry(name: $0.hfName, dtype: dtype.dtype, shape: $0.gguf.shape) }
        try SafetensorsWriter.write(specs, metadata: ["format": "pt"], to: staging.appendingPathComponent("model.safetensors")) { index, sink in
            let e = entries[index]
            var values = try g.dequantize(e.gguf.name)
            if let heads = e.permutedHeads { values = GGUFRotaryLayout.unpermuteRows(values, heads: heads, columns: e.gguf.dimensions[0]) }
            switch dtype {
            case .f32:
                try sink.write(values)
            case .f16:
                var halves = [Float16](repeating: 0, count: values.count)
                values.withUnsafeBufferPointer { v in halves.withUnsafeMutableBufferPointer { h in
                    if let src = v.baseAddress, let dst = h.baseAddress { FloatConversion.f32ToF16(src, dst, count: v.count) }
                } }
                try sink.write(halves)
            }
            progress(index + 1, entries.count)
        }
        DurableFile.syncDirectory(staging)
    }
}
