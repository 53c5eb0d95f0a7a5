// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

// The values dstctl's options and arguments take, parsed by
// ArgumentParser: a value that does not parse is a usage error naming the
// option. Ranges and rules across options are checked by the commands'
// validate().

extension DSTAddress: ExpressibleByArgument {
    /// "HOST:PORT", "[IPv6]:PORT", or either without ":PORT".
    public init?(argument: String) {
        guard let address = try? DSTAddress(parsing: argument) else { return nil }
        self = address
    }

    /// For `@Option(transform:)`: a value that does not parse is a usage
    /// error that says what is wrong with it ("The value '[fd00::1' is
    /// invalid for '--remote <addr:port>': missing ']' after the IPv6 address").
    @Sendable static func argument(_ text: String) throws -> DSTAddress {
        do {
            return try DSTAddress(parsing: text)
        } catch let DSTError.invalidAddress(_, reason) {
            throw ValidationError(reason)
        }
    }
}

extension DSTUUID: ExpressibleByArgument {
    /// 8-4-4-4-12 hex digits.
    public init?(argument: String) { self.init(parsing: argument) }
}

/// A device as the user names it: "dstN" or "/dev/dstN", N in plain
/// decimal up to the spec's dev-index-max.
struct DeviceName: ExpressibleByArgument, Equatable {
    let index: UInt32

    init?(argument: String) {
        var s = Substring(argument)
        if s.hasPrefix("/dev/") { s = s.dropFirst(5) }
        guard s.hasPrefix("dst") else { return nil }
        let digits = s.dropFirst(3)
        guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ $0 >= "0" && $0 <= "9" }),
              digits == "0" || digits.first != "0",
              let n = UInt32(digits), n <= UInt32(DSTWire.devIndexMax) else { return nil }
        index = n
    }

    var name: String { "dst\(index)" }
}

/// An export name: 1 to 64 of A-Z a-z 0-9 . _ -
struct ExportName: ExpressibleByArgument, Equatable {
    let name: String

    init?(argument: String) {
        guard DSTNames.isValidExportName(argument) else { return nil }
        name = argument
    }
}

/// Decimal seconds as typed, to the millisecond: "30", "0.5", ".25", "-1".
/// Which values an option takes is its command's validate() to say.
struct Seconds: ExpressibleByArgument, Equatable {
    var negative: Bool
    /// UInt64.max for a number too large for any option.
    var millis: UInt64

    init(negative: Bool = false, millis: UInt64) {
        self.negative = negative
        self.millis = millis
    }

    /// Digits with at most three significant decimals and an optional
    /// minus sign.
    init?(argument: String) {
        var s = Substring(argument)
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
    func value(for field: DSTDevicePolicy.Field) -> DSTMillis? {
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
    /// What the option of this field takes, for its error:
    /// "-1 or between 1 and 4294967 seconds".
    var allowed: String {
        let r = finiteRange
        let range = "between \(DSTMillis.seconds(r.lowerBound)) and \(DSTMillis.seconds(r.upperBound)) seconds"
        if allowsForever { return "-1 or " + range }
        if allowsOff { return "0 or " + range }
        return range
    }
}

enum ChecksumChoice: String, ExpressibleByArgument, CaseIterable {
    case crc32c
    case none

    var checksum: DSTChecksum { self == .crc32c ? .crc32c : .none }
}
