// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc

/// Line logging for dstd: timestamped lines to stderr or a file, or to
/// syslog. Safe to call from any thread (one write(2) per line).
public final class DSTLog: @unchecked Sendable {
    public enum Level: Int, Comparable, Sendable {
        case error = 0, warning, info, debug
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var syslogPriority: Int32 {
            switch self {
            case .error: return LOG_ERR
            case .warning: return LOG_WARNING
            case .info: return LOG_INFO
            case .debug: return LOG_DEBUG
            }
        }
    }

    private enum Sink { case fd(Int32), syslog }
    private let sink: Sink
    public let level: Level

    /// Logs to stderr.
    public init(level: Level) {
        sink = .fd(2)
        self.level = level
    }

    /// Logs to `path`, appended.
    public init(path: String, level: Level) throws {
        let file = try FileDescriptor.open(path, O_WRONLY | O_APPEND | O_CREAT, mode: 0o640)
            .mapError { DSTError.cannotOpen(path: path, errno: $0.rawValue) }.get()
        // Open for the life of the process.
        sink = .fd(file.release())
        self.level = level
    }

    /// Logs to syslog as `ident`.
    public init(syslogIdent ident: String, level: Level) {
        // openlog keeps the pointer: the string must live for the process.
        openlog(strdup(ident), LOG_PID, LOG_DAEMON)
        sink = .syslog
        self.level = level
    }

    public func error(_ message: @autoclosure () -> String) { log(.error, message()) }
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }

    public func log(_ l: Level, _ message: String) {
        guard l <= level else { return }
        switch sink {
        case .syslog:
            message.withCString { text in withVaList([text]) { vsyslog(l.syslogPriority, "%s", $0) } }
        case let .fd(fd):
            let line = Array("\(Self.timestamp()) \(message)\n".utf8)
            _ = Syscall.result { line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
        }
    }

    /// Local time, "2025-01-31 12:34:56.789".
    static func timestamp() -> String { wallClock("%Y-%m-%d %H:%M:%S", utc: false) }
}
