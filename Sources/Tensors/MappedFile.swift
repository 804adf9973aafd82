import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory. Tensor data is read straight from the mapping,
/// so opening a multi-gigabyte checkpoint costs page-table entries, not copies.
public final class MappedFile: @unchecked Sendable {
    public let url: URL
    /// The file's bytes; valid for the lifetime of this object.
    public let bytes: UnsafeRawBufferPointer

    public init(_ url: URL) throws(MappedFileError) {
        self.url = url
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw MappedFileError(url: url, reason: "cannot be opened (\(Self.errnoText()))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw MappedFileError(url: url, reason: "cannot be read (\(Self.errnoText()))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw MappedFileError(url: url, reason: "is not a regular file") }
        let size = Int(info.st_size)
        guard size > 0 else { throw MappedFileError(url: url, reason: "is empty") }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw MappedFileError(url: url, reason: "cannot be mapped (\(Self.errnoText()))")
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

public struct MappedFileError: Error, CustomStringConvertible, Sendable {
    public let url: URL
    public let reason: String
    public var description: String { "\(url.path) \(reason)" }
}
