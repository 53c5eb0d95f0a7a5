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
