/// A place in a source file, 1-based, counted in Unicode scalars within the line.
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public static func < (a: Self, b: Self) -> Bool { (a.line, a.column) < (b.line, b.column) }
    public var description: String { "\(line):\(column)" }
}

/// A TOML date-time in one of the four TOML 1.0 shapes. Fields that the shape lacks are nil.
/// `fraction` keeps the digits as written (e.g. "123" for .123) so nothing is lost to rounding.
public struct TOMLDateTime: Sendable, Hashable {
    public enum Kind: String, Sendable { case offsetDateTime = "datetime", localDateTime = "datetime-local",
                                        localDate = "date-local", localTime = "time-local" }
    public var kind: Kind
    public var year: Int?, month: Int?, day: Int?
    public var hour: Int?, minute: Int?, second: Int?
    public var fraction: String?
    /// Offset from UTC in minutes; nil unless kind == .offsetDateTime. `Z` is 0.
    public var offsetMinutes: Int?
    public init(kind: Kind, year: Int? = nil, month: Int? = nil, day: Int? = nil, hour: Int? = nil,
                minute: Int? = nil, second: Int? = nil, fraction: String? = nil, offsetMinutes: Int? = nil) {
        self.kind = kind; self.year = year; self.month = month; self.day = day; self.hour = hour
        self.minute = minute; self.second = second; self.fraction = fraction; self.offsetMinutes = offsetMinutes
    }
}

/// A parsed TOML value. Every value in a document is wrapped in a `TOMLNode` carrying where it
/// was written, so the recipe validator can point at `file:line:column`.
public indirect enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case datetime(TOMLDateTime)
    case array([TOMLNode])
    case table(TOMLTable)

    /// The TOML type name used in messages ("string", "integer", "float", "boolean",
    /// "datetime", "array", "table").
    public var typeName: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .boolean: "boolean"
        case .datetime: "datetime"
        case .array: "array"
        case .table: "table"
        }
    }
}

/// A value and where it starts in the source.
public struct TOMLNode: Sendable, Equatable {
    public var value: TOMLValue
    public var position: SourcePosition
    public init(_ value: TOMLValue, at position: SourcePosition) { self.value = value; self.position = position }
}

/// A table that keeps its keys in the order they were first written.
public struct TOMLTable: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        /// Where the key itself was written (for "unknown parameter" messages).
        public var keyPosition: SourcePosition
        public var node: TOMLNode
        public init(key: String, keyPosition: SourcePosition, node: TOMLNode) {
            self.key = key; self.keyPosition = keyPosition; self.node = node
        }
    }
    public private(set) var entries: [Entry] = []
    private var index: [String: Int] = [:]
    /// Where the table was opened (its `[header]`, `{`, or first dotted key).
    public var position: SourcePosition

    public init(position: SourcePosition) { self.position = position }

    public var keys: [String] { entries.map(\.key) }
    public subscript(key: String) -> TOMLNode? {
        get { index[key].map { entries[$0].node } }
    }
    public func entry(_ key: String) -> Entry? { index[key].map { entries[$0] } }

    /// Inserts or replaces; replacing keeps the original order and key position.
    public mutating func set(_ key: String, _ node: TOMLNode, keyPosition: SourcePosition) {
        if let i = index[key] { entries[i].node = node } else {
            index[key] = entries.count
            entries.append(Entry(key: key, keyPosition: keyPosition, node: node))
        }
    }
    public static func == (a: Self, b: Self) -> Bool { a.entries == b.entries }
}
