/// The mutable document tree the parser fills in. It remembers how each table came to exist,
/// because TOML's redefinition rules depend on it: a `[header]` may define a table only once,
/// may not define one that dotted keys created, and nothing may add to an inline table or to
/// a static array.
final class TOMLTableBuilder {
    enum Origin {
        /// Created only as the parent of a `[a.b]` or `[[a.b]]` header; a later `[a]` may still define it.
        case implicit
        /// Defined by its own `[header]`.
        case header
        /// Created by a dotted key such as `a.b = 1`.
        case dotted
        /// One element of an array of tables `[[a]]`.
        case arrayElement
    }

    enum Item {
        /// A finished value: scalars, arrays and inline tables, all immutable.
        case value(TOMLNode)
        case table(TOMLTableBuilder)
        case arrayOfTables(TableArray)
    }

    /// The elements of `[[a]]`, appended to in place (a value array would be copied per header).
    final class TableArray {
        private(set) var elements: [TOMLTableBuilder]
        let position: SourcePosition
        init(first: TOMLTableBuilder, position: SourcePosition) {
            elements = [first]
            self.position = position
        }
        func append(_ table: TOMLTableBuilder) { elements.append(table) }
    }

    struct Slot {
        var key: String
        var keyPosition: SourcePosition
        var item: Item
    }

    var origin: Origin
    var position: SourcePosition
    private(set) var slots: [Slot] = []
    private var index: [String: Int] = [:]

    init(origin: Origin, position: SourcePosition) {
        self.origin = origin
        self.position = position
    }

    func slot(_ key: String) -> Slot? { index[key].map { slots[$0] } }

    func set(_ key: String, keyPosition: SourcePosition, _ item: Item) {
        if let i = index[key] { slots[i].item = item; return }
        index[key] = slots.count
        slots.append(Slot(key: key, keyPosition: keyPosition, item: item))
    }

    /// The finished, immutable table.
    func build() -> TOMLTable {
        var table = TOMLTable(position: position)
        for slot in slots {
            let node: TOMLNode
            switch slot.item {
            case .value(let n): node = n
            case .table(let t): node = TOMLNode(.table(t.build()), at: t.position)
            case .arrayOfTables(let array):
                node = TOMLNode(.array(array.elements.map { TOMLNode(.table($0.build()), at: $0.position) }), at: array.position)
            }
            table.set(slot.key, node, keyPosition: slot.keyPosition)
        }
        return table
    }
}
