// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc

/// One thing that happened, as dstd logs it: a line of key=value fields,
/// the event's name first, "event=reconnect-failed device=dst0
/// generation=5 attempt=2 reason=\"connection refused\" delay=2s".
/// Fields without a value are left out; a value with a space, a quote, an
/// equals sign, a backslash or a control character, or an empty one, is
/// quoted, with backslash escapes inside the quotes (logfmt).
public struct DSTLogEvent: Equatable, Sendable, CustomStringConvertible {
    public var name: String
    public var fields: [Field]

    public struct Field: Equatable, Sendable {
        public var key: String
        public var value: String
    }

    public init(_ name: String, _ fields: KeyValuePairs<String, (any CustomStringConvertible)?> = [:]) {
        self.name = name
        self.fields = fields.compactMap { key, value in value.map { Field(key: key, value: $0.description) } }
    }

    public subscript(key: String) -> String? { fields.first { $0.key == key }?.value }

    public var description: String {
        ([Field(key: "event", value: name)] + fields).map { "\($0.key)=\(Self.quoted($0.value))" }
            .joined(separator: " ")
    }

    /// The value as is when it needs no quotes, else in double quotes with
    /// `\\`, `\"`, `\n`, `\r`, `\t` and `\xNN` escapes.
    static func quoted(_ value: String) -> String {
        let plain = !value.isEmpty && value.unicodeScalars.allSatisfy {
            $0.value > 0x20 && $0.value != 0x7f && $0 != "\"" && $0 != "=" && $0 != "\\"
        }
        if plain { return value }
        var out = "\""
        for c in value.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 || c.value == 0x7f {
                    let hex = String(c.value, radix: 16)
                    out += "\\x" + (hex.count < 2 ? "0" : "") + hex
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }

    /// A duration for a field: "0.5s", "10s".
    public static func seconds(millis: UInt64) -> String { DSTMillis.seconds(millis) + "s" }
}

/// dstd's log: one line per event (DSTLogEvent). To a file or stderr
/// with a local timestamp and the level ("2025-01-31 12:34:56.789
/// level=info event=..."); to the journal, when stderr is its stream, with
/// a syslog priority prefix as sd-daemon(3) describes ("<6>event=...") and
/// no timestamp, which the journal adds; or to syslog. Safe to call from
/// any thread (one write(2) per line).
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

        public var name: String {
            switch self {
            case .error: return "error"
            case .warning: return "warning"
            case .info: return "info"
            case .debug: return "debug"
            }
        }
    }

    enum Sink: Equatable { case fd(Int32, journal: Bool), syslog }
    let sink: Sink
    public let level: Level

    /// Logs to stderr: to the journal's format when $JOURNAL_STREAM names
    /// stderr (systemd sets it for a service's stdout and stderr).
    public init(level: Level) {
        sink = .fd(2, journal: Self.isJournal(fd: 2, stream: Environment.value("JOURNAL_STREAM")))
        self.level = level
    }

    /// Logs to `fd`, which the caller keeps open; for tests.
    init(fd: Int32, journal: Bool, level: Level) {
        sink = .fd(fd, journal: journal)
        self.level = level
    }

    /// Logs to `path`, appended.
    public init(path: String, level: Level) throws {
        let file = try FileDescriptor.open(path, O_WRONLY | O_APPEND | O_CREAT, mode: 0o640)
            .mapError { DSTError.cannotOpen(path: path, errno: $0.rawValue) }.get()
        // Open for the life of the process.
        sink = .fd(file.release(), journal: false)
        self.level = level
    }

    /// Logs to syslog as `ident`.
    public init(syslogIdent ident: String, level: Level) {
        // openlog keeps the pointer: the string must live for the process.
        openlog(strdup(ident), LOG_PID, LOG_DAEMON)
        sink = .syslog
        self.level = level
    }

    /// Whether `fd` is the stream $JOURNAL_STREAM ("DEVICE:INODE") names:
    /// the journal, not a terminal or a file it was redirected to.
    static func isJournal(fd: Int32, stream: String?) -> Bool {
        guard let stream else { return false }
        let parts = stream.split(separator: ":")
        guard parts.count == 2, let dev = UInt64(parts[0]), let ino = UInt64(parts[1]) else { return false }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return false }
        return UInt64(st.st_dev) == dev && UInt64(st.st_ino) == ino
    }

    public func error(_ name: String, _ fields: KeyValuePairs<String, (any CustomStringConvertible)?> = [:]) {
        log(.error, DSTLogEvent(name, fields))
    }

    public func warning(_ name: String, _ fields: KeyValuePairs<String, (any CustomStringConvertible)?> = [:]) {
        log(.warning, DSTLogEvent(name, fields))
    }

    public func info(_ name: String, _ fields: KeyValuePairs<String, (any CustomStringConvertible)?> = [:]) {
        log(.info, DSTLogEvent(name, fields))
    }

    public func debug(_ name: String, _ fields: KeyValuePairs<String, (any CustomStringConvertible)?> = [:]) {
        log(.debug, DSTLogEvent(name, fields))
    }

    public func log(_ l: Level, _ event: @autoclosure () -> DSTLogEvent) {
        guard l <= level else { return }
        switch sink {
        case .syslog:
            event().description.withCString { text in withVaList([text]) { vsyslog(l.syslogPriority, "%s", $0) } }
        case let .fd(fd, journal):
            let line = Array((Self.line(l, event(), journal: journal, timestamp: Self.timestamp()) + "\n").utf8)
            _ = Syscall.result { line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
        }
    }

    /// A line without its newline: "<6>event=..." for the journal,
    /// "TIMESTAMP level=info event=..." else.
    static func line(_ l: Level, _ event: DSTLogEvent, journal: Bool, timestamp: String) -> String {
        journal ? "<\(l.syslogPriority)>\(event)" : "\(timestamp) level=\(l.name) \(event)"
    }

    /// Local time, "2025-01-31 12:34:56.789".
    static func timestamp() -> String { wallClock("%Y-%m-%d %H:%M:%S", utc: false) }
}
