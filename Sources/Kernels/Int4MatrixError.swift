/// Why a quantized weight (AWQ or GGUF int4, GGUF int8) could not become an engine matrix;
/// each case reads as one sentence.
public enum Int4MatrixError: Error, CustomStringConvertible, Equatable {
    /// A dimension is not positive, or the group size does not fit the layout.
    case badShape(String)
    /// A buffer does not hold the number of elements its shape needs.
    case badBufferSize(tensor: String, expected: Int, actual: Int)
    /// A serialised engine layout is truncated, from another version, or inconsistent.
    case badSerialisedLayout(String)

    public var description: String {
        switch self {
        case .badShape(let why):
            "quantized weight has an unusable shape: \(why)"
        case .badBufferSize(let tensor, let expected, let actual):
            "quantized weight tensor \(tensor) holds \(actual) elements, expected \(expected)"
        case .badSerialisedLayout(let why):
            "quantized engine layout cannot be mapped: \(why)"
        }
    }
}
