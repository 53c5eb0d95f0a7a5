// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc

/// What `dstctl apply` does to bring the kernel's devices and exports to
/// what a configuration says: the differences only, in the order they are
/// made. Devices the file does not name go first (their exports may be
/// going), then the exports (removed, re-created, changed, added), then
/// the devices (re-created, changed, added).
///
/// A value the kernel changes live (a device's timeouts and reconnect
/// policy, its rekey-records; whom an export admits) is changed in place.
/// Any other difference re-creates the device or export: dstctl does that
/// only while it is not in use.
public struct DSTConfigPlan: Equatable, Sendable {
    public enum Action: Equatable, Sendable {
        case removeDevice(UInt32)
        case removeExport(String)
        case addExport(DSTConfig.Export)
        /// Values that cannot change live, each "what old -> new".
        case recreateExport(DSTConfig.Export, changes: [String])
        /// The whole access it is to have; a line per entry added or removed.
        case setExport(String, access: DSTAccess, changes: [String])
        case addDevice(DSTConfig.Device)
        case recreateDevice(DSTConfig.Device, changes: [String])
        /// The values to change (the others nil); a line per value.
        case setDevice(UInt32, policy: DSTDevicePolicy, rekeyRecords: UInt32?, changes: [String])

        /// "dst0" or "export db", for its errors.
        public var subject: String {
            switch self {
            case let .removeDevice(index), let .setDevice(index, _, _, _): return "dst\(index)"
            case let .removeExport(name), let .setExport(name, _, _): return "export \(name)"
            case let .addExport(export), let .recreateExport(export, _): return "export \(export.name)"
            case let .addDevice(device), let .recreateDevice(device, _): return device.name
            }
        }

        /// What it changes, as apply prints it.
        public var lines: [String] {
            switch self {
            case let .removeDevice(index): return ["dst\(index): removed"]
            case let .removeExport(name): return ["export \(name): removed"]
            case let .addExport(export):
                let spec = export.spec
                return ["export \(export.name): added (\(spec.path ?? "-")\(spec.readOnly ? " read-only" : "") on "
                    + "\(spec.listen?.description ?? "-"))"]
            case let .recreateExport(export, changes):
                return ["export \(export.name): re-created (\(changes.joined(separator: ", ")))"]
            case let .setExport(name, _, changes): return changes.map { "export \(name): \($0)" }
            case let .addDevice(device):
                let to = device.spec.export.map { " export \($0)" } ?? ""
                return ["\(device.name): added (\(device.spec.remote?.description ?? "-")\(to))"]
            case let .recreateDevice(device, changes):
                return ["\(device.name): re-created (\(changes.joined(separator: ", ")))"]
            case let .setDevice(index, _, _, changes): return changes.map { "dst\(index): \($0)" }
            }
        }
    }

    /// What the comparison needs from outside the file: the canonical
    /// backing path of each export, the CN of a device's certificate where
    /// the file gives no Identity, and this client's default connections.
    public struct Context: Equatable, Sendable {
        public var backingPaths: [String: String]
        public var commonNames: [UInt32: String]
        public var defaultConnections: UInt32

        public init(backingPaths: [String: String] = [:], commonNames: [UInt32: String] = [:],
                    defaultConnections: UInt32) {
            self.backingPaths = backingPaths
            self.commonNames = commonNames
            self.defaultConnections = defaultConnections
        }

        /// This machine's: realpath(3) of each backing path, the CNs read
        /// from the certificates.
        public init(config: DSTConfig) {
            var paths: [String: String] = [:]
            for export in config.exports {
                guard let path = export.spec.path else { continue }
                if let real = realpath(path, nil) {
                    paths[export.name] = String(cString: real)
                    free(real)
                } else {
                    paths[export.name] = path
                }
            }
            var names: [UInt32: String] = [:]
            for device in config.devices where device.spec.tls.identity == nil {
                if let cert = device.spec.tls.cert { names[device.index] = try? certificateCommonName(cert) }
            }
            self.init(backingPaths: paths, commonNames: names, defaultConnections: DSTAttach.defaultConnections)
        }
    }

    public var actions: [Action]

    public var isEmpty: Bool { actions.isEmpty }

    /// Every line, in order.
    public var lines: [String] { actions.flatMap(\.lines) }

    public init(actions: [Action]) { self.actions = actions }

    /// The plan from the kernel's `devices` and `exports` to `config`.
    public init(config: DSTConfig, devices: [DSTDevice], exports: [DSTExport], context: Context) {
        var actions: [Action] = []
        let wantedDevices = Set(config.devices.map(\.index))
        let wantedExports = Set(config.exports.map(\.name))
        actions += devices.filter { !wantedDevices.contains($0.index) }.map { .removeDevice($0.index) }
        actions += exports.filter { !wantedExports.contains($0.name) }.map { .removeExport($0.name) }
        for export in config.exports {
            guard let running = exports.first(where: { $0.name == export.name }) else {
                actions.append(.addExport(export))
                continue
            }
            actions += Self.compare(export, running, backingPath: context.backingPaths[export.name])
        }
        for device in config.devices {
            guard let running = devices.first(where: { $0.index == device.index }) else {
                actions.append(.addDevice(device))
                continue
            }
            actions += Self.compare(device, running, context: context)
        }
        self.actions = actions
    }

    static func compare(_ export: DSTConfig.Export, _ running: DSTExport, backingPath: String?) -> [Action] {
        let spec = export.spec
        let wanted = spec.access
        var changes: [String] = []
        func differ(_ what: String, _ old: String?, _ new: String?) {
            if old != new { changes.append("\(what) \(old ?? "-") -> \(new ?? "-")") }
        }
        differ("path", running.backingPath, backingPath ?? spec.path)
        differ("listen", running.listen, spec.listen?.description)
        differ("read-only", yesNo(running.readOnly), yesNo(spec.readOnly))
        if let uuid = spec.uuid { differ("uuid", running.uuid.description, uuid.description) }
        differ("tls", yesNo(running.access.tlsRequired), yesNo(wanted.tlsRequired))
        differ("cert", running.access.server?.certPath, wanted.server?.certPath)
        differ("cert-key", running.access.server?.keyPath, wanted.server?.keyPath)
        differ("ca", running.access.server?.caPath, wanted.server?.caPath)
        if !changes.isEmpty { return [.recreateExport(export, changes: changes)] }

        var lines: [String] = []
        for entry in running.access.allow where !wanted.allow.contains(entry) {
            lines.append("\(describe(entry)) removed")
        }
        for entry in wanted.allow where !running.access.allow.contains(entry) {
            lines.append("\(describe(entry)) added")
        }
        for cidr in running.access.from where !wanted.from.contains(cidr) { lines.append("allow-from \(cidr) removed") }
        for cidr in wanted.from where !running.access.from.contains(cidr) { lines.append("allow-from \(cidr) added") }
        guard !lines.isEmpty else { return [] }
        var access = running.access
        access.allow = wanted.allow
        access.from = wanted.from
        return [.setExport(export.name, access: access, changes: lines)]
    }

    static func compare(_ device: DSTConfig.Device, _ running: DSTDevice, context: Context) -> [Action] {
        let spec = device.spec
        var changes: [String] = []
        func differ(_ what: String, _ old: String?, _ new: String?) {
            if old != new { changes.append("\(what) \(old ?? "-") -> \(new ?? "-")") }
        }
        differ("remote", running.remote, spec.remote?.description)
        if let export = spec.export { differ("export", running.exportName, export) }
        differ("csum", running.csum?.specName, spec.checksum.specName)
        differ("connections", String(running.wantedConnections),
               String(spec.connectionCount(default: context.defaultConnections)))
        if let remote = spec.remote {
            let wanted = spec.tls.deviceTLS(remote: remote, commonName: context.commonNames[device.index])
            let new = wanted.map(describe) ?? "plaintext"
            if let tls = running.tls {
                differ("tls", describe(tls), new)
            } else if let identity = running.identity {
                // Without CAP_SYS_ADMIN dev-get shows no paths: the identity is all there is.
                if identity != wanted?.identity { differ("tls", identity, new) }
            } else {
                differ("tls", "plaintext", new)
            }
        }
        if !changes.isEmpty { return [.recreateDevice(device, changes: changes)] }

        var policy = DSTDevicePolicy()
        var lines: [String] = []
        let wanted = spec.policy
        for field in DSTDevicePolicy.Field.allCases where running.policy[field] != wanted[field] {
            policy[field] = wanted[field]
            lines.append("\(name(field)) \(show(running.policy[field], field)) -> \(show(wanted[field], field))")
        }
        var rekey: UInt32?
        if let records = spec.tls.rekeyRecords, running.rekeyRecords != records {
            rekey = records
            lines.append("rekey-records \(running.rekeyRecords.map(String.init) ?? "-") -> \(records)")
        }
        guard !lines.isEmpty else { return [] }
        return [.setDevice(device.index, policy: policy, rekeyRecords: rekey, changes: lines)]
    }

    static func yesNo(_ b: Bool) -> String { b ? "yes" : "no" }

    /// "allow-ro db1 (/etc/dst/db1.key)", "allow-subject CN=x".
    static func describe(_ entry: DSTAllowEntry) -> String {
        let key = (entry.keyPath == nil ? "allow-subject" : "allow") + (entry.readOnly ? "-ro" : "")
        return "\(key) \(entry.identity)" + (entry.keyPath.map { " (\($0))" } ?? "")
    }

    /// "psk db1 (/etc/dst/db1.key)", "x509 client1 (/etc/dst/client.pem)".
    static func describe(_ tls: DSTDeviceTLS) -> String {
        switch tls.credentials {
        case let .psk(identity, keyPath): return "psk \(identity) (\(keyPath))"
        case let .x509(certPath, keyPath, caPath, serverName):
            return "x509 \(tls.identity) (\(certPath), \(keyPath), \(caPath), \(serverName ?? "-"))"
        }
    }

    /// As the option is spelled, without dashes in front.
    static func name(_ field: DSTDevicePolicy.Field) -> String {
        switch field {
        case .ioTimeout: return "io-timeout"
        case .pingInterval: return "ping-interval"
        case .reconnectDelay: return "reconnect-delay"
        case .reconnectDelayMax: return "reconnect-delay-max"
        case .reconnectGiveUp: return "give-up"
        }
    }

    /// "30s", "0.5s", "forever", "off" (pings), "-" when absent.
    static func show(_ value: DSTMillis?, _ field: DSTDevicePolicy.Field) -> String {
        guard let value else { return "-" }
        if value.isForever && field.allowsForever { return "forever" }
        if value.value == 0 && field.allowsOff { return "off" }
        return DSTMillis.seconds(UInt64(value.value)) + "s"
    }
}
