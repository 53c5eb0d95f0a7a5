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
            fails and 64 when the command line is wrong.
            """,
        version: "0.1.0",
        subcommands: [Status.self, Export.self, Unexport.self, AddNode.self, SetNode.self, RemoveNode.self,
                      Monitor.self],
        defaultSubcommand: Status.self
    )

    /// Runs the command; DSTKit errors become "dstctl: <message>" and exit 1
    /// (64 for a bad argument value), everything else is argument-parser's.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as DSTError {
            fail(error)
        } catch {
            exit(withError: error)
        }
    }

    static func fail(_ error: DSTError) -> Never {
        Console.writeStderr("dstctl: \(error)\n")
        Console.exit(error.isUsage ? 64 : 1)
    }

    static func warn(_ message: String) {
        Console.writeStderr("dstctl: warning: \(message)\n")
    }
}
