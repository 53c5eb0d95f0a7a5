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
                """
        )

        @Argument(help: ArgumentHelp("Block device or regular file to export.", valueName: "path"))
        var path: String

        @Option(help: ArgumentHelp("Address dstd accepts clients on.", valueName: "addr:port"))
        var listen: String

        @Option(help: ArgumentHelp("Export name: 1 to 64 of A-Z a-z 0-9 . _ - (default: the last component of <path>).",
                                   valueName: "name"))
        var name: String?

        @Flag(help: "Open <path> read-only and refuse writes.")
        var readOnly = false

        func run() throws {
            let address = try DSTAddress(parsing: listen)
            let exportName = name ?? DSTBacking.basename(path)
            guard DSTNames.isValidExportName(exportName) else { throw DSTError.invalidExportName(exportName) }
            let backing = try DSTBacking.open(path, readOnly: readOnly)

            let netlink = try DSTNetlink()
            try netlink.addExport(DSTExportParams(name: exportName, backingFD: backing.fd.raw,
                                                  backingPath: backing.path, readOnly: readOnly,
                                                  listen: address, uuid: try DSTUUID.random()))
            let size = (try? netlink.export(exportName).size) ?? backing.size
            for problem in try Daemon.sync(after: "exported \(exportName)") {
                Dstctl.warn("dstd: \(problem)")
            }
            Console.writeStdout("exported \(exportName) (\(size) bytes) on \(address)\n")
        }
    }
}
