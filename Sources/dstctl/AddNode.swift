// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

extension Dstctl {
    enum ChecksumChoice: String, ExpressibleByArgument, CaseIterable {
        case crc32c
        case none

        var checksum: DSTChecksum { self == .crc32c ? .crc32c : .none }
    }

    struct AddNode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Attach a remote export as a local block device /dev/dstN.",
            discussion: """
                Connects to the server, performs the handshake and hands the connection
                to the kernel. Prints the device path. Starts dstd, which reconnects the
                device when its connection drops.
                """
        )

        @Option(help: ArgumentHelp("Server address (default port \(DSTWire.defaultPort)).", valueName: "addr:port"))
        var remote: String

        @Option(help: ArgumentHelp("Export to attach (default: the only export on the server's address).",
                                   valueName: "name"))
        var export: String?

        @Option(help: ArgumentHelp("Device name (default: the first free dstN).", valueName: "dstN"))
        var name: String?

        @Option(help: "Checksum over frame headers and data.")
        var csum: ChecksumChoice = .crc32c

        func run() throws {
            let address = try DSTAddress(parsing: remote)
            let index = try name.map { try DSTNames.deviceIndex($0, allowDevPath: false) }
            if let export, !DSTNames.isValidExportName(export) { throw DSTError.invalidExportName(export) }

            // Fails fast when the module is missing, before bothering the server.
            let netlink = try DSTNetlink()
            let stream = try Net.connect(to: address)
            let negotiated = try DSTClientHandshake.perform(on: stream, exportName: export ?? "",
                                                            csum: csum.checksum, peer: address.description)
            try stream.prepareForKernel()
            let created = try netlink.addDevice(DSTDeviceParams(socket: stream.fd.raw, negotiated: negotiated,
                                                                exportName: negotiated.exportName, remote: address.description,
                                                                index: index))
            let path = "/dev/dst\(created)"
            if !waitFor(millis: 5000, { isBlockDevice(path) }) {
                Dstctl.warn("\(path) did not appear within 5 s")
            }
            // dstd reconnects the device when its connection drops.
            do {
                try Daemon.ensureRunning(after: "attached \(path)")
            } catch {
                Dstctl.warn("\(error); the device will not be reconnected")
            }
            Console.writeStdout("\(path)\n")
        }
    }
}
