/// Sequential little-endian reads over a GGUF file's bytes; every read is bounds-checked and a
/// failure names the byte offset and what was being read.
struct GGUFCursor {
    let bytes: UnsafeRawBufferPointer
    let file: String
    var position: Int

    /// Caps that keep a hostile file from making us allocate or loop without bound.
    static let maximumStringBytes = 64 << 20
    static let maximumArrayDepth = 8

    func fail(_ message: String) -> GGUFError { GGUFError(file: file, message) }

    private mutating func need(_ count: Int, _ what: @autoclosure () -> String) throws(GGUFError) {
        guard count >= 0, count <= bytes.count - position else {
            throw fail("truncated at byte \(position) while reading \(what()) (\(count) bytes needed, \(bytes.count - position) left)")
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(GGUFError) -> T {
        try need(MemoryLayout<T>.size, what())
        let v = T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
        position += MemoryLayout<T>.size
        return v
    }

    /// A u64 count/length that must fit in Int and not exceed `limit`.
    mutating func count(_ what: @autoclosure () -> String, limit: Int) throws(GGUFError) -> Int {
        let start = position
        let raw = try read(UInt64.self, what())
        guard raw <= UInt64(limit) else { throw fail("\(what()) at byte \(start) is \(raw), more than the limit of \(limit)") }
        return Int(raw)
    }

    mutating func string(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
        let start = position
        let length = try count("length of \(what())", limit: Self.maximumStringBytes)
        try need(length, what())
        let raw = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + length)])
        position += length
        guard let s = String(validating: raw, as: UTF8.self) else {
            throw fail("\(what()) at byte \(start) is not valid UTF-8")
        }
        return s
    }

    mutating func value(type: UInt32, _ what: @autoclosure () -> String, depth: Int = 0) throws(GGUFError) -> GGUFValue {
        switch type {
        case 0: return .uint8(try read(UInt8.self, what()))
        case 1: return .int8(try read(Int8.self, what()))
        case 2: return .uint16(try read(UInt16.self, what()))
        case 3: return .int16(try read(Int16.self, what()))
        case 4: return .uint32(try read(UInt32.self, what()))
        case 5: return .int32(try read(Int32.self, what()))
        case 6: return .float32(Float(bitPattern: try read(UInt32.self, what())))
        case 7:
            let start = position
            let b = try read(UInt8.self, what())
            guard b <= 1 else { throw fail("\(what()) at byte \(start) is a bool of value \(b), expected 0 or 1") }
            return .bool(b == 1)
        case 8: return .string(try string(what()))
        case 9:
            guard depth < Self.maximumArrayDepth else { throw fail("\(what()) nests arrays deeper than \(Self.maximumArrayDepth)") }
            let typeAt = position
            let elementType = try read(UInt32.self, "element type of \(what())")
            guard let minimum = Self.minimumSize(of: elementType) else {
                throw fail("\(what()) at byte \(typeAt) has unknown element type \(elementType)")
            }
            // Each element needs at least `minimum` bytes, so the rest of the file bounds the count.
            let n = try count("element count of \(what())", limit: (bytes.count - position) / minimum)
            var elements: [GGUFValue] = []
            elements.reserveCapacity(n)
            for i in 0..<n { elements.append(try value(type: elementType, "\(what())[\(i)]", depth: depth + 1)) }
            return .array(elements)
        case 10: return .uint64(try read(UInt64.self, what()))
        case 11: return .int64(try read(Int64.self, what()))
        case 12: return .float64(Double(bitPattern: try read(UInt64.self, what())))
        default: throw fail("\(what()) at byte \(position - 4) has unknown value type \(type)")
        }
    }

    /// Smallest encoded size of a value of `type` (nil for an unknown type).
    static func minimumSize(of type: UInt32) -> Int? {
        switch type {
        case 0, 1, 7: 1
        case 2, 3: 2
        case 4, 5, 6: 4
        case 8, 10, 11, 12: 8
        case 9: 12
        default: nil
        }
    }
}
