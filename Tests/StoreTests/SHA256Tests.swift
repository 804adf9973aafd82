import Foundation
import XCTest
@testable import Store

final class SHA256Tests: XCTestCase {
    /// FIPS 180-4 examples (NIST "SHA256.pdf" example values and FIPS 180-2 appendix B).
    func testStandardVectors() {
        XCTAssertEqual(SHA256.hash(Data("abc".utf8)).hex,
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hash(Data()).hex,
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hash(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).hex,
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        XCTAssertEqual(SHA256.hash(Data(m896.utf8)).hex,
                       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        XCTAssertEqual(SHA256.hash(Data(repeating: UInt8(ascii: "a"), count: 1_000_000)).hex,
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Feeding the same bytes in odd-sized pieces must not change the digest.
    func testIncrementalUpdatesMatchOneShot() {
        var rng = SystemRandomNumberGenerator()
        let data = Data((0..<5000).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let whole = SHA256.hash(data)
        for piece in [1, 3, 55, 63, 64, 65, 1000] {
            var s = SHA256()
            var i = 0
            while i < data.count { let j = min(i + piece, data.count); s.update(data[i..<j]); i = j }
            XCTAssertEqual(s.finalize(), whole, "piece size \(piece)")
        }
    }

    /// Random files of sizes around the padding boundaries, compared with coreutils sha256sum.
    func testAgainstSha256sum() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum") else { throw XCTSkip("no sha256sum") }
        let dir = try TemporaryFolder()
        var rng = SystemRandomNumberGenerator()
        var files: [URL] = []
        for size in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1_048_575, 1_048_577, 3_333_333] {
            let url = dir.url.appendingPathComponent("f\(size)")
            var bytes = [UInt8](repeating: 0, count: size)
            for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
            try Data(bytes).write(to: url)
            files.append(url)
        }
        let listing = try runTool("/usr/bin/sha256sum", files.map(\.path))
        for line in listing.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            let path = String(parts[1].drop { $0 == " " || $0 == "*" })
            XCTAssertEqual(try SHA256.hash(file: URL(fileURLWithPath: path)).hex, String(parts[0]), path)
        }
        XCTAssertEqual(listing.split(separator: "\n").count, files.count)
    }

    func testDigestHexRoundTripAndRejects() throws {
        let d = SHA256.hash(Data("abc".utf8))
        XCTAssertEqual(Digest(hex: d.hex), d)
        XCTAssertEqual(Digest(hex: d.hex.uppercased()), d)
        XCTAssertNil(Digest(hex: "abc"))
        XCTAssertNil(Digest(hex: String(repeating: "g", count: 64)))
        let json = try JSONEncoder().encode([d])
        XCTAssertEqual(String(decoding: json, as: UTF8.self), "[\"\(d.hex)\"]")
        XCTAssertEqual(try JSONDecoder().decode([Digest].self, from: json), [d])
        XCTAssertThrowsError(try JSONDecoder().decode([Digest].self, from: Data("[\"zz\"]".utf8)))
    }

    func testMissingFileErrorNamesPath() {
        XCTAssertThrowsError(try SHA256.hash(file: URL(fileURLWithPath: "/nonexistent/x.bin"))) { error in
            XCTAssertTrue(String(describing: error).contains("/nonexistent/x.bin"))
        }
    }
}
