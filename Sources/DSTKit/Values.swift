// SPDX-License-Identifier: GPL-2.0-only OR MIT

// The values users type, as dstctl's options and the configuration file's
// keys take them: one parser each, nil for text that is not such a value.
// Ranges and rules across values are checked by DSTDeviceSpec and
// DSTExportSpec.

/// A device as the user names it: "dstN" or "/dev/dstN", N in plain
/// decimal up to the spec's dev-index-max.
public struct DSTDeviceName: Equatable, Hashable, Sendable {
    public let index: UInt32

    public init?(parsing text: String) {
        var s = Substring(text)
        if s.hasPrefix("/dev/") { s = s.dropFirst(5) }
        guard s.hasPrefix("dst") else { return nil }
        let digits = s.dropFirst(3)
        guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ $0 >= "0" && $0 <= "9" }),
              digits == "0" || digits.first != "0",
              let n = UInt32(digits), n <= UInt32(DSTWire.devIndexMax) else { return nil }
        index = n
    }

    public init(index: UInt32) { self.index = index }

    public var name: String { "dst\(index)" }
}

/// An export name: 1 to 64 of A-Z a-z 0-9 . _ -
public struct DSTExportName: Equatable, Hashable, Sendable {
    public let name: String

    public init?(parsing text: String) {
        guard DSTNames.isValidExportName(text) else { return nil }
        name = text
    }
}

/// Decimal seconds as typed, to the millisecond: "30", "0.5", ".25", "-1".
/// Which values a setting takes is DSTDevicePolicy.Field's to say.
public struct DSTSeconds: Equatable, Sendable {
    public var negative: Bool
    /// UInt64.max for a number too large for any setting.
    public var millis: UInt64

    public init(negative: Bool = false, millis: UInt64) {
        self.negative = negative
        self.millis = millis
    }

    /// Digits with at most three significant decimals and an optional
    /// minus sign.
    public init?(parsing text: String) {
        var s = Substring(text)
        negative = s.hasPrefix("-")
        if negative { s = s.dropFirst() }
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        var frac = parts.count > 1 ? parts[1] : ""
        let isDigit: (Character) -> Bool = { $0 >= "0" && $0 <= "9" }
        guard !(whole.isEmpty && frac.isEmpty), whole.allSatisfy(isDigit), frac.allSatisfy(isDigit) else {
            return nil
        }
        while frac.count > 3, frac.hasSuffix("0") { frac = frac.dropLast() }
        guard frac.count <= 3 else { return nil }
        let fracDigits = String(frac) + String(repeating: "0", count: 3 - frac.count)
        // Leading zeros do not count; a longer number is out of any range.
        let significant = whole.drop { $0 == "0" }
        if significant.count > 12 {
            millis = .max
        } else {
            millis = (UInt64(significant) ?? 0) * 1000 + (UInt64(fracDigits) ?? 0)
        }
    }

    /// The value for `field`, when the kernel takes it: -1 is forever.
    public func value(for field: DSTDevicePolicy.Field) -> DSTMillis? {
        let value: DSTMillis
        if negative {
            guard millis == 1000 else { return nil }
            value = .forever
        } else {
            guard millis < UInt64(DSTWire.timeoutForever) else { return nil }
            value = DSTMillis(UInt32(millis))
        }
        return field.accepts(value) ? value : nil
    }
}

extension DSTDevicePolicy.Field {
    /// What the setting of this field takes, for its error:
    /// "-1 or between 1 and 4294967 seconds".
    public var allowed: String {
        let r = finiteRange
        let range = "between \(DSTMillis.seconds(r.lowerBound)) and \(DSTMillis.seconds(r.upperBound)) seconds"
        if allowsForever { return "-1 or " + range }
        if allowsOff { return "0 or " + range }
        return range
    }
}

/// A TLS identity as typed: 1 to 64 printable ASCII characters, no space
/// and no "=" (the separator of an allowed key).
public struct DSTIdentityName: Equatable, Sendable {
    public let name: String

    public init?(parsing text: String) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= DSTWire.identityMax,
              bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "=") }) else { return nil }
        name = text
    }
}

/// IDENTITY=KEYFILE: a PSK identity an export admits, and its key.
public struct DSTAllowedKey: Equatable, Sendable {
    public let identity: String
    public let keyPath: String

    public init?(parsing text: String) {
        guard let eq = text.firstIndex(of: "="), let id = DSTIdentityName(parsing: String(text[..<eq])) else {
            return nil
        }
        let path = String(text[text.index(after: eq)...])
        guard path.hasPrefix("/"), path.utf8.count <= DSTWire.pathMax else { return nil }
        identity = id.name
        keyPath = path
    }
}

/// An absolute path of a key or certificate, as the kernel keeps it for dstd.
public struct DSTCredentialPath: Equatable, Sendable {
    public let path: String

    public init?(parsing text: String) {
        guard text.hasPrefix("/"), text.utf8.count <= DSTWire.pathMax else { return nil }
        path = text
    }
}

/// TLS records a connection carries before it is replaced: 256 to the spec's
/// rekey-records-max.
public struct DSTRekeyRecords: Equatable, Sendable {
    public let value: UInt32

    public init?(parsing text: String) {
        guard text.allSatisfy({ $0 >= "0" && $0 <= "9" }), let n = UInt32(text),
              n >= 256, n <= UInt32(DSTWire.rekeyRecordsMax) else { return nil }
        value = n
    }
}

/// The ciphers a device offers.
public enum DSTCipherChoice: String, CaseIterable, Sendable {
    case any
    case aes128gcm = "aes-128-gcm"
    case chacha20poly1305 = "chacha20-poly1305"

    public var ciphers: DSTTLSCiphers {
        switch self {
        case .any: return .any
        case .aes128gcm: return .aes128GCM
        case .chacha20poly1305: return .chacha20Poly1305
        }
    }
}

/// The checksum a device asks for.
public enum DSTChecksumChoice: String, CaseIterable, Sendable {
    case crc32c
    case none

    public var checksum: DSTChecksum { self == .crc32c ? .crc32c : .none }
}
