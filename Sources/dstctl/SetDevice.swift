// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

extension Dstctl {
    struct SetDevice: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-device",
            abstract: "Change a device's timeouts and reconnect policy.",
            discussion: """
                Changes only the values given; the kernel keeps them. A change applies to
                I/O already waiting and to a reconnect already under way; a running dstd
                resumes reconnecting a device it gave up on if --give-up now allows it.
                """,
            aliases: ["set-node"]
        )

        @Argument(help: ArgumentHelp("The device: dstN or /dev/dstN.", valueName: "dstN"))
        var device: DeviceName

        @OptionGroup(title: "Timeouts")
        var timeouts: PolicyOptions

        @Option(help: RekeyRecords.help)
        var rekeyRecords: RekeyRecords?

        func validate() throws {
            guard !timeouts.policy.isEmpty || rekeyRecords != nil else {
                let options = PolicyOptions.spellings.map(\.1) + ["--rekey-records"]
                throw ValidationError("set-device needs at least one of \(options.joined(separator: ", "))")
            }
        }

        func run() throws {
            try DSTNetlink().setDevice(device.index, policy: timeouts.policy, rekeyRecords: rekeyRecords?.value)
            // A running dstd looks at the devices again, so that a device it
            // gave up on is reconnected once --give-up allows it.
            _ = DaemonLock.sync()
        }
    }
}
