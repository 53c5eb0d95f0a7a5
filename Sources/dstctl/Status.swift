// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

extension Dstctl {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show devices and exports (the default subcommand).",
            discussion: """
                Everything comes from the kernel, over netlink. Exports are those of this
                network namespace. --dump prints one line per device and per export,
                tab-separated, in the order of the --json keys (counters spread over
                one column each); absent values are "-".
                """
        )

        @Argument(help: ArgumentHelp("Show only this device: dstN or /dev/dstN.", valueName: "dstN"))
        var device: DeviceName?

        @Option(help: ArgumentHelp("Show only this export.", valueName: "name"))
        var export: ExportName?

        @Flag(help: "Print JSON with stable keys, for scripts.")
        var json = false

        @Flag(help: "Print tab-separated lines, for scripts.")
        var dump = false

        func validate() throws {
            if json && dump { throw ValidationError("--json and --dump exclude each other") }
            if device != nil && export != nil { throw ValidationError("give a device or --export, not both") }
        }

        func run() throws {
            let netlink = try DSTNetlink()
            var devices: [DSTDevice] = []
            var exports: [DSTExport] = []
            if let device {
                devices = [try netlink.device(device.index)]
            } else if let export {
                exports = [try netlink.export(export.name)]
            } else {
                devices = try netlink.devices()
                // One at a time: the list leaves the clients out.
                exports = try netlink.exports().compactMap { try? netlink.export($0.name) }
            }
            let report = StatusReport(devices: devices, exports: exports)
            if json {
                Console.writeStdout(report.json.rendered() + "\n")
            } else if dump {
                Console.writeStdout(report.dump)
            } else {
                Console.writeStdout(report.text(style: Style(enabled: Console.colorStdout)))
                if !exports.isEmpty && !DaemonLock.isHeld() {
                    Dstctl.warn("dstd is not running: exports accept no new clients")
                }
            }
        }
    }
}
