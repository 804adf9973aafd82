import Foundation
import Text

/// libFuzzer entry for the Jinja lexer, parser and renderer (built by scripts/fuzz with the
/// Tensors and Text sources): any bytes, read as a template, compile and render over fixed
/// messages or fail with a JinjaError whose line and column lie inside the template. Caps are
/// lowered so every input finishes quickly; the defaults are the same mechanisms, larger.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJinja(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    // Lines as jinja2 counts them: \n, \r\n and a lone \r each end one.
    let bytes = Array(source.utf8)
    var lines = 2
    for (i, b) in bytes.enumerated() where b == 0x0A || (b == 0x0D && (i + 1 == bytes.count || bytes[i + 1] != 0x0A)) { lines += 1 }
    var limits = JinjaLimits()
    limits.iterations = 20_000
    limits.outputBytes = 1 << 20
    limits.rangeLength = 10_000
    do {
        let template = try ChatTemplate(source, limits: limits)
        let output = try template.render(messages: messages, addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>",
                                          extra: ["tools": tools])
        if output.utf8.count > limits.outputBytes { fatalError("output of \(output.utf8.count) bytes passed the cap") }
    } catch {
        if error.line < 1 || error.line > lines || error.column < 1 { fatalError("error outside the template: \(error)") }
    }
    return 0
}

let messages: [JinjaValue] = [
    .dict([("role", .string("system")), ("content", .string("Be brief."))]),
    .dict([("role", .string("user")), ("content", .string("Which is better, A or B?"))]),
    .dict([("role", .string("assistant")), ("content", .string("A")), ("tool_calls", .array([.dict([("name", .string("f")), ("arguments", .dict([("x", .int(1))]))])]))]),
    .dict([("role", .string("user")), ("content", .array([.dict([("type", .string("text")), ("text", .string("ok"))])]))]),
]
let tools: JinjaValue = .array([.dict([("name", .string("f")), ("parameters", .dict([("x", .double(1.5)), ("y", .bool(true)), ("z", .none)]))])])
