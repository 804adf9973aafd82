import Foundation

/// Shell-style patterns for `extract`: `*` and `?` stay within one path component, `[...]`
/// classes as in fnmatch(3), and a pattern naming a folder also selects everything under it.
public struct Glob: Sendable, Equatable {
    public let pattern: String

    public init(_ pattern: String) {
        var p = pattern
        while p.hasPrefix("./") { p.removeFirst(2) }
        while p.hasSuffix("/") { p.removeLast() }
        self.pattern = p
    }

    public func matches(_ path: String) -> Bool {
        if fnmatch(pattern, path, FNM_PATHNAME | FNM_PERIOD) == 0 { return true }
        // A folder pattern matches the folder's contents.
        var prefix = Substring(path)
        while let slash = prefix.lastIndex(of: "/") {
            prefix = prefix[..<slash]
            if fnmatch(pattern, String(prefix), FNM_PATHNAME | FNM_PERIOD) == 0 { return true }
        }
        return false
    }
}
