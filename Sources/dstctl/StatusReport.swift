// SPDX-License-Identifier: GPL-2.0-only OR MIT
import DSTKit

/// What `dstctl status` shows, in its forms: text for people, JSON and
/// tab-separated lines for scripts, Prometheus metrics for monitoring
/// (StatusPrometheus.swift). The JSON objects are the one list
/// of fields; the dump is them flattened, a list of objects (a device's
/// connections, an export's identities and clients) a line per object
/// after its owner's line.
struct StatusReport {
    var devices: [DSTDevice]
    var exports: [DSTExport]

    // MARK: fields

    static func fields(_ d: DSTDevice) -> [(String, JSON)] {
        let p = d.policy
        let counters: [(String, JSON)] = DSTDeviceCounters.names.map { ($0, JSON.optional(d.counters?[$0])) }
        return [
            ("name", .string(d.name)),
            ("index", .int(UInt64(d.index))),
            ("state", .optional(d.stateName)),
            ("remote", .optional(d.remote)),
            ("export", .optional(d.exportName)),
            ("uuid", .optional(d.uuid?.description)),
            ("size", .optional(d.size)),
            ("logical_block_size", .optional(d.logicalBs)),
            ("physical_block_size", .optional(d.physicalBs)),
            ("max_transfer", .optional(d.maxXfer)),
            ("features", .array((d.features?.specNames ?? []).map(JSON.string))),
            ("checksum", .optional(d.csum?.specName)),
            ("connections", .optional(d.connections)),
            ("conn_count", .optional(d.connCount)),
            ("inflight", .optional(d.inflight)),
            ("epoch", .optional(d.epoch)),
            ("identity", .optional(d.identity)),
            ("protection", .optional(d.protection?.description)),
            ("rekey_records", .optional(d.rekeyRecords)),
            ("rekey_due", .bool(d.rekeyDue)),
            ("io_timeout", .duration(p.ioTimeout)),
            ("ping_interval", .duration(p.pingInterval)),
            ("reconnect_delay", .duration(p.reconnectDelay)),
            ("reconnect_delay_max", .duration(p.reconnectDelayMax)),
            ("reconnect_give_up", .duration(p.reconnectGiveUp)),
            ("session", .optional(d.session?.description)),
            ("generation", .optional(d.generation)),
            ("down_time", d.downTime.map { JSON.seconds(millis: $0) } ?? .null),
            ("last_error", .optional(nonEmpty(d.lastError))),
            ("counters", .object(counters)),
            ("conns", .array(d.connectionInfo.map { .object(fields($0)) })),
        ]
    }

    static func fields(_ c: DSTConnectionInfo) -> [(String, JSON)] {
        [
            ("slot", .optional(c.slot)),
            ("generation", .optional(c.generation)),
            ("peer", .optional(c.peer)),
            ("identity", .optional(c.identity)),
            ("protection", .string(c.protection.description)),
            ("read_only", .bool(c.readOnly)),
            ("records", .optional(c.records)),
            ("pings", .optional(c.pings)),
            ("ping_rtt_us", .optional(c.pingRTT)),
            ("ping_srtt_us", .optional(c.pingSRTT)),
        ]
    }

    static func fields(_ a: DSTAllowEntry) -> [(String, JSON)] {
        [("identity", .string(a.identity)), ("key_path", .optional(a.keyPath)), ("read_only", .bool(a.readOnly))]
    }

    static func fields(_ e: DSTExport) -> [(String, JSON)] {
        [
            ("name", .string(e.name)),
            ("path", .optional(e.backingPath)),
            ("listen", .string(e.listen)),
            ("size", .int(e.size)),
            ("logical_block_size", .int(UInt64(e.logicalBs))),
            ("physical_block_size", .int(UInt64(e.physicalBs))),
            ("max_transfer", .int(UInt64(e.maxXfer))),
            ("features", .array(e.features.specNames.map(JSON.string))),
            ("read_only", .bool(e.readOnly)),
            ("clients", .optional(e.clients)),
            ("state", .string(e.state.specName)),
            ("data_bytes", .optional(e.dataBytes)),
            ("uuid", .string(e.uuid.description)),
            ("security", .string(e.isInsecure ? "insecure" : "tls")),
            ("allow_from", .array(e.access.from.map { .string($0.description) })),
            ("allow", .array(e.access.allow.map { .object(fields($0)) })),
            ("conns", .array(e.connectionInfo.map { .object(fields($0)) })),
        ]
    }

    // MARK: JSON and dump

    var json: JSON {
        .object([("devices", .array(devices.map { .object(Self.fields($0)) })),
                 ("exports", .array(exports.map { .object(Self.fields($0)) }))])
    }

    /// "device" or "export", then the values of the fields in order, tab-
    /// separated: a list comma-separated ("none" when empty), an object's
    /// values spread over columns, "-" for absent, tabs and newlines in
    /// text turned into spaces.
    var dump: String {
        var lines: [[String]] = []
        for d in devices {
            lines.append(["device"] + Self.columns(Self.fields(d)))
            lines += d.connectionInfo.map { ["conn", d.name] + Self.columns(Self.fields($0)) }
        }
        for e in exports {
            lines.append(["export"] + Self.columns(Self.fields(e)))
            lines += e.access.allow.map { ["allow", e.name] + Self.columns(Self.fields($0)) }
            lines += e.connectionInfo.map { ["client", e.name] + Self.columns(Self.fields($0)) }
        }
        return lines.map { $0.joined(separator: "\t") + "\n" }.joined()
    }

    /// The lists of objects: lines of their own, left out of their owner's
    /// line whether empty or not, so that a kind of line always has the
    /// same columns.
    static let objectLists: Set<String> = ["conns", "allow"]

    static func columns(_ fields: [(String, JSON)]) -> [String] {
        fields.flatMap { key, value -> [String] in
            if objectLists.contains(key) { return [] }
            switch value {
            case let .object(inner): return columns(inner)
            case let .array(items): return [items.isEmpty ? "none" : items.map(column).joined(separator: ",")]
            default: return [column(value)]
            }
        }
    }

    static func column(_ value: JSON) -> String {
        switch value {
        case .null: return "-"
        case let .string(s): return String(s.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
        case let .bool(b): return b ? "yes" : "no"
        default: return value.rendered()
        }
    }

    // MARK: text

    func text(style s: Style) -> String {
        var out: [String] = []
        for d in devices {
            if !out.isEmpty { out.append("") }
            out += Self.text(d, style: s)
        }
        for e in exports {
            if !out.isEmpty { out.append("") }
            out += Self.text(e, style: s)
        }
        return out.isEmpty ? "" : out.joined(separator: "\n") + "\n"
    }

    /// "  key: value" lines, the absent and empty left out.
    struct Lines {
        var style: Style
        var out: [String] = []

        mutating func add(_ key: String, _ value: String?) {
            if let value, !value.isEmpty { out.append("  \(style.key(key + ":")) \(value)") }
        }
    }

    static func text(_ d: DSTDevice, style s: Style) -> [String] {
        var l = Lines(style: s, out: ["\(s.bold("device:")) \(s.green(d.name))"])
        l.add("state", d.stateName.map { $0 == "connected" ? s.green($0) : s.yellow($0) })
        if let down = d.downTime, down > 0, d.state != .connected { l.add("down for", humanDuration(down)) }
        l.add("remote", d.remote)
        l.add("export", d.exportName)
        l.add("uuid", d.uuid?.description)
        l.add("size", d.size.map { "\(humanBytes($0)) (\($0) bytes)" })
        if let lbs = d.logicalBs, let pbs = d.physicalBs { l.add("block size", "\(lbs) logical, \(pbs) physical") }
        l.add("max transfer", d.maxXfer.map { humanBytes(UInt64($0)) })
        l.add("features", d.features.map { $0.specNames.isEmpty ? "none" : $0.specNames.joined(separator: ", ") })
        l.add("checksum", d.csum?.specName)
        l.add("protection", d.protection.map { p in
            d.identity.map { "\(p) as \($0)" } ?? p.description
        })
        l.add("connections", connectionsText(live: d.connections, wanted: d.connCount))
        l.add("generation", d.generation.map(String.init))
        if d.rekeyDue { l.add("rekey", s.yellow("due: dstd is replacing the connections")) }
        l.add("inflight", d.inflight.map(String.init))
        if let c = d.counters {
            l.add("transfer", "\(c["reads"] ?? 0) reads (\(humanBytes(c["read_bytes"] ?? 0))), "
                  + "\(c["writes"] ?? 0) writes (\(humanBytes(c["write_bytes"] ?? 0)))")
            l.add("errors", [("errors", "I/O"), ("csum_errors", "checksum"), ("protocol_errors", "protocol")]
                .map { "\(c[$0.0] ?? 0) \($0.1)" }.joined(separator: ", "))
            l.add("recovery", ["reconnects", "resends", "timeouts"]
                .map { "\(c[$0] ?? 0) \($0)" }.joined(separator: ", "))
        }
        let p = d.policy
        l.add("io timeout", p.ioTimeout?.description)
        l.add("ping interval", p.pingInterval.map { $0.value == 0 ? "off" : $0.description })
        l.add("reconnect", reconnectText(p))
        l.add("last error", nonEmpty(d.lastError).map { s.red($0) })
        return l.out
    }

    static func text(_ e: DSTExport, style s: Style) -> [String] {
        var l = Lines(style: s, out: ["\(s.bold("export:")) \(s.green(e.name))"])
        if !e.isReady { l.add("state", s.yellow(e.state.specName)) }
        l.add("path", e.backingPath)
        l.add("listen", e.listen)
        l.add("size", "\(humanBytes(e.size)) (\(e.size) bytes)")
        l.add("block size", "\(e.logicalBs) logical, \(e.physicalBs) physical")
        l.add("features", e.features.specNames.isEmpty ? "none" : e.features.specNames.joined(separator: ", "))
        l.add("read-only", e.readOnly ? "yes" : "no")
        l.add("clients", e.clients.map(String.init))
        l.add("request data", e.dataBytes.flatMap { $0 > 0 ? humanBytes($0) : nil })
        l.add("uuid", e.uuid.description)
        l.add("security", e.isInsecure ? s.red("insecure: plaintext, anyone who reaches it") : "TLS")
        l.add("allows", e.access.allow.map { "\($0.identity)\($0.readOnly ? " (read-only)" : "")" }
            .joined(separator: ", "))
        l.add("allow from", e.access.from.map(\.description).joined(separator: ", "))
        for c in e.connectionInfo {
            l.add("client", "\(c.peer ?? "?")" + (c.identity.map { " as \($0)" } ?? "")
                + ", \(c.protection)" + (c.readOnly ? ", read-only" : ""))
        }
        return l.out
    }
}

/// "1 of 2" live connections of those the device is meant to have; just
/// the live ones from a kernel that does not say.
func connectionsText(live: UInt32?, wanted: UInt32?) -> String? {
    guard let live else { return nil }
    return wanted.map { "\(live) of \($0)" } ?? String(live)
}

/// "delay 0.5 s to 10 s, give up never"; nil when the kernel reports none of it.
func reconnectText(_ p: DSTDevicePolicy) -> String? {
    var parts: [String] = []
    if let first = p.reconnectDelay {
        parts.append("delay \(first)" + (p.reconnectDelayMax.map { " to \($0)" } ?? ""))
    } else if let max = p.reconnectDelayMax {
        parts.append("delay up to \(max)")
    }
    if let giveUp = p.reconnectGiveUp {
        parts.append(giveUp.isForever ? "give up never" : "give up after \(giveUp)")
    }
    return parts.isEmpty ? nil : parts.joined(separator: ", ")
}

func nonEmpty(_ s: String?) -> String? {
    guard let s, !s.isEmpty else { return nil }
    return s
}
