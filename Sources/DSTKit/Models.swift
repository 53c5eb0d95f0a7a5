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

    /// The all-zero ("nil") UUID: a refusal's reply and an export without
    /// one carry it, so no export may have it.
    public var isZero: Bool { bytes.allSatisfy { $0 == 0 } }

    /// DST's namespace for name-based export UUIDs (a random UUID, fixed
    /// forever: changing it changes every default export UUID, and clients
    /// refuse a changed UUID).
    public static let dstNamespace = DSTUUID(raw: [0xe9, 0x84, 0x6c, 0x98, 0x9f, 0xa2, 0x43, 0x70,
                                                    0x9f, 0x9c, 0x7c, 0xba, 0x19, 0x07, 0x60, 0xd0])

    /// A name-based UUID, version 5 (RFC 9562 section 5.5): SHA-1 over the
    /// namespace's bytes and the name, its first 16 bytes, version 5, variant
    /// 10. The same namespace and name always give the same UUID.
    public static func nameBased(namespace: DSTUUID, name: [UInt8]) -> DSTUUID {
        var b = Array(SHA1.hash(namespace.bytes + name).prefix(16))
        b[6] = (b[6] & 0x0f) | 0x50
        b[8] = (b[8] & 0x3f) | 0x80
        return DSTUUID(raw: b)
    }

    /// Parses the 8-4-4-4-12 form, hex digits in either case; nil for
    /// anything else (no braces, no "urn:uuid:", no missing dashes).
    public init?(parsing text: String) {
        let chars = Array(text.utf8)
        guard chars.count == 36 else { return nil }
        var out: [UInt8] = []
        var high: UInt8?
        for (i, c) in chars.enumerated() {
            if [8, 13, 18, 23].contains(i) {
                guard c == UInt8(ascii: "-") else { return nil }
                continue
            }
            let nibble: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let h = high {
                out.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        bytes = out
    }

    public var description: String {
        let hex = bytes.map { b -> String in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }
        return [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { hex[$0].joined() }.joined(separator: "-")
    }
}

/// The random id of a client device, the same on every connection it
/// makes (client-hello session): the server fences older generations of a
/// session. All zeroes means no session.
public struct DSTSession: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    private init(raw: [UInt8]) { bytes = raw }

    /// A new random session; never all zeroes.
    public static func random() throws -> DSTSession {
        while true {
            let b = try randomBytes(16)
            if b.contains(where: { $0 != 0 }) { return DSTSession(raw: b) }
        }
    }

    /// No session: the server does no fencing.
    public static let none = DSTSession(raw: [UInt8](repeating: 0, count: 16))

    public var isNone: Bool { bytes.allSatisfy { $0 == 0 } }

    /// 32 lowercase hex digits.
    public var description: String {
        bytes.map { b -> String in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }
}

/// Parameters of a new client device: what the handshake negotiated plus
/// naming, the session it connected with, and its timeouts.
public struct DSTDeviceParams: Equatable, Sendable {
    public var socket: Int32
    public var negotiated: DSTNegotiated
    public var exportName: String?
    public var remote: String
    public var index: UInt32?
    public var session: DSTSession
    /// The generation the handshake sent; 1 for a new device.
    public var generation: UInt32
    /// Values left nil are the kernel's defaults.
    public var policy: DSTDevicePolicy
    /// Connections the device is meant to have; nil: the kernel's default, 1.
    public var connCount: UInt32?

    public init(socket: Int32, negotiated: DSTNegotiated, exportName: String?, remote: String, index: UInt32?,
                session: DSTSession = .none, generation: UInt32 = 1, policy: DSTDevicePolicy = DSTDevicePolicy(),
                connCount: UInt32? = nil) {
        self.socket = socket
        self.negotiated = negotiated
        self.exportName = exportName
        self.remote = remote
        self.index = index
        self.session = session
        self.generation = generation
        self.policy = policy
        self.connCount = connCount
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
    /// Live connections.
    public var connections: UInt32?
    /// Connections the device is meant to have (add-node --connections).
    public var connCount: UInt32?
    public var inflight: UInt32?
    public var lastError: String?
    public var session: DSTSession?
    /// Generation of the device's newest connection.
    public var generation: UInt32?
    public var policy = DSTDevicePolicy()
    /// Milliseconds since the device lost its last connection; 0 while connected.
    public var downTime: UInt64?

    public var name: String { "dst\(index)" }

    /// The state's spec name, or "unknown(N)" for a value newer than us.
    public var stateName: String? {
        if let state { return state.specName }
        return stateRaw.map { "unknown(\($0))" }
    }

    /// Connections the device is meant to have: 1 unless the kernel says more.
    public var wantedConnections: UInt32 { Swift.max(connCount ?? 1, 1) }

    /// Connected, but with fewer live connections than it is meant to have:
    /// dstd opens them all again, as a new generation.
    public var isShort: Bool {
        DSTDevState.isShort(state, connections: connections, connCount: connCount)
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
        connCount = m.u32(.connCount)
        inflight = m.u32(.inflight)
        lastError = m.string(.lastError)
        session = m.binary(.session).flatMap(DSTSession.init(bytes:))
        generation = m.u32(.generation)
        policy = DSTDevicePolicy(
            ioTimeout: m.u32(.ioTimeout).map(DSTMillis.init),
            pingInterval: m.u32(.pingInterval).map(DSTMillis.init),
            reconnectDelay: m.u32(.reconnectDelay).map(DSTMillis.init),
            reconnectDelayMax: m.u32(.reconnectDelayMax).map(DSTMillis.init),
            reconnectGiveUp: m.u32(.reconnectGiveUp).map(DSTMillis.init))
        downTime = m.u64(.downTime)
    }
}

extension DSTDevState {
    /// Connected with fewer live connections than `connCount`. A kernel that
    /// reports neither count has no short devices.
    static func isShort(_ state: DSTDevState?, connections: UInt32?, connCount: UInt32?) -> Bool {
        guard state == .connected, let live = connections else { return false }
        return live < Swift.max(connCount ?? 1, 1)
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
    /// Ready unless the kernel says otherwise (a kernel without states).
    public var state: DSTExportState
    /// Bytes of request data its connections hold.
    public var dataBytes: UInt64?

    public var readOnly: Bool { features.contains(.readOnly) }
    /// Takes clients: neither still probing nor being removed.
    public var isReady: Bool { state == .ready }

    public init(name: String, size: UInt64, logicalBs: UInt32 = 512, physicalBs: UInt32 = 4096,
                maxXfer: UInt32 = UInt32(DSTWire.maxXferDefault), features: DSTFeatures = [],
                uuid: DSTUUID = .zero, listen: String, backingPath: String? = nil, clients: UInt32? = nil,
                state: DSTExportState = .ready, dataBytes: UInt64? = nil) {
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
        self.state = state
        self.dataBytes = dataBytes
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
        state = m.u32(.exportState).flatMap(DSTExportState.init(rawValue:)) ?? .ready
        dataBytes = m.u64(.dataBytes)
    }
}

/// A dev-change-ntf: a device was added, changed state or was removed, or
/// gained or lost a connection.
public struct DSTDeviceChange: Equatable, Sendable {
    public var index: UInt32
    public var state: DSTDevState?
    public var stateRaw: UInt32?
    public var lastError: String?
    /// Live connections after the change.
    public var connections: UInt32?
    /// Connections the device is meant to have.
    public var connCount: UInt32?

    public init(index: UInt32, state: DSTDevState?, stateRaw: UInt32? = nil, lastError: String? = nil,
                connections: UInt32? = nil, connCount: UInt32? = nil) {
        self.index = index
        self.state = state
        self.stateRaw = stateRaw ?? state?.rawValue
        self.lastError = lastError
        self.connections = connections
        self.connCount = connCount
    }

    public var name: String { "dst\(index)" }

    /// Connected with fewer live connections than it is meant to have.
    public var isShort: Bool {
        DSTDevState.isShort(state, connections: connections, connCount: connCount)
    }

    /// The state's spec name, "unknown(N)" for a value newer than us, nil when absent.
    public var stateName: String? {
        if let state { return state.specName }
        return stateRaw.map { "unknown(\($0))" }
    }
}

/// An export-change-ntf: an export was added or removed, or a client came,
/// left or was fenced.
public struct DSTExportChange: Equatable, Sendable {
    public var name: String
    public var event: DSTExportEvent?
    public var eventRaw: UInt32?
    /// Clients of the export after the change.
    public var clients: UInt32?
    /// The client connection concerned, ADDR:PORT.
    public var peer: String?
    public var lastError: String?

    public init(name: String, event: DSTExportEvent?, eventRaw: UInt32? = nil, clients: UInt32? = nil,
                peer: String? = nil, lastError: String? = nil) {
        self.name = name
        self.event = event
        self.eventRaw = eventRaw ?? event?.rawValue
        self.clients = clients
        self.peer = peer
        self.lastError = lastError
    }

    /// The event's spec name, "unknown(N)" for a value newer than us, nil when absent.
    public var eventName: String? {
        if let event { return event.specName }
        return eventRaw.map { "unknown(\($0))" }
    }
}

/// A multicast notification of the "events" group.
public enum DSTEvent: Equatable, Sendable {
    /// dev-change-ntf.
    case device(DSTDeviceChange)
    /// export-change-ntf.
    case export(DSTExportChange)
    /// The socket overran: events were lost, state must be dumped again.
    case lost

    init?(message m: NLMessage) {
        switch DSTCommand(rawValue: m.command) {
        case .devChangeNtf:
            guard let index = m.u32(.devIndex) else { return nil }
            let raw = m.u32(.state)
            self = .device(DSTDeviceChange(index: index, state: raw.flatMap(DSTDevState.init(rawValue:)),
                                           stateRaw: raw, lastError: m.string(.lastError),
                                           connections: m.u32(.connections), connCount: m.u32(.connCount)))
        case .exportChangeNtf:
            let raw = m.u32(.exportEvent)
            self = .export(DSTExportChange(name: m.string(.exportName) ?? "",
                                           event: raw.flatMap(DSTExportEvent.init(rawValue:)), eventRaw: raw,
                                           clients: m.u32(.clients), peer: m.string(.peer),
                                           lastError: m.string(.lastError)))
        default:
            return nil
        }
    }
}
