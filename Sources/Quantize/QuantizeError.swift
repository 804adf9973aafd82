/// Why quantization could not proceed; each case reads as one sentence.
public enum QuantizeError: Error, CustomStringConvertible, Equatable {
    case badShape(String)
    case missingTensor(file: String, name: String)
    case unsupported(String)
    case io(String)

    public var description: String {
        switch self {
        case .badShape(let why): "cannot quantize: \(why)"
        case .missingTensor(let file, let name): "\(file): tensor \(name) is missing"
        case .unsupported(let why): "cannot quantize: \(why)"
        case .io(let why): "cannot write the quantized model: \(why)"
        }
    }
}
