/// libFuzzer entry for the TOML parser (built by scripts/fuzz with the Recipe sources).
///
/// Beyond "no crash, no hang", two oracles: every position lies inside the document, and a
/// parsed document written back out as TOML parses to the same values.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTOML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let lines = bytes.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
    let table: TOMLTable
    do {
        table = try TOML.parse(bytes: bytes, file: "fuzz")
    } catch {
        if error.position.line < 1 || error.position.line > lines || error.position.column < 1 {
            fatalError("error position \(error.position) outside a \(lines)-line document: \(error)")
        }
        return 0
    }
    checkPositions(table, lines: lines)
    let json = TOMLTaggedJSON.encode(table)
    let again: TOMLTable
    do {
        again = try TOML.parse(TOMLEmitter.document(table), file: "round-trip")
    } catch {
        fatalError("written-back document does not parse: \(error)\n\(TOMLEmitter.document(table))")
    }
    if TOMLTaggedJSON.encode(again) != json {
        fatalError("round trip changed the values:\n\(json)\nvs\n\(TOMLTaggedJSON.encode(again))")
    }
    return 0
}

private func checkPositions(_ table: TOMLTable, lines: Int) {
    func check(_ p: SourcePosition) {
        if p.line < 1 || p.line > lines || p.column < 1 { fatalError("position \(p) outside a \(lines)-line document") }
    }
    func visit(_ node: TOMLNode) {
        check(node.position)
        switch node.value {
        case .table(let t): checkPositions(t, lines: lines)
        case .array(let items): items.forEach(visit)
        default: break
        }
    }
    check(table.position)
    for e in table.entries {
        check(e.keyPosition)
        visit(e.node)
    }
}
