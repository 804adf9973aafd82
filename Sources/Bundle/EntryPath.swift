/// Archive entry names made safe to join onto the destination folder, or the reason they are
/// not. Checks are lexical; the unpacker separately refuses to write through symbolic links,
/// so a lexically inside path is also physically inside.
enum EntryPath {
    /// "./a//b/" → "a/b"; "" for the archive's root folder itself.
    static func normalize(_ raw: String) -> Result<String, Refusal> {
        if raw.isEmpty { return .failure(Refusal("has an empty name")) }
        if raw.hasPrefix("/") { return .failure(Refusal("is an absolute path")) }
        if raw.contains("\\") { return .failure(Refusal("contains a backslash (a Windows path?)")) }
        var parts: [Substring] = []
        for part in raw.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
            if part == ".." { return .failure(Refusal("has a '..' component, which could leave the destination folder")) }
            parts.append(part)
        }
        return .success(parts.joined(separator: "/"))
    }

    /// Where a symbolic link at `linkPath` (normalized) pointing to `target` lands, relative to
    /// the destination folder, or a refusal when it is absolute or climbs above it.
    static func resolveLink(at linkPath: String, target: String) -> Result<String, Refusal> {
        if target.isEmpty { return .failure(Refusal("is a symbolic link with an empty target")) }
        if target.hasPrefix("/") { return .failure(Refusal("is a symbolic link to an absolute path '\(target)'")) }
        var stack = linkPath.split(separator: "/").dropLast().map(String.init)
        for part in target.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
            if part == ".." {
                if stack.isEmpty { return .failure(Refusal("is a symbolic link to '\(target)', outside the destination folder")) }
                stack.removeLast()
            } else {
                stack.append(String(part))
            }
        }
        return .success(stack.joined(separator: "/"))
    }

    struct Refusal: Error { var reason: String; init(_ r: String) { reason = r } }
}
