// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc

/// The dst generic netlink family, one typed call per operation. Kernel
/// errors come back as DSTError, with the errno values that have one
/// meaning per operation (ENODEV, EBUSY, EPERM) mapped here.
public final class DSTNetlink {
    let transport: NetlinkTransport

    /// Opens a netlink socket and resolves the family; throws
    /// DSTError.moduleNotLoaded when it is absent.
    public convenience init() throws {
        self.init(transport: try LibNLSocket())
    }

    init(transport: NetlinkTransport) {
        self.transport = transport
    }

    // MARK: devices

    /// dev-add: creates /dev/dstN over a handshaken socket; returns N.
    public func addDevice(_ p: DSTDeviceParams) throws -> UInt32 {
        let replies = try call(.devAdd, p.request.attributes, subject: p.index.map { "dst\($0)" })
        guard let index = replies.lazy.compactMap({ DSTDevAddReply(message: $0).devIndex }).first else {
            throw DSTError.kernel(operation: "dev-add", message: "the kernel replied without a device index", errno: EPROTO)
        }
        return index
    }

    /// dev-del: removes /dev/dstN; EBUSY while it is mounted or claimed,
    /// unless `force` (its I/O then fails).
    public func removeDevice(_ index: UInt32, force: Bool = false) throws {
        _ = try call(.devDel, DSTDevDelRequest(devIndex: index, force: force).attributes, subject: "dst\(index)")
    }

    /// dev-set: changes the policy values given and, for dstd, reports the
    /// state (reconnecting) or why a reconnect failed.
    public func setDevice(_ index: UInt32, policy: DSTDevicePolicy = DSTDevicePolicy(), state: DSTDevState? = nil,
                          lastError: String? = nil, rekeyRecords: UInt32? = nil) throws {
        var request = DSTDevSetRequest(devIndex: index, state: state?.rawValue,
                                       lastError: lastError.map { Self.truncated($0, to: DSTWire.lastErrorMax) },
                                       rekeyRecords: rekeyRecords)
        request.policy = policy
        _ = try call(.devSet, request.attributes, subject: "dst\(index)")
    }

    /// `text` cut to at most `max` bytes of UTF-8, on a character boundary.
    static func truncated(_ text: String, to max: Int) -> String {
        guard text.utf8.count > max else { return text }
        var out = ""
        var bytes = 0
        for ch in text {
            let n = String(ch).utf8.count
            if bytes + n > max { break }
            out.append(ch)
            bytes += n
        }
        return out
    }

    /// dev-get dump: every device.
    public func devices() throws -> [DSTDevice] {
        try transport.request(.devGet, [], dump: true).compactMap { DSTDevice(reply: DSTDevGetReply(message: $0)) }
            .sorted { $0.index < $1.index }
    }

    /// dev-get: one device.
    public func device(_ index: UInt32) throws -> DSTDevice {
        let replies = try call(.devGet, DSTDevGetRequest(devIndex: index).attributes, subject: "dst\(index)")
        guard let device = replies.lazy.compactMap({ DSTDevice(reply: DSTDevGetReply(message: $0)) }).first else {
            throw DSTError.noSuchDevice("dst\(index)")
        }
        return device
    }

    /// dev-connect: hands a new handshaken socket to an existing device.
    /// ESTALE (a newer generation is connected) becomes staleGeneration.
    /// `size`: the export's size in the connection's reply; a larger one
    /// than the device's grows it.
    public func connectDevice(_ index: UInt32, socket: Int32, generation: UInt32, size: UInt64? = nil) throws {
        do {
            let request = DSTDevConnectRequest(devIndex: index, sockFd: UInt32(bitPattern: socket),
                                               generation: generation, size: size)
            _ = try call(.devConnect, request.attributes, subject: "dst\(index)")
        } catch DSTError.kernel(_, _, ESTALE) {
            throw DSTError.staleGeneration(subject: "dst\(index)", generation: generation)
        }
    }

    // MARK: exports

    /// export-resize: `size`, or nil for the backing store's size now;
    /// returns the export's new size.
    public func resizeExport(_ name: String, size: UInt64?) throws -> UInt64 {
        let replies = try call(.exportResize, DSTExportResizeRequest(exportName: name, size: size).attributes,
                               exportSubject: name)
        guard let size = replies.first.flatMap({ DSTExportResizeReply(message: $0).size }) else {
            throw DSTError.daemon("the kernel's export-resize reply has no size")
        }
        return size
    }

    /// export-add: the kernel takes its own reference to the backing fd.
    public func addExport(_ p: DSTExportParams) throws {
        _ = try call(.exportAdd, p.request.attributes, subject: nil)
    }

    /// export-del: its clients are disconnected. The export stays listed,
    /// removing, until their requests left the backing store
    /// (waitUntilGone).
    public func removeExport(_ name: String) throws {
        _ = try call(.exportDel, DSTExportDelRequest(exportName: name).attributes, exportSubject: name)
    }

    /// Polls export-get until `name` is no longer listed: its backing file
    /// is closed.
    public func waitUntilGone(export name: String) throws {
        while true {
            do {
                _ = try export(name)
            } catch DSTError.noSuchExport {
                return
            }
            sleepMillis(50)
        }
    }

    /// Polls export-get until `name` is no longer probing; returns it.
    public func waitUntilProbed(export name: String) throws -> DSTExport {
        while true {
            let e = try export(name)
            if e.state != .probing { return e }
            sleepMillis(50)
        }
    }

    /// export-get dump: the exports of the caller's network namespace.
    public func exports() throws -> [DSTExport] {
        try transport.request(.exportGet, [], dump: true).compactMap { DSTExport(reply: DSTExportGetReply(message: $0)) }
            .sorted { $0.name < $1.name }
    }

    /// export-get: one export.
    public func export(_ name: String) throws -> DSTExport {
        let replies = try call(.exportGet, DSTExportGetRequest(exportName: name).attributes, exportSubject: name)
        guard let export = replies.lazy.compactMap({ DSTExport(reply: DSTExportGetReply(message: $0)) }).first else {
            throw DSTError.noSuchExport(name)
        }
        return export
    }

    /// export-connect: hands a client socket, handshaken by us, to an
    /// export, with the client's session and generation unless it has no
    /// session; with `check`, only asks whether the export would take it
    /// now. ESTALE (a newer generation of the session connected) becomes
    /// staleGeneration.
    /// `features`: the protocol features the client took (resize); `size`:
    /// the export's size its reply gave.
    public func connectExport(_ name: String, socket: Int32, csum: DSTChecksum,
                              session: DSTSession = .none, generation: UInt32 = 0, check: Bool = false,
                              identity: String? = nil, readOnly: Bool = false,
                              features: DSTFeatures = [], size: UInt64? = nil) throws {
        var request = DSTExportConnectRequest(exportName: name, sockFd: UInt32(bitPattern: socket),
                                              csum: csum.rawValue, check: check, identity: identity,
                                              readOnly: readOnly)
        if !features.isEmpty { request.features = features.rawValue }
        request.size = size
        if !session.isNone {
            request.session = session.bytes
            request.generation = generation
        }
        do {
            _ = try call(.exportConnect, request.attributes, exportSubject: name)
        } catch DSTError.kernel(_, _, ESTALE) {
            throw DSTError.staleGeneration(subject: "export \(name)", generation: generation)
        }
    }

    /// export-connect with check: nil when the kernel would take the
    /// connection now, else the refusal to reply to the client, saying why
    /// (the peer named: the kernel's own message cannot).
    public func admission(_ name: String, socket: Int32, csum: DSTChecksum, session: DSTSession,
                          generation: UInt32, peer: String, identity: String? = nil,
                          readOnly: Bool = false) -> DSTRefusal? {
        do {
            try connectExport(name, socket: socket, csum: csum, session: session, generation: generation,
                              check: true, identity: identity, readOnly: readOnly)
            return nil
        } catch let DSTError.kernel(_, message, errno) {
            let why = "from \(peer): \(message ?? strerrorString(errno))"
            switch errno {
            case EBUSY, EAGAIN: return DSTRefusal(.busy, why)
            case EKEYREJECTED: return DSTRefusal(.notAllowed, why)
            case EPROTONOSUPPORT: return DSTRefusal(.tlsRequired, why)
            default: return DSTRefusal(.internal, why)
            }
        } catch DSTError.noSuchExport {
            return DSTRefusal(.unknownExport, "no export \"\(name)\"")
        } catch {
            return DSTRefusal(.internal, "from \(peer): \(error)")
        }
    }

    /// export-set: whom the export admits from now on; connections it no
    /// longer admits are dropped.
    public func setExport(_ name: String, access: DSTAccess) throws {
        let request = DSTExportSetRequest(exportName: name, allow: access.allowNests,
                                          allowFrom: access.from.map(\.bytes))
        _ = try call(.exportSet, request.attributes, exportSubject: name)
    }

    // MARK: errors

    private func call(_ command: DSTCommand, _ values: [(DSTAttr, NLValue)], subject device: String?) throws -> [NLMessage] {
        do {
            return try transport.request(command, values, dump: false)
        } catch let DSTError.kernel(op, message, errno) {
            throw Self.map(op: op, message: message, errno: errno, device: device, export: nil)
        }
    }

    private func call(_ command: DSTCommand, _ values: [(DSTAttr, NLValue)], exportSubject export: String) throws -> [NLMessage] {
        do {
            return try transport.request(command, values, dump: false)
        } catch let DSTError.kernel(op, message, errno) {
            throw Self.map(op: op, message: message, errno: errno, device: nil, export: export)
        }
    }

    /// The one place kernel errno values get a meaning.
    static func map(op: String, message: String?, errno: Int32, device: String?, export: String?) -> DSTError {
        switch errno {
        case EPERM, EACCES:
            return .notRoot
        case ENODEV, ENOENT, ENXIO:
            if let device, op != "dev-add" { return .noSuchDevice(device) }
            if let export { return .noSuchExport(export) }
        case EBUSY:
            if let device, op == "dev-del" { return .deviceBusy(device) }
        default:
            break
        }
        return .kernel(operation: op, message: message, errno: errno)
    }
}

