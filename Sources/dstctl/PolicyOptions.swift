// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

extension Dstctl {
    /// A device's timeouts and reconnect policy, kept by the kernel: shared
    /// by add-node (defaults for what is not given) and set-node (changes
    /// only what is given). Values are seconds, parsed by DSTKit so that
    /// out-of-range values get one-line usage errors.
    struct PolicyOptions: ParsableArguments {
        @Option(parsing: .unconditional, help: ArgumentHelp("How long I/O waits for a reconnect before it fails with EIO; -1: forever (new devices: 30).",
                                   valueName: "seconds"))
        var ioTimeout: String?

        @Option(parsing: .unconditional, help: ArgumentHelp("Silence after which the client pings the server; 0: off (new devices: 5).",
                                   valueName: "seconds"))
        var pingInterval: String?

        @Option(parsing: .unconditional, help: ArgumentHelp("dstd's first delay before a reconnect attempt (new devices: 0.5).",
                                   valueName: "seconds"))
        var reconnectDelay: String?

        @Option(parsing: .unconditional, help: ArgumentHelp("Largest delay between reconnect attempts (new devices: 10).",
                                   valueName: "seconds"))
        var reconnectDelayMax: String?

        @Option(parsing: .unconditional, help: ArgumentHelp("dstd stops reconnecting this long after the connection was lost; -1: never (new devices: -1).",
                                   valueName: "seconds"))
        var giveUp: String?

        /// The texts given, by option.
        var texts: [DSTPolicyOption: String] {
            var out: [DSTPolicyOption: String] = [:]
            out[.ioTimeout] = ioTimeout
            out[.pingInterval] = pingInterval
            out[.reconnectDelay] = reconnectDelay
            out[.reconnectDelayMax] = reconnectDelayMax
            out[.giveUp] = giveUp
            return out
        }

        /// The values given; throws DSTError usage errors.
        func policy() throws -> DSTDevicePolicy {
            try DSTDevicePolicy(parsing: texts)
        }
    }
}
