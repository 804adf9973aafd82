/// `@cell` or `@cell/path/inside`: an input taken from an earlier cell's outputs.
public struct InputReference: Sendable, Equatable, CustomStringConvertible {
    public var cell: String
    /// "/"-separated path inside the cell's output folder; "" means the whole folder.
    public var path: String

    public init(cell: String, path: String) { self.cell = cell; self.path = path }

    /// Nil unless `s` is `@id` or `@id/path` with a valid cell id and a path that stays inside
    /// the cell's outputs (no `..`, not absolute). Empty and `.` path components are dropped.
    public static func parse(_ s: String) -> InputReference? {
        guard s.hasPrefix("@") else { return nil }
        let body = s.dropFirst()
        let cell = body.prefix { $0 != "/" }
        guard CellID.isValid(String(cell)) else { return nil }
        var components: [Substring] = []
        for part in body.dropFirst(cell.count).split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { return nil }
            components.append(part)
        }
        return InputReference(cell: String(cell), path: components.joined(separator: "/"))
    }

    public var description: String { path.isEmpty ? "@\(cell)" : "@\(cell)/\(path)" }
}

/// Cell ids appear in `@id/path` references and in folder names, so they are kept plain.
public enum CellID {
    /// One or more of A–Z, a–z, 0–9, `_` and `-`.
    public static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.allSatisfy {
            ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39)
                || $0 == 0x5F || $0 == 0x2D
        }
    }
}
