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
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw DSTError.cannotOpen(path: path, errno: lastErrno()) }
        sink = .fd(fd)
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
            _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
    }

    /// Local time, "2025-01-31 12:34:56.789".
    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var tmv = tm()
        localtime_r(&t, &tmv)
        var buf = [CChar](repeating: 0, count: 32)
        let n = strftime(&buf, buf.count, "%Y-%m-%d %H:%M:%S", &tmv)
        let ms = Int(ts.tv_nsec / 1_000_000)
        let msText = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)"
        return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self) + "." + msText
    }
}

/// Terminal output for the command-line tools.
public enum Console {
    /// True when stdout is a terminal (colour allowed, unless NO_COLOR).
    public static var colorStdout: Bool {
        isatty(1) == 1 && getenv("NO_COLOR") == nil
    }

    /// Writes all of `text` at once (no buffering); false when stdout is
    /// gone (EPIPE with SIGPIPE ignored, or another error).
    @discardableResult
    public static func writeStdout(_ text: String) -> Bool { write(fd: 1, text) }
    @discardableResult
    public static func writeStderr(_ text: String) -> Bool { write(fd: 2, text) }

    private static func write(fd: Int32, _ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && lastErrno() == EINTR { continue }
            if n <= 0 { return false }
            bytes = bytes.dropFirst(n)
        }
        return true
    }

    public static func exit(_ code: Int32) -> Never { Glibc.exit(code) }
}
