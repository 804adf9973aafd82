/// The interpreter's value: JinjaValue's data plus what only exists while rendering
/// (undefined, namespaces, callables). Lists and dicts are value types, so templates
/// cannot mutate their inputs (the sandbox is immutable, as transformers' is).
enum Value {
    case undefined(Undefined)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([Value])
    /// A Python tuple: prints as `(a, b)` and never equals a list.
    case tuple([Value])
    case dict(ValueDict)
    /// What jinja2 filters and dict methods return that is not a list: generators (single use)
    /// and dict views.
    case lazy(LazySequence)
    case namespace(Namespace)
    case callable(Callable)

    init(_ v: JinjaValue) {
        switch v {
        case .none: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .list(a.map(Value.init))
        case .dict(let pairs):
            var d = ValueDict()
            for p in pairs { d[.string(p.key)] = Value(p.value) }
            self = .dict(d)
        }
    }

    var isUndefined: Bool { if case .undefined = self { true } else { false } }

    /// Python cannot use lists, dicts and the like as dict keys.
    var isHashable: Bool {
        switch self {
        case .list, .dict, .namespace, .lazy: false
        case .tuple(let items): items.allSatisfy(\.isHashable)
        default: true
        }
    }

    /// Python truthiness.
    var truthy: Bool {
        switch self {
        case .undefined, .none: false
        case .bool(let b): b
        case .int(let i): i != 0
        case .double(let d): d != 0
        case .string(let s): !s.isEmpty
        case .list(let l), .tuple(let l): !l.isEmpty
        case .dict(let d): !d.isEmpty
        case .namespace, .callable: true
        case .lazy(let l): l.kind.isGenerator || !l.items.isEmpty
        }
    }

    /// Python's type name, for error messages.
    var typeName: String {
        switch self {
        case .undefined: "Undefined"
        case .none: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "str"
        case .list: "list"
        case .tuple: "tuple"
        case .dict: "dict"
        case .namespace: "Namespace"
        case .lazy(let l): l.kind.rawValue
        case .callable: "function"
        }
    }
}

/// Jinja2's default Undefined: prints as "", is falsy and iterates as empty, but any other use
/// (attribute, item, arithmetic) fails with the hint of why it is undefined.
struct Undefined {
    /// e.g. "'x' is undefined" or "'dict object' has no attribute 'tool_calls'".
    let hint: String
}

/// A Python dict: insertion-ordered, keys compared with Python equality.
struct ValueDict {
    private(set) var keys: [Value] = []
    private(set) var values: [Value] = []
    /// String keys by their UTF-8 bytes (Swift String hashing folds canonical equivalents).
    private var stringIndex: [[UInt8]: Int] = [:]

    var count: Int { keys.count }
    var isEmpty: Bool { keys.isEmpty }

    private func position(of key: Value) -> Int? {
        if case .string(let s) = key { return stringIndex[Array(s.utf8)] }
        return keys.firstIndex { pyEqual($0, key) }
    }

    subscript(key: Value) -> Value? {
        get { position(of: key).map { values[$0] } }
        set {
            if let i = position(of: key) {
                if let newValue { values[i] = newValue } else {
                    keys.remove(at: i); values.remove(at: i)
                    stringIndex = [:]
                    for (j, k) in keys.enumerated() { if case .string(let s) = k { stringIndex[Array(s.utf8)] = j } }
                }
            } else if let newValue {
                if case .string(let s) = key { stringIndex[Array(s.utf8)] = keys.count }
                keys.append(key); values.append(newValue)
            }
        }
    }

    subscript(name: String) -> Value? {
        get { self[.string(name)] }
        set { self[.string(name)] = newValue }
    }

    var items: [(Value, Value)] { Array(zip(keys, values)) }
}

/// A Python iterator or dict view. A generator (what `select`, `map`, `unique`, `|items`...
/// return) is always truthy, has no length and is used up by the first loop over it; a dict
/// view (`d.keys()`, `d.items()`) has a length and can be walked again. Neither can be indexed.
final class LazySequence {
    enum Kind: String {
        case generator, reversed = "list_reverseiterator", keys = "dict_keys", values = "dict_values", items = "dict_items"
        var isGenerator: Bool { self == .generator || self == .reversed }
    }
    let kind: Kind
    let items: [Value]
    private var consumed = false

    init(_ kind: Kind, _ items: [Value]) { self.kind = kind; self.items = items }

    /// The items; a generator yields them once only.
    func take() -> [Value] {
        guard kind.isGenerator else { return items }
        if consumed { return [] }
        consumed = true
        return items
    }
}

/// `namespace(...)`: the one mutable object templates may assign attributes on.
final class Namespace {
    var attributes = ValueDict()
    /// Set for the read-only `loop` object, which prints as `<LoopContext i/n>`.
    let loopLabel: String?
    init(loopLabel: String? = nil) { self.loopLabel = loopLabel }
}

/// A built-in function, bound method or macro.
final class Callable {
    let name: String
    /// Macros print as `<Macro 'name'>`.
    var isMacro = false
    let call: (_ args: [Value], _ kwargs: [(String, Value)], _ offset: Int) throws(LocatedError) -> Value
    init(_ name: String, _ call: @escaping (_ args: [Value], _ kwargs: [(String, Value)], _ offset: Int) throws(LocatedError) -> Value) {
        self.name = name; self.call = call
    }
}

/// Python `==`: numbers compare across int/float/bool, strings by code points.
func pyEqual(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.none, .none): return true
    case (.undefined, .undefined): return true
    case let (.string(x), .string(y)): return x.utf8.elementsEqual(y.utf8)
    case let (.list(x), .list(y)), let (.tuple(x), .tuple(y)): return x.count == y.count && zip(x, y).allSatisfy { pyEqual($0, $1) }
    case let (.dict(x), .dict(y)):
        guard x.count == y.count else { return false }
        for (k, v) in x.items { guard let w = y[k], pyEqual(v, w) else { return false } }
        return true
    case let (.namespace(x), .namespace(y)): return x === y
    case let (.lazy(x), .lazy(y)): return x === y
    case let (.callable(x), .callable(y)): return x === y
    default:
        if let x = numeric(a), let y = numeric(b) {
            switch (x, y) {
            case let (.int(i), .int(j)): return i == j
            default: return x.double == y.double
            }
        }
        return false
    }
}

enum Number {
    case int(Int)
    case double(Double)
    var double: Double { switch self { case .int(let i): Double(i); case .double(let d): d } }
}

/// The number a value stands for in arithmetic (bool is an int in Python).
func numeric(_ v: Value) -> Number? {
    switch v {
    case .int(let i): .int(i)
    case .bool(let b): .int(b ? 1 : 0)
    case .double(let d): .double(d)
    default: nil
    }
}
