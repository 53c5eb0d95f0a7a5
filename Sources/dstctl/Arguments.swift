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

// The value types live in DSTKit, which the configuration file shares;
// here they are parsed from the command line.

typealias DeviceName = DSTDeviceName
typealias ExportName = DSTExportName
typealias Seconds = DSTSeconds
typealias ChecksumChoice = DSTChecksumChoice

extension DSTDeviceName: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}

extension DSTExportName: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}

extension DSTSeconds: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}

extension DSTChecksumChoice: ExpressibleByArgument {}

/// A byte count as typed: digits, optionally followed by K, M, G or T
/// (powers of 1024; "KiB" and the like too). "0" and overflow are refused.
struct ByteCount: ExpressibleByArgument, Equatable {
    let bytes: UInt64

    init?(argument: String) {
        let digits = argument.prefix { $0 >= "0" && $0 <= "9" }
        let unit = argument.dropFirst(digits.count)
        let shifts: [Substring: UInt64] = ["": 0, "K": 10, "KiB": 10, "M": 20, "MiB": 20,
                                          "G": 30, "GiB": 30, "T": 40, "TiB": 40]
        guard !digits.isEmpty, let shift = shifts[unit], let n = UInt64(digits), n > 0,
              n <= UInt64.max >> shift else { return nil }
        bytes = n << shift
    }
}
