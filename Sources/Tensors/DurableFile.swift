import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that it is either absent or complete: into a temporary name in the same
/// folder, fsync, rename over the target, fsync the folder.
public enum DurableFile {
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { sink in try data.withUnsafeBytes { try sink.write($0) } }
    }

    public static func write(to url: URL, _ body: (FileSink) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        let temp = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DurableFileError(path: url.path, "cannot be created (\(String(cString: strerror(errno))))") }
        let sink = FileSink(fd: fd, path: url.path)
        do {
            try body(sink)
            try sink.flush()
            guard fsync(fd) == 0 else { throw DurableFileError(path: url.path, "cannot be synced (\(String(cString: strerror(errno))))") }
            close(fd)
            guard rename(temp.path, url.path) == 0 else { throw DurableFileError(path: url.path, "cannot be renamed into place (\(String(cString: strerror(errno))))") }
        } catch {
            close(fd)
            unlink(temp.path)
            throw error
        }
        syncDirectory(folder)
    }

    /// fsync a folder so a rename into it survives a crash.
    public static func syncDirectory(_ folder: URL) {
        let dfd = open(folder.path, O_RDONLY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }
}

/// A buffered writer to an open file descriptor.
public final class FileSink {
    private let fd: Int32
    private let path: String
    private var buffer: [UInt8] = []
    public private(set) var bytesWritten = 0
    private static let bufferLimit = 1 << 20

    init(fd: Int32, path: String) { self.fd = fd; self.path = path; buffer.reserveCapacity(Self.bufferLimit) }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        bytesWritten += bytes.count
        if buffer.count + bytes.count <= Self.bufferLimit {
            buffer.append(contentsOf: bytes)
            return
        }
        try flush()
        if bytes.count >= Self.bufferLimit { try writeAll(bytes) } else { buffer.append(contentsOf: bytes) }
    }

    public func write<T>(_ values: [T]) throws {
        try values.withUnsafeBytes { try write($0) }
    }

    func flush() throws {
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            guard let base = bytes.baseAddress else { return }
            let n = Glibc.write(fd, base + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw DurableFileError(path: path, "cannot be written (\(String(cString: strerror(errno))))")
            }
            done += n
        }
    }
}

public struct DurableFileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    init(path: String, _ reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path) \(reason)" }
}
