/// Why an AWQ weight could not become an `Int4Matrix`; each case reads as one sentence.
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
            "int4 weight has an unusable shape: \(why)"
        case .badBufferSize(let tensor, let expected, let actual):
            "int4 weight tensor \(tensor) holds \(actual) elements, expected \(expected)"
        case .badSerialisedLayout(let why):
            "int4 engine layout cannot be mapped: \(why)"
        }
    }
}
