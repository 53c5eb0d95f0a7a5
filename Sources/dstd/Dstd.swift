// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

/// dstd: accepts DST clients for the exports of its network namespace,
/// performs the handshake and hands each connection to the kernel, and
/// reconnects the namespace's client devices. All state is the kernel's;
/// dstd derives its listeners from the export list and its reconnects from
/// the device list, and may be restarted at any time without disturbing
/// connections.
@main
struct Dstd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dstd",
        abstract: "Accept DST clients for the exports of this network namespace and reconnect its client devices when their connections drop.",
        discussion: """
            dstctl starts dstd when it is needed; it may be restarted at any time, as
            the kernel keeps every connection.
            """,
        version: DSTVersion.string
    )

    @Flag(help: "Stay in the foreground (the default; dstctl starts dstd detached).")
    var foreground = false

    @Option(help: ArgumentHelp("Append log lines to <file> instead of stderr.", valueName: "file"))
    var log: String?

    @Flag(help: "Log to syslog instead of stderr.")
    var syslog = false

    @Flag(name: .shortAndLong, help: "Log debug lines too.")
    var verbose = false

    func validate() throws {
        if log?.isEmpty == true { throw ValidationError("--log needs a file") }
        if log != nil && syslog { throw ValidationError("--log and --syslog exclude each other") }
    }

    /// Errors are one line on stderr, "dstd: " and the message: exit 1 when
    /// starting failed, 64 when the command line is wrong.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            Console.writeStderr("dstd: \(message(for: error))\n")
            Console.exit(code.rawValue)
        }
    }

    func run() throws {
        let level: DSTLog.Level = verbose ? .debug : .info
        let logger: DSTLog
        if let log {
            logger = try DSTLog(path: log, level: level)
        } else if syslog {
            logger = DSTLog(syslogIdent: "dstd", level: level)
        } else {
            logger = DSTLog(level: level)
        }
        do {
            let daemon = try Daemon(log: logger)
            Console.exit(daemon.run())
        } catch {
            // Start-up failures go to stderr too, so whoever started us sees them.
            if log != nil || syslog { logger.error("start-failed", ["reason": "\(error)"]) }
            throw error
        }
    }
}
