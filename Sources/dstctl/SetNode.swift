// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

extension Dstctl {
    struct SetNode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a device's timeouts and reconnect policy.",
            discussion: """
                Changes only the values given; the kernel keeps them. A change applies to
                I/O already waiting and to a reconnect already under way; a running dstd
                resumes reconnecting a device it gave up on if --give-up now allows it.
                """
        )

        @Argument(help: ArgumentHelp("The device: dstN or /dev/dstN.", valueName: "dstN"))
        var device: String

        @OptionGroup(title: "Timeouts")
        var timeouts: PolicyOptions

        func run() throws {
            let index = try DSTNames.deviceIndex(device)
            let policy = try timeouts.policy()
            guard !policy.isEmpty else {
                throw DSTError.nothingToDo(command: "set-node", options: DSTPolicyOption.allCases.map(\.rawValue))
            }
            try DSTNetlink().setDevice(index, policy: policy)
            // A running dstd looks at the devices again, so that a device it
            // gave up on is reconnected once --give-up allows it.
            _ = DaemonLock.sync()
        }
    }
}
