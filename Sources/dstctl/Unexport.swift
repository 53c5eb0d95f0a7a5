// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

extension Dstctl {
    struct Unexport: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an export; its clients are disconnected.",
            discussion: """
                Returns once the backing store is closed, after the requests of the
                export's clients that were on it completed.
                """
        )

        @Argument(help: ArgumentHelp("Name of the export.", valueName: "name"))
        var name: ExportName

        func run() throws {
            try Self.remove(name.name, netlink: DSTNetlink())
        }

        /// Removes the export and waits until its backing store is closed.
        static func remove(_ name: String, netlink: DSTNetlink) throws {
            try netlink.removeExport(name)
            try netlink.waitUntilGone(export: name)
        }
    }
}
