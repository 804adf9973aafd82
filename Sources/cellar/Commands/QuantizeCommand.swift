struct QuantizeCommand: Command {
    static let name = "quantize"
    static let summary = "Quantize a Hugging Face folder to 4-bit AWQ."
    static let usage = "cellar quantize DIR -o DIR --bits 4 --group-size G --calibration FILE [--method awq|rtn]"
    static func run(_ args: inout Arguments) throws -> Int32 {
        throw UsageError("\(name) is not implemented yet")
    }
}
