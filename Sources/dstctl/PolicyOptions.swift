// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

extension Dstctl {
    /// A device's timeouts and reconnect policy, kept by the kernel: shared
    /// by add-device (defaults for what is not given) and set-device
    /// (changes only what is given).
    struct PolicyOptions: ParsableArguments {
        @Option(parsing: .unconditional,
                help: ArgumentHelp("How long I/O waits for a reconnect before it fails with EIO; -1: forever (new devices: 30).",
                                   valueName: "seconds"))
        var ioTimeout: Seconds?

        @Option(parsing: .unconditional,
                help: ArgumentHelp("Silence after which the client pings the server; 0: off (new devices: 5).",
                                   valueName: "seconds"))
        var pingInterval: Seconds?

        @Option(parsing: .unconditional,
                help: ArgumentHelp("dstd's first delay before a reconnect attempt (new devices: 0.5).",
                                   valueName: "seconds"))
        var reconnectDelay: Seconds?

        @Option(parsing: .unconditional,
                help: ArgumentHelp("Largest delay between reconnect attempts (new devices: 10).",
                                   valueName: "seconds"))
        var reconnectDelayMax: Seconds?

        @Option(parsing: .unconditional,
                help: ArgumentHelp("dstd stops reconnecting this long after the connection was lost; -1: never (new devices: -1).",
                                   valueName: "seconds"))
        var giveUp: Seconds?

        /// The options, as spelled, by the policy field each sets.
        static let spellings: [(DSTDevicePolicy.Field, String)] = [
            (.ioTimeout, "--io-timeout"), (.pingInterval, "--ping-interval"), (.reconnectDelay, "--reconnect-delay"),
            (.reconnectDelayMax, "--reconnect-delay-max"), (.reconnectGiveUp, "--give-up"),
        ]

        private func given(_ field: DSTDevicePolicy.Field) -> Seconds? {
            switch field {
            case .ioTimeout: return ioTimeout
            case .pingInterval: return pingInterval
            case .reconnectDelay: return reconnectDelay
            case .reconnectDelayMax: return reconnectDelayMax
            case .reconnectGiveUp: return giveUp
            }
        }

        func validate() throws {
            for (field, option) in Self.spellings {
                if let seconds = given(field), seconds.value(for: field) == nil {
                    throw ValidationError("\(option) must be \(field.allowed)")
                }
            }
            let p = policy
            if p.hasDelaysOutOfOrder, let first = p.reconnectDelay, let max = p.reconnectDelayMax {
                throw ValidationError("--reconnect-delay-max (\(max)) must not be less than --reconnect-delay (\(first))")
            }
        }

        /// The values given; the others nil.
        var policy: DSTDevicePolicy {
            var p = DSTDevicePolicy()
            for (field, _) in Self.spellings { p[field] = given(field)?.value(for: field) }
            return p
        }
    }
}
