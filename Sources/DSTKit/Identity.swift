// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc

/// A 16-byte export UUID, printed in the usual 8-4-4-4-12 form.
public struct DSTUUID: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    private init(raw: [UInt8]) { bytes = raw }

    /// A random (version 4) UUID.
    public static func random() throws -> DSTUUID {
        var b = try randomBytes(16)
        b[6] = (b[6] & 0x0f) | 0x40
        b[8] = (b[8] & 0x3f) | 0x80
        return DSTUUID(raw: b)
    }

    public static let zero = DSTUUID(raw: [UInt8](repeating: 0, count: 16))

    /// The all-zero ("nil") UUID: a refusal's reply and an export without
    /// one carry it, so no export may have it.
    public var isZero: Bool { bytes.allSatisfy { $0 == 0 } }

    /// DST's namespace for name-based export UUIDs (a random UUID, fixed
    /// forever: changing it changes every default export UUID, and clients
    /// refuse a changed UUID).
    public static let dstNamespace = DSTUUID(raw: [0xe9, 0x84, 0x6c, 0x98, 0x9f, 0xa2, 0x43, 0x70,
                                                    0x9f, 0x9c, 0x7c, 0xba, 0x19, 0x07, 0x60, 0xd0])

    /// A name-based UUID, version 5 (RFC 9562 section 5.5): SHA-1 over the
    /// namespace's bytes and the name, its first 16 bytes, version 5, variant
    /// 10. The same namespace and name always give the same UUID.
    public static func nameBased(namespace: DSTUUID, name: [UInt8]) -> DSTUUID {
        var b = Array(SHA1.hash(namespace.bytes + name).prefix(16))
        b[6] = (b[6] & 0x0f) | 0x50
        b[8] = (b[8] & 0x3f) | 0x80
        return DSTUUID(raw: b)
    }

    /// Parses the 8-4-4-4-12 form, hex digits in either case; nil for
    /// anything else (no braces, no "urn:uuid:", no missing dashes).
    public init?(parsing text: String) {
        let chars = Array(text.utf8)
        guard chars.count == 36 else { return nil }
        var out: [UInt8] = []
        var high: UInt8?
        for (i, c) in chars.enumerated() {
            if [8, 13, 18, 23].contains(i) {
                guard c == UInt8(ascii: "-") else { return nil }
                continue
            }
            let nibble: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let h = high {
                out.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        bytes = out
    }

    public var description: String {
        [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { hexDigits(bytes[$0]) }.joined(separator: "-")
    }
}

/// The random id of a client device, the same on every connection it
/// makes (client-hello session): the server fences older generations of a
/// session. All zeroes means no session.
public struct DSTSession: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == DSTWire.sessionLen else { return nil }
        self.bytes = bytes
    }

    private init(raw: [UInt8]) { bytes = raw }

    /// A new random session; never all zeroes.
    public static func random() throws -> DSTSession {
        while true {
            let b = try randomBytes(DSTWire.sessionLen)
            if b.contains(where: { $0 != 0 }) { return DSTSession(raw: b) }
        }
    }

    /// No session: the server does no fencing.
    public static let none = DSTSession(raw: [UInt8](repeating: 0, count: DSTWire.sessionLen))

    public var isNone: Bool { bytes.allSatisfy { $0 == 0 } }

    /// 32 lowercase hex digits.
    public var description: String {
        hexDigits(bytes[...])
    }
}

/// Two lowercase hex digits per byte.
func hexDigits(_ bytes: ArraySlice<UInt8>) -> String {
    bytes.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined()
}

/// `count` bytes from /dev/urandom.
func randomBytes(_ count: Int) throws -> [UInt8] {
    let fd = try FileDescriptor.open("/dev/urandom", O_RDONLY)
        .mapError { DSTError.system(call: "open /dev/urandom", errno: $0.rawValue) }.get()
    let bytes = try fd.readAll(limit: count)
    guard bytes.count == count else { throw DSTError.system(call: "read /dev/urandom", errno: EIO) }
    return bytes
}
