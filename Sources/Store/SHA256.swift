import Foundation

/// SHA-256 as FIPS 180-4 (sections 4.1.2, 4.2.2, 5.1.1, 6.2) defines it, written here so the
/// store needs no crypto library. The compression loop runs on raw pointers over whole
/// 64-byte blocks straight from the caller's buffer; only a partial trailing block is copied.
public struct SHA256: Sendable {
    private var h: SIMD8<UInt32> = SIMD8(
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19)
    /// Bytes of an incomplete block, waiting for more input; `pending` of them are valid.
    private var block = SIMD64<UInt8>()
    private var pending = 0
    private var length: UInt64 = 0

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress, bytes.count > 0 else { return }
        var n = bytes.count
        length &+= UInt64(n)
        if pending > 0 {
            let take = min(64 - pending, n)
            for i in 0..<take { block[pending + i] = p.load(fromByteOffset: i, as: UInt8.self) }
            pending += take; p += take; n -= take
            guard pending == 64 else { return }
            var b = block
            withUnsafeBytes(of: &b) { SHA256.compress(&h, $0.baseAddress!, blocks: 1) }
            pending = 0
        }
        let whole = n / 64
        if whole > 0 { SHA256.compress(&h, p, blocks: whole); p += whole * 64; n -= whole * 64 }
        for i in 0..<n { block[i] = p.load(fromByteOffset: i, as: UInt8.self) }
        pending = n
    }

    public mutating func update(_ data: Data) { data.withUnsafeBytes { update($0) } }

    public func finalize() -> Digest {
        var copy = self
        let bitLength = length &* 8
        // Padding: 0x80, zeros up to 56 mod 64, then the bit length big-endian (5.1.1).
        var pad = [UInt8](repeating: 0, count: 72)
        pad[0] = 0x80
        let padCount = (pending < 56 ? 56 - pending : 120 - pending)
        pad.withUnsafeBytes { copy.update(UnsafeRawBufferPointer(rebasing: $0[0..<padCount])) }
        var be = bitLength.bigEndian
        withUnsafeBytes(of: &be) { copy.update($0) }
        let s = copy.h
        return Digest(words: (UInt64(s[0]) << 32 | UInt64(s[1]), UInt64(s[2]) << 32 | UInt64(s[3]),
                              UInt64(s[4]) << 32 | UInt64(s[5]), UInt64(s[6]) << 32 | UInt64(s[7])))
    }

    public static func hash(_ data: Data) -> Digest {
        var s = SHA256(); s.update(data); return s.finalize()
    }

    public static func hash(_ bytes: UnsafeRawBufferPointer) -> Digest {
        var s = SHA256(); s.update(bytes); return s.finalize()
    }

    /// Streams the file through a 1 MiB buffer, so a multi-GB weight file costs no memory.
    public static func hash(file: URL) throws -> Digest {
        let fd = open(file.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.posix("open", file.path) }
        defer { close(fd) }
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        defer { buffer.deallocate() }
        var s = SHA256()
        while true {
            let n = read(fd, buffer, size)
            if n < 0 {
                if errno == EINTR { continue }
                throw StoreError.posix("read", file.path)
            }
            if n == 0 { break }
            s.update(UnsafeRawBufferPointer(start: buffer, count: n))
        }
        return s.finalize()
    }

    // MARK: compression (6.2.2)

    @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { x >> n | x << (32 &- n) }

    /// One round (6.2.2 step 3): `d` receives e's successor, `h` becomes the new `a`.
    @inline(__always) private static func round(
        _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
        _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32
    ) {
        let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ kw
        let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
        d &+= t1
        h = t1 &+ t2
    }

    private static func compress(_ state: inout SIMD8<UInt32>, _ data: UnsafeRawPointer, blocks: Int) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { wBuffer in
            roundConstants.withUnsafeBufferPointer { kBuffer in
                let w = wBuffer.baseAddress!, k = kBuffer.baseAddress!
                var h0 = state[0], h1 = state[1], h2 = state[2], h3 = state[3]
                var h4 = state[4], h5 = state[5], h6 = state[6], h7 = state[7]
                for block in 0..<blocks {
                    let p = data + block * 64
                    for t in 0..<16 { w[t] = UInt32(bigEndian: p.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self)) }
                    for t in 16..<64 {
                        let x = w[t - 15], y = w[t - 2]
                        let s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3)
                        let s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >> 10)
                        w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
                    }
                    var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, hh = h7
                    // Eight rounds per step with the variables' roles rotated by name instead of
                    // shifting eight values around every round.
                    var t = 0
                    while t < 64 {
                        round(a, b, c, &d, e, f, g, &hh, k[t] &+ w[t])
                        round(hh, a, b, &c, d, e, f, &g, k[t + 1] &+ w[t + 1])
                        round(g, hh, a, &b, c, d, e, &f, k[t + 2] &+ w[t + 2])
                        round(f, g, hh, &a, b, c, d, &e, k[t + 3] &+ w[t + 3])
                        round(e, f, g, &hh, a, b, c, &d, k[t + 4] &+ w[t + 4])
                        round(d, e, f, &g, hh, a, b, &c, k[t + 5] &+ w[t + 5])
                        round(c, d, e, &f, g, hh, a, &b, k[t + 6] &+ w[t + 6])
                        round(b, c, d, &e, f, g, hh, &a, k[t + 7] &+ w[t + 7])
                        t += 8
                    }
                    h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d; h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= hh
                }
                state = SIMD8(h0, h1, h2, h3, h4, h5, h6, h7)
            }
        }
    }

    /// The first 32 bits of the fractional parts of the cube roots of the first 64 primes (4.2.2).
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]
}
