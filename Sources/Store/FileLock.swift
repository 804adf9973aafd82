import Foundation

/// An exclusive advisory lock on a file (flock), so two `cellar` processes sharing one artifacts
/// folder take turns. The kernel drops it when the process dies, so a kill -9 never leaves a
/// stale lock behind. The lock belongs to the open file, not the thread: two `withLock` calls
/// in one process also exclude each other.
public final class FileLock: Sendable {
    public let url: URL

    public init(_ url: URL) { self.url = url }

    public func withLock<T>(_ body: () throws -> T) throws -> T {
        try FileSystem.makeDirectory(url.deletingLastPathComponent())
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.posix("open lock file", url.path) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw StoreError.posix("flock", url.path) }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// Like `withLock`, but returns nil at once instead of waiting when another holder has it.
    public func withLockIfAvailable<T>(_ body: () throws -> T) throws -> T? {
        try FileSystem.makeDirectory(url.deletingLastPathComponent())
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.posix("open lock file", url.path) }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EWOULDBLOCK { return nil }
            throw StoreError.posix("flock", url.path)
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
