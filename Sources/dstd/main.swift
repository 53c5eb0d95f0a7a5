// SPDX-License-Identifier: GPL-2.0-only OR MIT
import DSTKit

/// dstd: accepts DST clients for the exports of its network namespace,
/// performs the handshake and hands each connection to the kernel, and
/// reconnects the namespace's client devices. All state is the kernel's;
/// dstd derives its listeners from the export list and its reconnects from
/// the device list, and may be restarted at any time without disturbing
/// connections.
let usage = """
    USAGE: dstd [--foreground] [--log <file>] [--syslog] [-v]

    Accepts DST clients for the exports of this network namespace and
    reconnects its client devices when their connections drop.

    OPTIONS:
      --foreground            Stay in the foreground (the default; dstctl starts
                              dstd detached).
      --log <file>            Append log lines to <file> instead of stderr.
      --syslog                Log to syslog instead of stderr.
      -v, --verbose           Log debug lines too.
      --version               Show the version.
      -h, --help              Show help information.

    """

struct Options {
    var logPath: String?
    var syslog = false
    var verbose = false
}

func parseOptions(_ args: [String]) -> Options {
    var options = Options()
    var i = 0
    func die(_ message: String) -> Never {
        Console.writeStderr("dstd: \(message)\n")
        Console.exit(64)
    }
    while i < args.count {
        let arg = args[i]
        switch arg {
        case "--foreground":
            break
        case "--log":
            i += 1
            guard i < args.count, !args[i].isEmpty else { die("--log needs a file") }
            options.logPath = args[i]
        case "--syslog":
            options.syslog = true
        case "-v", "--verbose":
            options.verbose = true
        case "-h", "--help":
            Console.writeStdout(usage)
            Console.exit(0)
        case "--version":
            Console.writeStdout("0.1.0\n")
            Console.exit(0)
        default:
            if arg.hasPrefix("--log=") {
                options.logPath = String(arg.dropFirst(6))
            } else {
                die("unknown argument \"\(arg)\" (see dstd --help)")
            }
        }
        i += 1
    }
    return options
}

let options = parseOptions(Array(CommandLine.arguments.dropFirst()))
let level: DSTLog.Level = options.verbose ? .debug : .info
let log: DSTLog
if let path = options.logPath {
    do {
        log = try DSTLog(path: path, level: level)
    } catch {
        Console.writeStderr("dstd: \(error)\n")
        Console.exit(1)
    }
} else if options.syslog {
    log = DSTLog(syslogIdent: "dstd", level: level)
} else {
    log = DSTLog(level: level)
}

do {
    let daemon = try Daemon(log: log)
    Console.exit(daemon.run())
} catch {
    // Start-up failures go to stderr too, so whoever started us sees them.
    if options.logPath != nil || options.syslog { log.error("\(error)") }
    Console.writeStderr("dstd: \(error)\n")
    Console.exit(1)
}
