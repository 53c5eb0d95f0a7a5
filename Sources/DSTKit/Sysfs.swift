// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc

/// /sys/block/dstN/dst/*: one value per file. Reads what exists; a file
/// that is missing or unreadable is left out.
public struct DSTSysfs: Sendable {
    /// Text attributes.
    public static let textFiles = ["remote", "export", "uuid", "state", "csum", "features", "last_error"]
    /// Counters, in the order status shows them.
    public static let counterFiles = ["reads", "writes", "flushes", "discards", "write_zeroes", "read_bytes",
                                      "write_bytes", "errors", "csum_errors", "protocol_errors", "reconnects",
                                      "resends", "timeouts"]
    /// Numeric attributes: parameters, gauges and the counters.
    public static let numberFiles = ["max_transfer", "inflight", "connections", "conn_count", "epoch", "generation"]
        + counterFiles
    /// Durations in seconds ("0.5", "-1" for forever), by policy option.
    public static let durationFiles: [(DSTPolicyOption, String)] = [
        (.ioTimeout, "io_timeout"), (.pingInterval, "ping_interval"), (.reconnectDelay, "reconnect_delay"),
        (.reconnectDelayMax, "reconnect_delay_max"), (.giveUp, "reconnect_give_up"),
    ]

    public let root: String

    /// `root` is "/sys" except in tests.
    public init(root: String = "/sys") { self.root = root }

    /// What one device's directory holds.
    public struct Device: Equatable, Sendable {
        public var text: [String: String] = [:]
        public var numbers: [String: UInt64] = [:]
        /// The timeouts and reconnect policy.
        public var policy = DSTDevicePolicy()

        /// Counters present, in `counterFiles` order.
        public var counters: [(String, UInt64)] {
            DSTSysfs.counterFiles.compactMap { name in numbers[name].map { (name, $0) } }
        }
    }

    public func directory(_ device: String) -> String { "\(root)/block/\(device)/dst" }

    /// The attributes of `device` ("dst0"); nil when its directory is absent.
    public func read(device: String) -> Device? {
        let dir = directory(device)
        var st = stat()
        guard stat(dir, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { return nil }
        var out = Device()
        for name in Self.textFiles {
            if let v = Self.readValue("\(dir)/\(name)") { out.text[name] = v }
        }
        for name in Self.numberFiles {
            if let v = Self.readValue("\(dir)/\(name)"), let n = UInt64(v) { out.numbers[name] = n }
        }
        for (option, name) in Self.durationFiles {
            if let v = Self.readValue("\(dir)/\(name)") { out.policy[option] = DSTMillis(secondsText: v) }
        }
        return out
    }

    /// A sysfs value: the file's first line, trailing whitespace removed.
    static func readValue(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 4096)
        var got = 0
        while got < buf.count {
            let want = buf.count - got
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress.map { $0 + got }, want) }
            if n < 0 && lastErrno() == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        let text = String(decoding: buf.prefix(got), as: UTF8.self)
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        var s = Substring(line)
        while let last = s.last, last == " " || last == "\t" || last == "\r" { s = s.dropLast() }
        return String(s)
    }
}
