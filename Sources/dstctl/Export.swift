// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

extension Dstctl {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a block device or regular file.",
            discussion: """
                The kernel serves the export; dstd accepts clients on the listen address
                and is started if it is not running in this network namespace.

                Clients refuse to reconnect to an export whose UUID changed. By default
                the UUID is derived from this machine, the export name and the backing
                store, so exporting the same store under the same name again (after
                unexport or a reboot) gives the same UUID; --uuid keeps an export's UUID
                when it moves to another machine or backing store.
                """
        )

        @Argument(help: ArgumentHelp("Block device or regular file to export.", valueName: "path"))
        var path: String

        @Option(help: ArgumentHelp("Address dstd accepts clients on, host:port or [IPv6]:port.", valueName: "addr:port"))
        var listen: DSTAddress

        @Option(help: ArgumentHelp("Export name: 1 to \(DSTWire.exportNameMax) of A-Z a-z 0-9 . _ - (default: the last component of <path>).",
                                   valueName: "name"))
        var name: ExportName?

        @Flag(help: "Open <path> read-only and refuse writes.")
        var readOnly = false

        @Option(help: ArgumentHelp("Export UUID, 8-4-4-4-12 hex digits, not all zeroes (default: derived from this machine, <name> and the backing store).",
                                   valueName: "uuid"))
        var uuid: DSTUUID?

        /// The name given, else the last component of the path.
        var exportName: String { name?.name ?? DSTBacking.basename(path) }

        func validate() throws {
            // The nil UUID stands for no export in a refusal.
            if let uuid, uuid.isZero { throw ValidationError("--uuid must not be all zeroes") }
            guard DSTNames.isValidExportName(exportName) else {
                throw ValidationError("\"\(exportName)\" is no export name: give --name, 1 to \(DSTWire.exportNameMax) of A-Z a-z 0-9 . _ -")
            }
        }

        func run() throws {
            let backing = try DSTBacking.open(path, readOnly: readOnly)
            let exportUUID = uuid ?? backing.exportUUID(name: exportName)
            let netlink = try DSTNetlink()
            try netlink.addExport(DSTExportParams(name: exportName, backingFD: backing.fd.raw,
                                                  backingPath: backing.path, readOnly: readOnly,
                                                  listen: listen, uuid: exportUUID))
            // A regular file is probed for direct I/O first, in the kernel.
            let size = (try? netlink.waitUntilProbed(export: exportName).size) ?? backing.size
            for problem in try Daemon.sync(after: "exported \(exportName)") {
                Dstctl.warn("dstd: \(problem)")
            }
            Console.writeStdout("exported \(exportName) (\(size) bytes) on \(listen)\n")
        }
    }
}
