// SPDX-License-Identifier: GPL-2.0-only OR MIT

/// SHA-1 (FIPS 180-4, section 6.1), for name-based UUIDs (version 5) only.
/// SHA-1 is broken for collision resistance; a UUID needs none of that, and
/// RFC 9562 fixes the hash, so here it is, without a crypto dependency.
public struct SHA1: Sendable {
    /// H0 to H4 (section 5.3.1).
    private var h: (UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476, 0xc3d2_e1f0)
    /// Input not yet hashed: less than one 64-byte block.
    private var pending: [UInt8] = []
    /// Message length so far, in bytes.
    private var length: UInt64 = 0

    public init() { pending.reserveCapacity(64) }

    /// The 20-byte digest of `message`.
    public static func hash<Bytes: Sequence>(_ message: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var sha = SHA1()
        sha.update(message)
        return sha.finalize()
    }

    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        for byte in bytes {
            pending.append(byte)
            if pending.count == 64 {
                compress(pending)
                pending.removeAll(keepingCapacity: true)
            }
            length &+= 1
        }
    }

    /// Pads the message (section 5.1.1: a 1 bit, zeroes, the bit length as a
    /// 64-bit big-endian number) and returns the digest, H0 to H4 big-endian.
    public mutating func finalize() -> [UInt8] {
        let bits = length &* 8
        var tail = pending + [0x80]
        while tail.count % 64 != 56 { tail.append(0) }
        tail += (0..<8).map { UInt8(truncatingIfNeeded: bits >> (56 - 8 * $0)) }
        for start in stride(from: 0, to: tail.count, by: 64) { compress(tail[start..<start + 64]) }
        pending.removeAll()
        return [h.0, h.1, h.2, h.3, h.4].flatMap { word in
            (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * $0)) }
        }
    }

    /// One 512-bit block (section 6.1.2).
    private mutating func compress<Block: RandomAccessCollection>(_ block: Block)
        where Block.Element == UInt8, Block.Index == Int {
        var w = [UInt32](repeating: 0, count: 80)
        let base = block.startIndex
        for t in 0..<16 {
            w[t] = UInt32(block[base + 4 * t]) << 24 | UInt32(block[base + 4 * t + 1]) << 16
                | UInt32(block[base + 4 * t + 2]) << 8 | UInt32(block[base + 4 * t + 3])
        }
        for t in 16..<80 { w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1) }

        var (a, b, c, d, e) = h
        for t in 0..<80 {
            let f: UInt32, k: UInt32
            switch t {
            case 0..<20: f = (b & c) | (~b & d); k = 0x5a82_7999        // Ch
            case 20..<40: f = b ^ c ^ d; k = 0x6ed9_eba1               // Parity
            case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8f1b_bcdc // Maj
            default: f = b ^ c ^ d; k = 0xca62_c1d6                    // Parity
            }
            let temp = rotl(a, 5) &+ f &+ e &+ k &+ w[t]
            e = d
            d = c
            c = rotl(b, 30)
            b = a
            a = temp
        }
        h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e)
    }

    @inline(__always)
    private func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { x << n | x >> (32 - n) }
}
