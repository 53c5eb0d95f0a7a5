// SPDX-License-Identifier: GPL-2.0-only OR MIT
import XCTest
@testable import DSTKit

/// The FIPS 180-4 / RFC 3174 test vectors, and padding at every block edge.
final class SHA1Tests: XCTestCase {
    func hex(_ bytes: [UInt8]) -> String {
        bytes.map { b -> String in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }

    func sha1(_ text: String) -> String { hex(SHA1.hash(Array(text.utf8))) }

    func testStandardVectors() {
        XCTAssertEqual(sha1("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(sha1(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        XCTAssertEqual(sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        XCTAssertEqual(sha1("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
                       "a49b2446a02c645bf419f995b67091253a04a259")
    }

    func testMillionA() {
        var sha = SHA1()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { sha.update(chunk) }
        XCTAssertEqual(hex(sha.finalize()), "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    /// 55 bytes still take the length in the same block, 56 need another.
    func testPaddingEdges() {
        let expected: [(Int, String)] = [
            (55, "c1c8bbdc22796e28c0e15163d20899b65621d65a"),
            (56, "c2db330f6083854c99d4b5bfb6e8f29f201be699"),
            (63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5"),
            (64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"),
            (65, "11655326c708d70319be2610e8a57d9a5b959d3b"),
            (119, "ee971065aaa017e0632a8ca6c77bb3bf8b1dfc56"),
            (120, "f34c1488385346a55709ba056ddd08280dd4c6d6"),
        ]
        for (count, digest) in expected {
            XCTAssertEqual(sha1(String(repeating: "a", count: count)), digest, "\(count) bytes")
        }
    }

    /// Fed in pieces of any size, the digest is that of the whole.
    func testIncremental() {
        let message = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let whole = SHA1.hash(message)
        for piece in [1, 3, 63, 64, 65, 200] {
            var sha = SHA1()
            for start in stride(from: 0, to: message.count, by: piece) {
                sha.update(message[start..<min(start + piece, message.count)])
            }
            XCTAssertEqual(sha.finalize(), whole, "pieces of \(piece)")
        }
    }
}
