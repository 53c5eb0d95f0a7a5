// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

extension Dstctl {
    struct AddDevice: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-device",
            abstract: "Attach a remote export as a local block device /dev/dstN.",
            discussion: """
                Connects to the server, performs the handshake and hands the connections
                to the kernel, which spreads I/O over them. Prints the device path. Starts
                dstd, which reconnects the device when a connection drops.

                With --identity and --key (a PSK), or --cert, every connection carries TLS
                1.3, handshaken here and then encrypted and authenticated by the kernel.
                """,
            aliases: ["add-node"]
        )

        @Option(help: ArgumentHelp("Server address, host:port or [IPv6]:port (default port \(DSTWire.defaultPort)).",
                                   valueName: "addr:port"))
        var remote: DSTAddress

        @Option(help: ArgumentHelp("Export to attach (default: the only export on the server's address).",
                                   valueName: "name"))
        var export: ExportName?

        @Option(help: ArgumentHelp("Device name (default: the first free dstN).", valueName: "dstN"))
        var name: DeviceName?

        @Option(help: "Checksum over frame headers and data (default: crc32c; none with TLS, whose records are authenticated).")
        var csum: ChecksumChoice?

        @Option(help: ArgumentHelp("TCP connections to the server, 1 to \(DSTWire.devConnsMax) (default: one per online CPU, at most \(DSTWire.devConnsMax)); small I/O goes on the submitting CPU's.",
                                   valueName: "n"))
        var connections: UInt32?

        @OptionGroup(title: "Timeouts")
        var timeouts: PolicyOptions

        @OptionGroup(title: "TLS")
        var tls: ClientTLSOptions

        /// The options, as spelled, by the device value each sets.
        static func option(_ key: DSTDeviceSpec.Key) -> String {
            switch key {
            case .remote: return "--remote"
            case .export: return "--export"
            case .name: return "--name"
            case .csum: return "--csum"
            case .connections: return "--connections"
            default:
                if let field = key.field { return PolicyOptions.option(field) }
                return ClientTLSOptions.option(key)
            }
        }

        /// The device as given.
        var spec: DSTDeviceSpec {
            DSTDeviceSpec(remote: remote, export: export?.name, index: name?.index, csum: csum,
                          connections: connections, timeouts: timeouts.typed, tls: tls.spec)
        }

        /// The options given, the rest from DSTDevicePolicy.defaults.
        var policy: DSTDevicePolicy { spec.policy }

        func validate() throws {
            if let problem = spec.problems(spell: Self.option).first { throw ValidationError(problem.message) }
        }

        func run() throws {
            let index = try Self.attach(spec)
            Console.writeStdout("/dev/dst\(index)\n")
        }

        /// Attaches the device `spec` describes, as add-device does: starts
        /// dstd, waits for /dev/dstN and reads its partition table; returns N.
        /// Warnings (a connection that failed, dstd) go to stderr.
        static func attach(_ spec: DSTDeviceSpec) throws -> UInt32 {
            // Fails fast when the module is missing, before bothering the server.
            let netlink = try DSTNetlink()
            // The device's identity towards servers for its whole life; each
            // reconnect of dstd's sends the next generation.
            let attach = try spec.attach(session: try DSTSession.random())
            let connections = attach.connections
            let result = try attach.run(netlink: netlink) { try Net.connect(to: $0) }
            let path = "/dev/dst\(result.index)"
            if let failure = result.failure {
                Dstctl.warn(Self.shortWarning(device: "dst\(result.index)", failure: failure, wanted: connections))
            }
            if !waitFor(millis: 5000, { isBlockDevice(path) }) {
                Dstctl.warn("\(path) did not appear within 5 s")
            }
            // dstd reconnects the device when a connection drops, and opens
            // the connections that failed here.
            do {
                try Daemon.ensureRunning(after: "attached \(path)")
            } catch {
                Dstctl.warn("\(error); the device will not be reconnected")
            }
            // The partitions are there when we print the device: the first
            // open reads the table, here rather than in the kernel's dev-add.
            _ = openAndClose(path)
            do {
                _ = try netlink.device(result.index)
            } catch DSTError.noSuchDevice {
                throw DSTError.removedWhileScanning("dst\(result.index)")
            }
            return result.index
        }

        /// "dst0: connection 3 of 4 failed: cannot connect to ...; dstd will
        /// open all 4 again".
        static func shortWarning(device: String, failure: DSTAttach.Failure, wanted: UInt32) -> String {
            "\(device): connection \(failure.number) of \(wanted) failed: \(failure.reason);"
                + " dstd will open all \(wanted) again"
        }
    }
}
