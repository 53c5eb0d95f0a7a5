// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

extension Dstctl {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show devices and exports (the default subcommand).",
            discussion: """
                Devices come from the kernel and their counters from
                /sys/block/dstN/dst/. Exports are those of this network namespace.
                """
        )

        @Flag(help: "Print JSON with stable keys, for scripts.")
        var json = false

        func run() throws {
            let netlink = try DSTNetlink()
            let devices = try netlink.devices()
            let exports = try netlink.exports()
            let sysfs = DSTSysfs()
            let rows = devices.map { ($0, sysfs.read(device: $0.name)) }
            if json {
                Console.writeStdout(Self.json(devices: rows, exports: exports).rendered() + "\n")
            } else {
                Console.writeStdout(Self.text(devices: rows, exports: exports, style: Style(enabled: Console.colorStdout)))
                if !exports.isEmpty && !DaemonLock.isHeld() {
                    Dstctl.warn("dstd is not running: exports accept no new clients")
                }
            }
        }

        static func json(devices: [(DSTDevice, DSTSysfs.Device?)], exports: [DSTExport]) -> JSON {
            let devs: [JSON] = devices.map { d, fs in
                let counters: [(String, JSON)] = DSTSysfs.counterFiles.map { ($0, JSON.optional(fs?.numbers[$0])) }
                let p = policy(d, fs)
                let downTime: JSON = d.downTime.map { JSON.seconds(millis: $0) } ?? .null
                let generation: UInt64? = d.generation.map(UInt64.init) ?? fs?.numbers["generation"]
                let policy: [(String, JSON)] = [
                    ("io_timeout", .duration(p.ioTimeout)),
                    ("ping_interval", .duration(p.pingInterval)),
                    ("reconnect_delay", .duration(p.reconnectDelay)),
                    ("reconnect_delay_max", .duration(p.reconnectDelayMax)),
                    ("reconnect_give_up", .duration(p.reconnectGiveUp)),
                    ("session", .optional(d.session?.description)),
                    ("generation", .optional(generation)),
                    ("down_time", downTime),
                ]
                let head: [(String, JSON)] = [
                    ("name", .string(d.name)),
                    ("index", .int(UInt64(d.index))),
                    ("state", .optional(d.stateName ?? fs?.text["state"])),
                    ("remote", .optional(d.remote ?? fs?.text["remote"])),
                    ("export", .optional(d.exportName ?? fs?.text["export"])),
                    ("uuid", .optional(d.uuid?.description ?? fs?.text["uuid"])),
                    ("size", .optional(d.size)),
                    ("logical_block_size", .optional(d.logicalBs)),
                    ("physical_block_size", .optional(d.physicalBs)),
                    ("max_transfer", .optional(d.maxXfer)),
                    ("features", .array((d.features?.specNames ?? []).map(JSON.string))),
                    ("checksum", .optional(d.csum?.specName ?? fs?.text["csum"])),
                    ("connections", .optional(d.connections.map(UInt64.init) ?? fs?.numbers["connections"])),
                    ("conn_count", .optional(d.connCount.map(UInt64.init) ?? fs?.numbers["conn_count"])),
                    ("inflight", .optional(d.inflight.map(UInt64.init) ?? fs?.numbers["inflight"])),
                    ("epoch", .optional(fs?.numbers["epoch"])),
                ]
                let tail: [(String, JSON)] = [
                    ("last_error", .optional(nonEmpty(d.lastError ?? fs?.text["last_error"]))),
                    ("counters", .object(counters)),
                ]
                return .object(head + policy + tail)
            }
            let exps: [JSON] = exports.map { e in
                .object([
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
                ])
            }
            return .object([("devices", .array(devs)), ("exports", .array(exps))])
        }

        /// The kernel's policy from netlink, what is missing from sysfs.
        static func policy(_ d: DSTDevice, _ fs: DSTSysfs.Device?) -> DSTDevicePolicy {
            d.policy.filled(from: fs?.policy ?? DSTDevicePolicy())
        }

        static func text(devices: [(DSTDevice, DSTSysfs.Device?)], exports: [DSTExport], style s: Style) -> String {
            var out: [String] = []
            func line(_ key: String, _ value: String?) {
                if let value, !value.isEmpty { out.append("  \(s.key(key + ":")) \(value)") }
            }
            for (d, fs) in devices {
                if !out.isEmpty { out.append("") }
                out.append("\(s.bold("device:")) \(s.green(d.name))")
                let state = d.stateName ?? fs?.text["state"]
                line("state", state.map { $0 == "connected" ? s.green($0) : s.yellow($0) })
                if let down = d.downTime, down > 0, d.state != .connected { line("down for", humanDuration(down)) }
                line("remote", d.remote ?? fs?.text["remote"])
                line("export", d.exportName ?? fs?.text["export"])
                line("uuid", d.uuid?.description ?? fs?.text["uuid"])
                line("size", d.size.map { "\(humanBytes($0)) (\($0) bytes)" })
                if let l = d.logicalBs, let p = d.physicalBs { line("block size", "\(l) logical, \(p) physical") }
                line("max transfer", d.maxXfer.map { humanBytes(UInt64($0)) })
                line("features", d.features.map { $0.specNames.isEmpty ? "none" : $0.specNames.joined(separator: ", ") })
                line("checksum", d.csum?.specName ?? fs?.text["csum"])
                line("connections", connectionsText(live: d.connections.map(UInt64.init) ?? fs?.numbers["connections"],
                                                    wanted: d.connCount.map(UInt64.init) ?? fs?.numbers["conn_count"]))
                line("generation", (d.generation.map(UInt64.init) ?? fs?.numbers["generation"]).map(String.init))
                line("inflight", (d.inflight.map(UInt64.init) ?? fs?.numbers["inflight"]).map(String.init))
                if let n = fs?.numbers {
                    if let r = n["reads"], let rb = n["read_bytes"], let w = n["writes"], let wb = n["write_bytes"] {
                        line("transfer", "\(r) reads (\(humanBytes(rb))), \(w) writes (\(humanBytes(wb)))")
                    }
                    let errors = [("errors", "I/O"), ("csum_errors", "checksum"), ("protocol_errors", "protocol")]
                        .compactMap { file, label in n[file].map { "\($0) \(label)" } }
                    if !errors.isEmpty { line("errors", errors.joined(separator: ", ")) }
                    let reconnects = [("reconnects", "reconnects"), ("resends", "resends"), ("timeouts", "timeouts")]
                        .compactMap { file, label in n[file].map { "\($0) \(label)" } }
                    if !reconnects.isEmpty { line("recovery", reconnects.joined(separator: ", ")) }
                }
                let p = policy(d, fs)
                line("io timeout", p.ioTimeout?.description)
                line("ping interval", p.pingInterval.map { $0.value == 0 ? "off" : $0.description })
                line("reconnect", reconnectText(p))
                line("last error", nonEmpty(d.lastError ?? fs?.text["last_error"]).map { s.red($0) })
            }
            for e in exports {
                if !out.isEmpty { out.append("") }
                out.append("\(s.bold("export:")) \(s.green(e.name))")
                if !e.isReady { line("state", s.yellow(e.state.specName)) }
                line("path", e.backingPath)
                line("listen", e.listen)
                line("size", "\(humanBytes(e.size)) (\(e.size) bytes)")
                line("block size", "\(e.logicalBs) logical, \(e.physicalBs) physical")
                line("features", e.features.specNames.isEmpty ? "none" : e.features.specNames.joined(separator: ", "))
                line("read-only", e.readOnly ? "yes" : "no")
                line("clients", e.clients.map(String.init))
                line("request data", e.dataBytes.flatMap { $0 > 0 ? humanBytes($0) : nil })
                line("uuid", e.uuid.description)
            }
            return out.isEmpty ? "" : out.joined(separator: "\n") + "\n"
        }
    }
}

/// "1 of 2" live connections of those the device is meant to have; just
/// the live ones from a kernel that does not say.
func connectionsText(live: UInt64?, wanted: UInt64?) -> String? {
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
