// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

extension Dstctl {
    struct RemoveNode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a device; I/O still queued fails."
        )

        @Flag(help: "Remove the device even while it is mounted or claimed; its I/O fails.")
        var force = false

        @Argument(help: ArgumentHelp("The device: dstN or /dev/dstN.", valueName: "dstN"))
        var device: String

        func run() throws {
            let index = try DSTNames.deviceIndex(device)
            try DSTNetlink().removeDevice(index, force: force)
        }
    }
}
