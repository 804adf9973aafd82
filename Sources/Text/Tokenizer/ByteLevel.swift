/// GPT-2's reversible byte ↔ printable-character mapping: printable Latin-1 bytes stand for
/// themselves, the other 68 bytes take the characters from U+0100 up, in byte order.
enum ByteLevel {
    static let byteToScalar: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable { table[b] = UInt32(b) } else { table[b] = next; next += 1 }
        }
        return table
    }()

    /// Inverse of byteToScalar; -1 for characters outside the mapping (scalars < 324 only).
    static let scalarToByte: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (b, s) in byteToScalar.enumerated() { table[Int(s)] = Int16(b) }
        return table
    }()

    /// The bytes a byte-level token stands for, or nil when a character lies outside the mapping.
    static func bytes(of token: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.count)
        return token.withUnsafeBufferPointer { p -> [UInt8]? in
            var i = 0
            while i < p.count {
                let (s, l) = decodeScalar(p, i)
                guard s < 324, scalarToByte[Int(s)] >= 0 else { return nil }
                out.append(UInt8(scalarToByte[Int(s)]))
                i += l
            }
            return out
        }
    }
}
