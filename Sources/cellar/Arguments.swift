/// A small command-line reader: `--name value`, `--name=value`, `--flag`, `-o value`, and
/// positionals. Every option a command did not ask for is an error (exit 2), so a typo never
/// silently changes what runs.
struct Arguments {
    private var tokens: [String]
    private var consumed: Set<Int> = []
    let command: String

    init(command: String, _ tokens: [String]) { self.command = command; self.tokens = tokens }

    /// `--name` present?
    mutating func flag(_ names: String...) -> Bool {
        for (i, t) in tokens.enumerated() where !consumed.contains(i) && names.contains(t) {
            consumed.insert(i); return true
        }
        return false
    }

    /// The value of `--name VALUE` or `--name=VALUE`, if given.
    mutating func option(_ names: String...) throws(UsageError) -> String? {
        var i = 0
        while i < tokens.count {
            defer { i += 1 }
            if consumed.contains(i) { continue }
            let t = tokens[i]
            for n in names {
                if t == n {
                    guard i + 1 < tokens.count else { throw UsageError("\(command): \(n) needs a value") }
                    consumed.insert(i); consumed.insert(i + 1)
                    return tokens[i + 1]
                }
                if t.hasPrefix(n + "=") {
                    consumed.insert(i)
                    return String(t.dropFirst(n.count + 1))
                }
            }
        }
        return nil
    }

    mutating func intOption(_ names: String...) throws(UsageError) -> Int? {
        var value: String?
        for n in names { if let v = try option(n) { value = v; break } }
        guard let value else { return nil }
        guard let i = Int(value) else { throw UsageError("\(command): \(names[0]) expects an integer, got '\(value)'") }
        return i
    }

    /// The remaining positionals, in order. Fails on any option nobody asked for.
    mutating func positionals() throws(UsageError) -> [String] {
        var out: [String] = []
        for (i, t) in tokens.enumerated() where !consumed.contains(i) {
            if t.hasPrefix("-") && t != "-" { throw UsageError("\(command): unknown option '\(t)'") }
            consumed.insert(i)
            out.append(t)
        }
        return out
    }

    /// Exactly `count` positionals, described by `names` for the message.
    mutating func positionals(_ names: String...) throws(UsageError) -> [String] {
        let p = try positionals()
        guard p.count == names.count else {
            throw UsageError("\(command): expected \(names.joined(separator: " ")), got \(p.count) argument(s)")
        }
        return p
    }
}

/// Bad usage: printed as one line, exit status 2.
struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
