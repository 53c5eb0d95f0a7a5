// SPDX-License-Identifier: GPL-2.0-only OR MIT
import DSTKit
import Glibc

/// A page of the Prometheus text exposition format, version 0.0.4: per
/// metric family a HELP and a TYPE line, then its samples, one family's
/// samples together. Values are decimal text, made here exactly (never
/// through a Double), so that a counter reads back as the kernel's number.
struct PrometheusText {
    enum Kind: String {
        case counter, gauge
    }

    struct Sample {
        var labels: [(String, String)]
        var value: String
    }

    struct Family {
        var name: String
        var kind: Kind
        var help: String
        var samples: [Sample] = []
    }

    /// Families in the order they were first declared.
    private(set) var families: [Family] = []

    /// Declares a family (once) and adds a sample to it; a nil value adds
    /// nothing, so that a value the kernel did not report is left out
    /// rather than shown as 0.
    mutating func add(_ name: String, _ kind: Kind, _ help: String, _ labels: [(String, String)],
                      _ value: String?) {
        let index: Int
        if let found = families.firstIndex(where: { $0.name == name }) {
            index = found
        } else {
            families.append(Family(name: name, kind: kind, help: help))
            index = families.count - 1
        }
        if let value { families[index].samples.append(Sample(labels: labels, value: value)) }
    }

    /// The page; families without samples are left out.
    var rendered: String {
        var out = ""
        for f in families where !f.samples.isEmpty {
            out += "# HELP \(f.name) \(Self.escapeHelp(f.help))\n"
            out += "# TYPE \(f.name) \(f.kind.rawValue)\n"
            for s in f.samples {
                out += f.name
                if !s.labels.isEmpty {
                    out += "{" + s.labels.map { "\($0.0)=\"\(Self.escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
                }
                out += " \(s.value)\n"
            }
        }
        return out
    }

    /// A label value: backslash, double quote and line feed escaped, as
    /// the format requires.
    static func escapeLabel(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A HELP text: backslash and line feed escaped.
    static func escapeHelp(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// `n` thousandths or millionths as decimal seconds: "0.000123",
    /// "30", "2.5".
    static func decimal(_ n: UInt64, scale: UInt64) -> String {
        let whole = n / scale
        var frac = n % scale
        guard frac != 0 else { return String(whole) }
        var digits = String(scale).count - 1
        while frac % 10 == 0 {
            frac /= 10
            digits -= 1
        }
        let text = String(frac)
        return "\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }

    static func seconds(millis: UInt64) -> String { decimal(millis, scale: 1000) }
    static func seconds(micros: UInt64) -> String { decimal(micros, scale: 1_000_000) }
}

/// What `dstctl status --prometheus` exposes: a family per counter or
/// gauge of the devices, their connections and the exports, names and
/// units as Prometheus' conventions have them (`dst_` prefix, base units,
/// `_total` on counters).
extension StatusReport {
    var prometheus: String {
        var page = PrometheusText()
        for d in devices { Self.addMetrics(d, to: &page) }
        for e in exports { Self.addMetrics(e, to: &page) }
        return page.rendered
    }

    /// A device's labels: its name, its export and the server's address.
    static func labels(_ d: DSTDevice) -> [(String, String)] {
        [("device", d.name), ("export", d.exportName ?? ""), ("remote", d.remote ?? "")]
    }

    /// The counters of `DSTDeviceCounters` by metric: name, help, and the
    /// label "op" where several counters make one family.
    static let deviceCounters: [(counter: String, metric: String, op: String?, help: String)] = [
        ("reads", "dst_device_ios_total", "read", "I/Os completed without error, by operation."),
        ("writes", "dst_device_ios_total", "write", ""),
        ("flushes", "dst_device_ios_total", "flush", ""),
        ("discards", "dst_device_ios_total", "discard", ""),
        ("write_zeroes", "dst_device_ios_total", "write_zeroes", ""),
        ("read_bytes", "dst_device_bytes_total", "read", "Bytes of the reads and writes completed without error."),
        ("write_bytes", "dst_device_bytes_total", "write", ""),
        ("errors", "dst_device_errors_total", nil, "I/Os completed with an error."),
        ("csum_errors", "dst_device_checksum_errors_total", nil,
         "Replies whose header or data checksum did not match, and writes the server found corrupted."),
        ("protocol_errors", "dst_device_protocol_errors_total", nil, "Malformed or unexpected replies."),
        ("reconnects", "dst_device_reconnects_total", nil, "Connection generations handed in after the first."),
        ("resends", "dst_device_resends_total", nil, "I/Os put on a connection again after one was lost."),
        ("timeouts", "dst_device_timeouts_total", nil, "I/Os failed because they reached the I/O timeout."),
        ("rekeys", "dst_device_rekeys_total", nil, "Connections replaced because their TLS keys carried enough records."),
        ("tls_errors", "dst_device_tls_errors_total", nil,
         "TLS records that failed authentication, and TLS control records from the server."),
    ]

    static func addMetrics(_ d: DSTDevice, to page: inout PrometheusText) {
        let l = labels(d)
        // One series per state, 1 for the device's: alerts compare with 1,
        // and a state the kernel adds later still shows, by its number.
        var states = DSTDevState.allCases.map(\.specName)
        if let name = d.stateName, !states.contains(name) { states.append(name) }
        if d.stateName != nil {
            for state in states {
                page.add("dst_device_state", .gauge,
                         "1 for the device's state (connected, disconnected, reconnecting, failed, removed), else 0.",
                         l + [("state", state)], state == d.stateName ? "1" : "0")
            }
        }
        page.add("dst_device_size_bytes", .gauge, "Size of the device.", l, d.size.map { String($0) })
        page.add("dst_device_connections", .gauge, "Live connections.", l, d.connections.map { String($0) })
        page.add("dst_device_connections_wanted", .gauge, "Connections the device is meant to have.", l,
                 d.connCount.map { String($0) })
        page.add("dst_device_inflight", .gauge, "I/Os submitted and not completed yet.", l,
                 d.inflight.map { String($0) })
        page.add("dst_device_io_timeout_seconds", .gauge, "How long an I/O may take before it fails; +Inf: never.",
                 l, d.policy.ioTimeout.map { $0.isForever ? "+Inf" : PrometheusText.seconds(millis: UInt64($0.value)) })
        page.add("dst_device_down_seconds", .gauge, "Time since the device lost its last connection; 0 while connected.",
                 l, d.downTime.map { PrometheusText.seconds(millis: $0) })
        for c in deviceCounters {
            // A family's help is its first counter's.
            page.add(c.metric, .counter, c.help, l + (c.op.map { [("op", $0)] } ?? []),
                     d.counters?[c.counter].map { String($0) })
        }
        for c in d.connectionInfo {
            let cl = [("device", d.name), ("slot", c.slot.map { String($0) } ?? ""),
                      ("generation", c.generation.map { String($0) } ?? ""), ("peer", c.peer ?? "")]
            page.add("dst_connection_pings_total", .counter,
                     "PINGs answered; a PING goes out only on a connection silent for the device's ping interval.",
                     cl, c.pings.map { String($0) })
            page.add("dst_connection_ping_rtt_seconds", .gauge, "Round trip of the last PING answered.", cl,
                     c.pingRTT.map { PrometheusText.seconds(micros: UInt64($0)) })
            page.add("dst_connection_ping_srtt_seconds", .gauge,
                     "Smoothed PING round trip (7/8 the last value, 1/8 the new sample, as TCP's srtt).", cl,
                     c.pingSRTT.map { PrometheusText.seconds(micros: UInt64($0)) })
            if c.protection != .plaintext {
                page.add("dst_connection_tls_records_total", .counter, "TLS records sent and received.", cl,
                         c.records.map { String($0) })
            }
            page.add("dst_connection_tls_record_errors_total", .counter, "TLS records that failed.", cl,
                     c.recordErrors.map { String($0) })
        }
    }

    static func addMetrics(_ e: DSTExport, to page: inout PrometheusText) {
        let l = [("export", e.name), ("listen", e.listen)]
        var states = DSTExportState.allCases.map(\.specName)
        if !states.contains(e.state.specName) { states.append(e.state.specName) }
        for state in states {
            page.add("dst_export_state", .gauge, "1 for the export's state (probing, ready, removing), else 0.",
                     l + [("state", state)], state == e.state.specName ? "1" : "0")
        }
        page.add("dst_export_size_bytes", .gauge, "Size of the export.", l, String(e.size))
        page.add("dst_export_clients", .gauge, "Client connections of the export.", l, e.clients.map { String($0) })
        page.add("dst_export_data_bytes", .gauge, "Bytes of request data the export's connections hold.", l,
                 e.dataBytes.map { String($0) })
        for c in e.connectionInfo where c.protection != .plaintext {
            let cl = [("export", e.name), ("peer", c.peer ?? ""), ("identity", c.identity ?? "")]
            page.add("dst_export_client_tls_records_total", .counter, "TLS records a client connection carried.",
                     cl, c.records.map { String($0) })
        }
    }
}

/// Writes `text` to `path` so that a reader sees the old file or the new
/// one, never a part: a hidden temporary file in the same directory (which
/// node_exporter's textfile collector, reading *.prom only, skips), then
/// rename(2) over the old one.
func writeAtomically(_ text: String, to path: String) throws {
    let slash = path.lastIndex(of: "/")
    let dir = slash.map { String(path[..<path.index(after: $0)]) } ?? ""
    let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
    guard !base.isEmpty else { throw DSTError.system(call: "cannot write \(path)", errno: EISDIR) }
    let temp = "\(dir).\(base).\(getpid()).tmp"
    let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw DSTError.system(call: "cannot write \(path)", errno: errno) }
    var failure: Int32?
    let bytes = Array(text.utf8)
    var written = 0
    while written < bytes.count && failure == nil {
        let n = bytes.withUnsafeBytes { buf -> Int in
            guard let base = buf.baseAddress else { return 0 }
            return write(fd, base + written, buf.count - written)
        }
        if n < 0 {
            if errno != EINTR { failure = errno }
        } else {
            written += n
        }
    }
    // The umask must not hide the metrics from the collector.
    if failure == nil && fchmod(fd, 0o644) != 0 { failure = errno }
    if failure == nil && fsync(fd) != 0 { failure = errno }
    if close(fd) != 0 && failure == nil { failure = errno }
    if failure == nil && rename(temp, path) != 0 { failure = errno }
    if let failure {
        unlink(temp)
        throw DSTError.system(call: "cannot write \(path)", errno: failure)
    }
}
