import Foundation

/// libFuzzer entry for recipe validation (built by scripts/fuzz with the Recipe sources):
/// any bytes must give a Recipe or a RecipeError whose diagnostics are in source order and
/// inside the document, never a crash or a hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecipe(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let lines = bytes.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
    do {
        let recipe = try Recipe.parse(bytes: bytes, file: URL(fileURLWithPath: "/fuzz/recipe.toml"), schemas: fuzzSchemas)
        if recipe.cells.isEmpty { fatalError("a recipe without cells was accepted") }
        for (i, cell) in recipe.cells.enumerated() {
            if !CellID.isValid(cell.id) || fuzzSchemas[cell.kind] == nil { fatalError("invalid cell accepted: \(cell.id) \(cell.kind)") }
            if recipe.cells[..<i].contains(where: { $0.id == cell.id }) { fatalError("duplicate id accepted: \(cell.id)") }
        }
    } catch {
        if error.diagnostics.isEmpty { fatalError("RecipeError without diagnostics") }
        for (a, b) in zip(error.diagnostics, error.diagnostics.dropFirst()) where b.position < a.position {
            fatalError("diagnostics out of order: \(a) before \(b)")
        }
        for d in error.diagnostics where d.position.line < 1 || d.position.line > lines || d.position.column < 1 {
            fatalError("diagnostic outside the document: \(d)")
        }
    }
    return 0
}

let fuzzSchemas: [String: CellSchema] = [
    "install": CellSchema(kind: "install", summary: "", parameters: [
        ParameterSpec("bundle", .string, required: true, isInput: true),
        ParameterSpec("extract", .array(.string)),
    ]),
    "quantize": CellSchema(kind: "quantize", summary: "", parameters: [
        ParameterSpec("model", .string, required: true, isInput: true),
        ParameterSpec("bits", .integer, required: true),
        ParameterSpec("damping", .float),
        ParameterSpec("calibration", .stringOrStrings, isInput: true),
        ParameterSpec("options", .table),
        ParameterSpec("matrix", .array(.array(.integer))),
    ]),
]
