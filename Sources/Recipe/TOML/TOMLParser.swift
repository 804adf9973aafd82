/// TOML 1.0 document structure: key/value lines, `[table]` and `[[array of tables]]` headers,
/// values (strings, numbers, date-times, arrays, inline tables), and the redefinition rules.
struct TOMLParser {
    typealias Key = [(name: String, position: SourcePosition)]

    var s: TOMLScanner
    let root: TOMLTableBuilder
    var current: TOMLTableBuilder
    /// How many tables and arrays enclose the point being parsed. Building, encoding and
    /// validating the tree recurse once per level, so it is capped.
    var depth = 0
    /// Deep enough for any real document, shallow enough that recursion cannot exhaust the stack.
    static let maximumDepth = 100

    init(bytes: [UInt8], file: String) {
        s = TOMLScanner(bytes: bytes, file: file)
        root = TOMLTableBuilder(origin: .header, position: SourcePosition(line: 1, column: 1))
        current = root
    }

    mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        while true {
            s.skipWhitespace()
            guard let b = s.peek else { break }
            if b == UInt8(ascii: "#") {
                try s.skipComment()
                try endOfLine(after: "a comment")
            } else if try s.takeNewline() {
                continue
            } else if b == UInt8(ascii: "[") {
                try parseHeader()
                try endOfLine(after: "a table header")
            } else {
                try parseKeyValue(into: current)
                try endOfLine(after: "a value")
            }
        }
        return root.build()
    }

    /// After a complete line item only whitespace, a comment and a newline may follow.
    private mutating func endOfLine(after what: String) throws(TOMLError) {
        s.skipWhitespace()
        try s.skipComment()
        if s.atEnd { return }
        if try s.takeNewline() { return }
        throw s.error("expected a newline after \(what), found \(found())")
    }

    /// What is at the cursor, for messages.
    func found() -> String {
        guard let b = s.peek else { return "end of file" }
        if b == 0x0A || b == 0x0D { return "end of line" }
        if TOMLScanner.isForbiddenControl(b) { return "control character \(TOMLScanner.describe(b))" }
        var end = s.index + 1
        while end < s.bytes.count && s.bytes[end] & 0xC0 == 0x80 { end += 1 }
        return "'" + String(decoding: s.bytes[s.index..<end], as: UTF8.self) + "'"
    }

    // MARK: keys

    mutating func parseKey() throws(TOMLError) -> Key {
        var parts: Key = []
        repeat {
            s.skipWhitespace()
            let position = s.position
            guard let b = s.peek else { throw s.error("expected a key, found end of file") }
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                parts.append((try s.scanString(allowMultiline: false), position))
            } else if TOMLScanner.isBareKeyByte(b) {
                let start = s.index
                while let c = s.peek, TOMLScanner.isBareKeyByte(c) { s.advance() }
                parts.append((String(decoding: s.bytes[start..<s.index], as: UTF8.self), position))
            } else {
                throw s.error("expected a key, found \(found())")
            }
            s.skipWhitespace()
        } while s.take(UInt8(ascii: "."))
        return parts
    }

    static func dotted(_ key: some Collection<(name: String, position: SourcePosition)>) -> String {
        key.map { part in
            part.name.utf8.allSatisfy(TOMLScanner.isBareKeyByte) && !part.name.isEmpty
                ? part.name : "\"" + part.name + "\""
        }.joined(separator: ".")
    }

    // MARK: key/value

    mutating func parseKeyValue(into table: TOMLTableBuilder) throws(TOMLError) {
        let key = try parseKey()
        guard s.take(UInt8(ascii: "=")) else {
            throw s.error("expected '=' after key '\(TOMLParser.dotted(key))', found \(found())")
        }
        s.skipWhitespace()
        depth += key.count - 1
        defer { depth -= key.count - 1 }
        try checkDepth(at: key.first?.position ?? s.position)
        let value = try parseValue()
        try insert(value, at: key, into: table)
    }

    /// Dotted keys create (or re-enter) tables that only dotted keys made; they may not reach
    /// into a table defined by a header, an array of tables, or any value.
    private func insert(_ value: TOMLNode, at key: Key, into table: TOMLTableBuilder) throws(TOMLError) {
        var t = table
        for (i, part) in key.enumerated() {
            let isLast = i == key.count - 1
            guard let slot = t.slot(part.name) else {
                if isLast {
                    t.set(part.name, keyPosition: part.position, .value(value))
                } else {
                    let sub = TOMLTableBuilder(origin: .dotted, position: part.position)
                    t.set(part.name, keyPosition: part.position, .table(sub))
                    t = sub
                }
                continue
            }
            let path = TOMLParser.dotted(key[...i])
            let first = slot.keyPosition
            if isLast {
                throw s.error("duplicate key '\(path)' (first defined at \(first))", at: part.position)
            }
            switch slot.item {
            case .table(let sub) where sub.origin == .dotted:
                t = sub
            case .table(let sub) where sub.origin == .implicit:
                sub.origin = .dotted
                t = sub
            case .table:
                throw s.error("cannot add to table '\(path)' with a dotted key: it was defined by a [header] at \(first)", at: part.position)
            case .arrayOfTables:
                throw s.error("cannot add to '\(path)' with a dotted key: it is an array of tables (defined at \(first))", at: part.position)
            case .value(let n):
                throw s.error("cannot use '\(path)' as a table: it is already \(TOMLParser.article(n.value)) (defined at \(first))", at: part.position)
            }
        }
    }

    static func article(_ v: TOMLValue) -> String {
        switch v {
        case .integer, .array: "an \(v.typeName)"
        case .table: "an inline table"
        default: "a \(v.typeName)"
        }
    }

    // MARK: headers

    private mutating func parseHeader() throws(TOMLError) {
        let position = s.position
        s.advance()
        let isArray = s.take(UInt8(ascii: "["))
        let key = try parseKey()
        guard s.take(UInt8(ascii: "]")) else {
            throw s.error("expected '\(isArray ? "]]" : "]")' to close the table header, found \(found())")
        }
        if isArray {
            guard s.take(UInt8(ascii: "]")) else {
                throw s.error("expected ']]' to close the array-of-tables header, found \(found())")
            }
        }
        depth = key.count
        try checkDepth(at: position)
        current = try openTable(key, isArray: isArray, at: position)
    }

    private func checkDepth(at position: SourcePosition) throws(TOMLError) {
        guard depth <= TOMLParser.maximumDepth else {
            throw s.error("tables and arrays are nested more than \(TOMLParser.maximumDepth) deep", at: position)
        }
    }

    private func openTable(_ key: Key, isArray: Bool, at position: SourcePosition) throws(TOMLError) -> TOMLTableBuilder {
        var t = root
        for (i, part) in key.dropLast().enumerated() {
            guard let slot = t.slot(part.name) else {
                let sub = TOMLTableBuilder(origin: .implicit, position: position)
                t.set(part.name, keyPosition: part.position, .table(sub))
                t = sub
                continue
            }
            switch slot.item {
            case .table(let sub): t = sub
            case .arrayOfTables(let array):
                guard let last = array.elements.last else { throw s.error("internal error: empty array of tables", at: part.position) }
                t = last
            case .value(let n):
                throw s.error("cannot define a table inside '\(TOMLParser.dotted(key[...i]))': it is already \(TOMLParser.article(n.value)) (defined at \(slot.keyPosition))", at: part.position)
            }
        }
        guard let last = key.last else { throw s.error("expected a key", at: position) }
        let name = TOMLParser.dotted(key)
        guard let slot = t.slot(last.name) else {
            let table = TOMLTableBuilder(origin: isArray ? .arrayElement : .header, position: position)
            t.set(last.name, keyPosition: last.position,
                  isArray ? .arrayOfTables(TOMLTableBuilder.TableArray(first: table, position: position)) : .table(table))
            return table
        }
        let first = slot.keyPosition
        switch slot.item {
        case .arrayOfTables(let array) where isArray:
            let table = TOMLTableBuilder(origin: .arrayElement, position: position)
            array.append(table)
            return table
        case .table(let sub) where !isArray && sub.origin == .implicit:
            sub.origin = .header
            sub.position = position
            return sub
        case .table(let sub):
            if isArray { throw s.error("cannot define '\(name)' as an array of tables: it is already a table (defined at \(first))", at: last.position) }
            if sub.origin == .dotted { throw s.error("table [\(name)] was already defined by dotted keys at \(first)", at: last.position) }
            throw s.error("table [\(name)] is defined twice (first at \(sub.position))", at: last.position)
        case .arrayOfTables:
            throw s.error("cannot define [\(name)] as a table: it is an array of tables (defined at \(first)); use [[\(name)]]", at: last.position)
        case .value(let n):
            throw s.error("cannot define [\(isArray ? "[\(name)]" : name)]: '\(name)' is already \(TOMLParser.article(n.value)) (defined at \(first))", at: last.position)
        }
    }

    // MARK: values

    mutating func parseValue() throws(TOMLError) -> TOMLNode {
        let position = s.position
        guard let b = s.peek else { throw s.error("expected a value, found end of file") }
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            return TOMLNode(.string(try s.scanString(allowMultiline: true)), at: position)
        case UInt8(ascii: "["):
            return try nested { (p: inout TOMLParser) throws(TOMLError) in try p.parseArray() }
        case UInt8(ascii: "{"):
            return try nested { (p: inout TOMLParser) throws(TOMLError) in try p.parseInlineTable() }
        default:
            return try parseScalar()
        }
    }

    private mutating func nested(_ body: (inout TOMLParser) throws(TOMLError) -> TOMLNode) throws(TOMLError) -> TOMLNode {
        depth += 1
        defer { depth -= 1 }
        try checkDepth(at: s.position)
        return try body(&self)
    }

    private mutating func parseArray() throws(TOMLError) -> TOMLNode {
        let position = s.position
        s.advance()
        var items: [TOMLNode] = []
        while true {
            try s.skipWhitespaceCommentsAndNewlines()
            if s.take(UInt8(ascii: "]")) { break }
            items.append(try parseValue())
            try s.skipWhitespaceCommentsAndNewlines()
            if s.take(UInt8(ascii: "]")) { break }
            guard s.take(UInt8(ascii: ",")) else {
                throw s.error("expected ',' or ']' in the array opened at \(position), found \(found())")
            }
        }
        return TOMLNode(.array(items), at: position)
    }

    private mutating func parseInlineTable() throws(TOMLError) -> TOMLNode {
        let position = s.position
        s.advance()
        let table = TOMLTableBuilder(origin: .dotted, position: position)
        s.skipWhitespace()
        if !s.take(UInt8(ascii: "}")) {
            while true {
                if s.peek == UInt8(ascii: "}") { throw s.error("trailing comma is not allowed in an inline table") }
                if s.peek == 0x0A || s.peek == 0x0D { throw s.error("an inline table must be on one line") }
                try parseKeyValue(into: table)
                s.skipWhitespace()
                if s.take(UInt8(ascii: "}")) { break }
                if s.peek == 0x0A || s.peek == 0x0D { throw s.error("an inline table must be on one line") }
                guard s.take(UInt8(ascii: ",")) else {
                    throw s.error("expected ',' or '}' in the inline table opened at \(position), found \(found())")
                }
                s.skipWhitespace()
            }
        }
        return TOMLNode(.table(table.build()), at: position)
    }

    private static func isScalarByte(_ b: UInt8) -> Bool {
        TOMLScanner.isBareKeyByte(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
    }

    private mutating func parseScalar() throws(TOMLError) -> TOMLNode {
        let position = s.position
        var token = scanScalarToken()
        guard !token.isEmpty else { throw s.error("expected a value, found \(found())") }
        // A date and a time may be separated by a space: `1979-05-27 07:32:00`.
        if token.count == 10, token[4] == UInt8(ascii: "-"), token[7] == UInt8(ascii: "-"),
           s.peek == 0x20, let next = s.peek(1), TOMLScanner.isDigit(next) {
            s.advance()
            token.append(0x20)
            token += scanScalarToken()
        }
        if TOMLDateTimeParser.looksLikeDateTime(token) {
            switch TOMLDateTimeParser.parse(token) {
            case .success(let d): return TOMLNode(.datetime(d), at: position)
            case .failure(let m): throw s.error(m.text, at: position)
            }
        }
        switch TOMLNumbers.parse(token) {
        case .success(let v): return TOMLNode(v, at: position)
        case .failure(let m): throw s.error(m.text, at: position)
        }
    }

    private mutating func scanScalarToken() -> [UInt8] {
        let start = s.index
        while let b = s.peek, TOMLParser.isScalarByte(b) { s.advance() }
        return Array(s.bytes[start..<s.index])
    }
}
