/// How much an archive may expand before it is treated as a decompression bomb. Sizes are
/// counted as data is actually decompressed, never taken from headers alone.
public struct UnpackLimits: Sendable, Equatable {
    /// One entry's uncompressed size.
    public var maxEntryBytes: Int64
    /// All extracted entries together.
    public var maxTotalBytes: Int64
    /// Extracted bytes per byte of archive file, judged once `ratioFloorBytes` were written, so
    /// small, highly compressible text files are never refused.
    public var maxExpansionRatio: Double
    public var ratioFloorBytes: Int64
    public var maxEntries: Int

    public init(maxEntryBytes: Int64 = 64 << 30, maxTotalBytes: Int64 = 256 << 30,
                maxExpansionRatio: Double = 100, ratioFloorBytes: Int64 = 8 << 20, maxEntries: Int = 200_000) {
        self.maxEntryBytes = maxEntryBytes; self.maxTotalBytes = maxTotalBytes
        self.maxExpansionRatio = maxExpansionRatio; self.ratioFloorBytes = ratioFloorBytes; self.maxEntries = maxEntries
    }
}
