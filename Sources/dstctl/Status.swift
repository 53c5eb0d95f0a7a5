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
                one column each); absent values are "-". --prometheus prints the counters
                and states as Prometheus metrics (text format 0.0.4); --textfile writes
                them to a file instead, replaced atomically, for node_exporter's textfile
                collector.
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

        @Flag(help: "Print Prometheus metrics (text exposition format 0.0.4).")
        var prometheus = false

        @Option(help: ArgumentHelp("Write Prometheus metrics to <file>, replacing it atomically (node_exporter's textfile collector).",
                                   valueName: "file"))
        var textfile: String?

        func validate() throws {
            let forms = [json ? "--json" : nil, dump ? "--dump" : nil, prometheus ? "--prometheus" : nil,
                         textfile != nil ? "--textfile" : nil].compactMap { $0 }
            if forms.count > 1 { throw ValidationError("\(forms[0]) and \(forms[1]) exclude each other") }
            if textfile?.isEmpty == true { throw ValidationError("--textfile needs a file") }
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
            if let textfile {
                try writeAtomically(report.prometheus, to: textfile)
            } else if prometheus {
                Console.writeStdout(report.prometheus)
            } else if json {
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
