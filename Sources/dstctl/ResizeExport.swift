// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

extension Dstctl {
    struct ResizeExport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resize-export",
            abstract: "Give an export the size of its grown backing store.",
            discussion: """
                Grow the backing store first (lvextend, truncate), then run this: the
                export takes the backing store's size, rounded down to its logical block
                size, or the size given. Connected clients learn it at once, without
                reconnecting; their /dev/dstN grows (with a change uevent), and a file
                system on it can then grow online (resize2fs, xfs_growfs). Clients
                that are away learn it when they reconnect. An export does not shrink
                while a client is connected.
                """
        )

        @Argument(help: ArgumentHelp("Name of the export.", valueName: "name"))
        var name: ExportName

        @Option(help: ArgumentHelp("The new size in bytes, or with K, M, G, T (powers of 1024); "
            + "default: the backing store's size.", valueName: "bytes"))
        var size: ByteCount?

        func run() throws {
            let netlink = try DSTNetlink()
            let before = try netlink.export(name.name).size
            let after = try netlink.resizeExport(name.name, size: size?.bytes)
            if after == before {
                print("export \(name.name): \(after) bytes, unchanged")
            } else {
                print("export \(name.name): \(before) -> \(after) bytes")
            }
        }
    }
}
