// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

@main
struct Dstctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dstctl",
        abstract: "Configure DST network block devices and exports.",
        discussion: """
            Without a subcommand, dstctl shows the status of devices and exports.
            Errors are one line on standard error; dstctl exits 1 when an operation
            fails, 64 when the command line is wrong and 78 when the configuration
            file of apply or down has errors.
            """,
        version: DSTVersion.string,
        subcommands: [Status.self, Export.self, SetExport.self, Unexport.self, AddDevice.self, SetDevice.self,
                      RemoveDevice.self, Apply.self, Down.self, Monitor.self, GenKey.self],
        defaultSubcommand: Status.self
    )

    /// Runs the command. Every error is one line on stderr, "dstctl: "
    /// and the message: exit 1 when an operation failed (DSTError), 64
    /// when the command line is wrong (ArgumentParser's parse errors and
    /// the commands' validate()). Help and version go to stdout, exit 0.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as DSTError {
            Console.writeStderr("dstctl: \(error)\n")
            Console.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            Console.writeStderr("dstctl: \(message(for: error))\n")
            Console.exit(code.rawValue)
        }
    }

    static func warn(_ message: String) {
        Console.writeStderr("dstctl: warning: \(message)\n")
    }
}
