// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

extension Dstctl {
    /// The exit status of a configuration file with problems (sysexits.h
    /// EX_CONFIG): nothing was changed.
    static let configErrorStatus: Int32 = 78

    /// The file's problems on stderr, one "PATH:LINE: problem" each; exits
    /// with configErrorStatus.
    static func refuse(_ invalid: DSTConfig.Invalid) -> Never {
        // Enough to fix a file by; a file that is not one gets no page of them.
        let shown = 20
        for line in invalid.lines.prefix(shown) { Console.writeStderr(line + "\n") }
        let n = invalid.problems.count
        if n > shown { Console.writeStderr("dstctl: \(invalid.path): \(n - shown) more\n") }
        Console.writeStderr("dstctl: \(invalid.path): \(n) error\(n == 1 ? "" : "s"), nothing changed\n")
        Console.exit(configErrorStatus)
    }

    /// The configuration in `path`, or its problems on stderr and exit.
    static func load(_ path: String, checkFiles: Bool) throws -> DSTConfig {
        do {
            return try DSTConfig.load(path, checkFiles: checkFiles)
        } catch let invalid as DSTConfig.Invalid {
            refuse(invalid)
        }
    }

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the devices and exports what dst.conf says.",
            discussion: """
                Reads and checks the whole file first: a file with errors is refused as a
                whole, each error printed as FILE:LINE: problem, exit status 78, and
                nothing is changed. Then compares the file with the kernel's devices and
                exports in this network namespace and makes only the differences, printing
                one line per change, or "no changes". Devices and exports the file does not
                name are removed. Timeouts, the reconnect policy and rekey-records of a
                device, and whom an export admits, are changed in place; any other
                difference re-creates the device or export, which is refused while it is
                in use (a device open or mounted, an export with clients). Nothing is
                removed by force. Exits 1 when a change failed, after making the others.
                """
        )

        @Option(help: ArgumentHelp("The configuration file.", valueName: "file"))
        var config = DSTConfig.defaultPath

        @Flag(help: "Print the changes without making them.")
        var dryRun = false

        func run() throws {
            let file = try Dstctl.load(config, checkFiles: true)
            let netlink = try DSTNetlink()
            let plan = DSTConfigPlan(config: file, devices: try netlink.devices(), exports: try netlink.exports(),
                                     context: DSTConfigPlan.Context(config: file))
            if plan.isEmpty {
                Console.writeStdout("no changes\n")
                return
            }
            var failed = false
            for action in plan.actions {
                if !dryRun {
                    do {
                        try Self.perform(action, netlink: netlink)
                    } catch {
                        Console.writeStderr("dstctl: \(action.subject): \(error)\n")
                        failed = true
                        continue
                    }
                }
                for line in action.lines { Console.writeStdout(line + "\n") }
            }
            if failed { Console.exit(1) }
        }

        /// Makes one change with the code of the command that makes it by hand.
        static func perform(_ action: DSTConfigPlan.Action, netlink: DSTNetlink) throws {
            switch action {
            case let .removeDevice(index):
                try remove(device: index, netlink: netlink, what: "not removed")
            case let .removeExport(name):
                try checkUnused(export: name, netlink: netlink, what: "not removed")
                try Unexport.remove(name, netlink: netlink)
            case let .addExport(export):
                _ = try Export.create(export.spec)
            case let .recreateExport(export, changes):
                try checkUnused(export: export.name, netlink: netlink,
                                what: "cannot change \(changes.joined(separator: ", "))")
                try Unexport.remove(export.name, netlink: netlink)
                _ = try Export.create(export.spec)
            case let .setExport(name, access, _):
                try netlink.setExport(name, access: access)
            case let .addDevice(device):
                _ = try AddDevice.attach(device.spec)
            case let .recreateDevice(device, changes):
                try remove(device: device.index, netlink: netlink,
                           what: "cannot change \(changes.joined(separator: ", "))")
                _ = try AddDevice.attach(device.spec)
            case let .setDevice(index, policy, rekeyRecords, _):
                try netlink.setDevice(index, policy: policy, rekeyRecords: rekeyRecords)
                // As set-device: a running dstd looks at the devices again.
                _ = DaemonLock.sync()
            }
        }

        /// remove-device without --force: a device in use is left alone.
        static func remove(device index: UInt32, netlink: DSTNetlink, what: String) throws {
            do {
                try netlink.removeDevice(index, force: false)
            } catch DSTError.deviceBusy {
                throw DSTError.notPossible("\(what): it is open or mounted; "
                    + "unmount it and run apply again")
            }
        }

        /// An export with clients is in use: removing it would fail their I/O.
        static func checkUnused(export name: String, netlink: DSTNetlink, what: String) throws {
            let clients = try netlink.export(name).clients ?? 0
            guard clients == 0 else {
                throw DSTError.notPossible("\(what): it has \(clients) client"
                    + "\(clients == 1 ? "" : "s"); remove the devices on them, or "
                    + "dstctl unexport \(name) to drop them, and run apply again")
            }
        }
    }

    struct Down: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove the devices and exports dst.conf names.",
            discussion: """
                For shutdown, after the file systems on the devices are unmounted: removes
                the file's devices (without force: a device still open or mounted is an
                error naming it, and is left), then its exports (their clients are
                disconnected). Devices and exports the file does not name are left alone.
                Prints one line per removal; exits 1 when one failed, after the others.
                """
        )

        @Option(help: ArgumentHelp("The configuration file.", valueName: "file"))
        var config = DSTConfig.defaultPath

        func run() throws {
            // At shutdown a key file gone missing must not keep devices.
            let file = try Dstctl.load(config, checkFiles: false)
            let netlink = try DSTNetlink()
            let devices = Set(try netlink.devices().map(\.index))
            let exports = Set(try netlink.exports().map(\.name))
            var failed = false
            func attempt(_ subject: String, _ body: () throws -> Void) {
                do {
                    try body()
                    Console.writeStdout("\(subject): removed\n")
                } catch {
                    Console.writeStderr("dstctl: \(subject): \(error)\n")
                    failed = true
                }
            }
            for device in file.devices where devices.contains(device.index) {
                attempt(device.name) {
                    try Apply.remove(device: device.index, netlink: netlink, what: "not removed")
                }
            }
            for export in file.exports where exports.contains(export.name) {
                attempt("export \(export.name)") { try Unexport.remove(export.name, netlink: netlink) }
            }
            if failed { Console.exit(1) }
        }
    }
}
