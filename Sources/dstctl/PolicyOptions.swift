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

        /// The spelling of `field`'s option.
        static func option(_ field: DSTDevicePolicy.Field) -> String {
            spellings.first { $0.0 == field }?.1 ?? "?"
        }

        /// The values given, as typed.
        var typed: [DSTDevicePolicy.Field: Seconds] {
            var out: [DSTDevicePolicy.Field: Seconds] = [:]
            for (field, _) in Self.spellings { out[field] = given(field) }
            return out
        }

        func validate() throws {
            if let problem = DSTDevicePolicy.problems(given: typed, spell: Self.option).first {
                throw ValidationError(problem.message)
            }
        }

        /// The values given; the others nil.
        var policy: DSTDevicePolicy { DSTDevicePolicy.given(typed) }
    }
}
