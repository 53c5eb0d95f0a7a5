// SPDX-License-Identifier: GPL-2.0-only OR MIT

/// A 16-byte export UUID, printed in the usual 8-4-4-4-12 form.
public struct DSTUUID: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    private init(raw: [UInt8]) { bytes = raw }

    /// A random (version 4) UUID.
    public static func random() throws -> DSTUUID {
        var b = try randomBytes(16)
        b[6] = (b[6] & 0x0f) | 0x40
        b[8] = (b[8] & 0x3f) | 0x80
        return DSTUUID(raw: b)
    }

    public static let zero = DSTUUID(raw: [UInt8](repeating: 0, count: 16))

    public var description: String {
        let hex = bytes.map { b -> String in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }
        return [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { hex[$0].joined() }.joined(separator: "-")
    }
}

/// Parameters of a new client device: what the handshake negotiated plus
/// naming.
public struct DSTDeviceParams: Equatable, Sendable {
    public var socket: Int32
    public var negotiated: DSTNegotiated
    public var exportName: String?
    public var remote: String
    public var index: UInt32?

    public init(socket: Int32, negotiated: DSTNegotiated, exportName: String?, remote: String, index: UInt32?) {
        self.socket = socket
        self.negotiated = negotiated
        self.exportName = exportName
        self.remote = remote
        self.index = index
    }
}

/// A client device as the kernel reports it (dev-get).
public struct DSTDevice: Equatable, Sendable {
    public var index: UInt32
    public var state: DSTDevState?
    public var stateRaw: UInt32?
    public var size: UInt64?
    public var logicalBs: UInt32?
    public var physicalBs: UInt32?
    public var maxXfer: UInt32?
    public var features: DSTFeatures?
    public var csum: DSTChecksum?
    public var uuid: DSTUUID?
    public var exportName: String?
    public var remote: String?
    public var connections: UInt32?
    public var inflight: UInt32?
    public var lastError: String?

    public var name: String { "dst\(index)" }

    /// The state's spec name, or "unknown(N)" for a value newer than us.
    public var stateName: String? {
        if let state { return state.specName }
        return stateRaw.map { "unknown(\($0))" }
    }

    public init(index: UInt32) { self.index = index }

    init?(message m: NLMessage) {
        guard let index = m.u32(.devIndex) else { return nil }
        self.index = index
        stateRaw = m.u32(.state)
        state = stateRaw.flatMap(DSTDevState.init(rawValue:))
        size = m.u64(.size)
        logicalBs = m.u32(.logicalBs)
        physicalBs = m.u32(.physicalBs)
        maxXfer = m.u32(.maxXfer)
        features = m.u32(.features).map(DSTFeatures.init(rawValue:))
        csum = m.u32(.csum).flatMap(DSTChecksum.init(rawValue:))
        uuid = m.binary(.uuid).flatMap(DSTUUID.init(bytes:))
        exportName = m.string(.exportName)
        remote = m.string(.remote)
        connections = m.u32(.connections)
        inflight = m.u32(.inflight)
        lastError = m.string(.lastError)
    }
}

/// Parameters of a new export.
public struct DSTExportParams: Equatable, Sendable {
    public var name: String
    public var backingFD: Int32
    public var backingPath: String
    public var readOnly: Bool
    public var listen: DSTAddress
    public var uuid: DSTUUID?

    public init(name: String, backingFD: Int32, backingPath: String, readOnly: Bool, listen: DSTAddress, uuid: DSTUUID?) {
        self.name = name
        self.backingFD = backingFD
        self.backingPath = backingPath
        self.readOnly = readOnly
        self.listen = listen
        self.uuid = uuid
    }
}

/// An export as the kernel reports it (export-get).
public struct DSTExport: Equatable, Sendable {
    public var name: String
    public var size: UInt64
    public var logicalBs: UInt32
    public var physicalBs: UInt32
    public var maxXfer: UInt32
    public var features: DSTFeatures
    public var uuid: DSTUUID
    public var listen: String
    public var backingPath: String?
    public var clients: UInt32?

    public var readOnly: Bool { features.contains(.readOnly) }

    public init(name: String, size: UInt64, logicalBs: UInt32 = 512, physicalBs: UInt32 = 4096,
                maxXfer: UInt32 = UInt32(DSTWire.maxXferDefault), features: DSTFeatures = [],
                uuid: DSTUUID = .zero, listen: String, backingPath: String? = nil, clients: UInt32? = nil) {
        self.name = name
        self.size = size
        self.logicalBs = logicalBs
        self.physicalBs = physicalBs
        self.maxXfer = maxXfer
        self.features = features
        self.uuid = uuid
        self.listen = listen
        self.backingPath = backingPath
        self.clients = clients
    }

    init?(message m: NLMessage) {
        guard let name = m.string(.exportName) else { return nil }
        self.name = name
        size = m.u64(.size) ?? 0
        logicalBs = m.u32(.logicalBs) ?? 512
        physicalBs = m.u32(.physicalBs) ?? logicalBs
        maxXfer = m.u32(.maxXfer) ?? UInt32(DSTWire.maxXferDefault)
        features = DSTFeatures(rawValue: m.u32(.features) ?? 0)
        uuid = m.binary(.uuid).flatMap(DSTUUID.init(bytes:)) ?? .zero
        listen = m.string(.listen) ?? ""
        backingPath = m.string(.backingPath)
        clients = m.u32(.clients)
    }
}

/// A multicast notification of the "events" group.
public enum DSTEvent: Equatable, Sendable {
    /// dev-change-ntf: a device was added, changed state or was removed.
    case device(index: UInt32, state: DSTDevState?, lastError: String?)
    /// export-change-ntf: an export was added or removed, or its clients
    /// changed.
    case export(name: String, clients: UInt32?)
    /// The socket overran: events were lost, state must be dumped again.
    case lost

    init?(message m: NLMessage) {
        switch DSTCommand(rawValue: m.command) {
        case .devChangeNtf:
            guard let index = m.u32(.devIndex) else { return nil }
            self = .device(index: index, state: m.u32(.state).flatMap(DSTDevState.init(rawValue:)),
                           lastError: m.string(.lastError))
        case .exportChangeNtf:
            self = .export(name: m.string(.exportName) ?? "", clients: m.u32(.clients))
        default:
            return nil
        }
    }
}
