// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

extension Dstctl {
    struct RemoveDevice: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-device",
            abstract: "Remove a device; I/O still queued fails.",
            aliases: ["remove-node"]
        )

        @Flag(help: "Remove the device even while it is mounted or claimed; its I/O fails.")
        var force = false

        @Argument(help: ArgumentHelp("The device: dstN or /dev/dstN.", valueName: "dstN"))
        var device: DeviceName

        func run() throws {
            try DSTNetlink().removeDevice(device.index, force: force)
        }
    }
}
