// SPDX-License-Identifier: GPL-2.0-only OR MIT

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
    /// Its TLS identity and credentials (the files dstd reads to reconnect);
    /// nil without TLS.
    public var tls: DSTDeviceTLS?

    public init(socket: Int32, negotiated: DSTNegotiated, exportName: String?, remote: String, index: UInt32?,
                session: DSTSession = .none, generation: UInt32 = 1, policy: DSTDevicePolicy = DSTDevicePolicy(),
                connCount: UInt32? = nil, tls: DSTDeviceTLS? = nil) {
        self.socket = socket
        self.negotiated = negotiated
        self.exportName = exportName
        self.remote = remote
        self.index = index
        self.session = session
        self.generation = generation
        self.policy = policy
        self.connCount = connCount
        self.tls = tls
    }

    /// The dev-add request.
    var request: DSTDevAddRequest {
        let n = negotiated
        var r = DSTDevAddRequest(sockFd: UInt32(bitPattern: socket), size: n.size, logicalBs: n.logicalBs,
                                 physicalBs: n.physicalBs, maxXfer: n.maxXfer, features: n.features.rawValue,
                                 csum: n.csum.rawValue, uuid: n.uuid.bytes, remote: remote, devIndex: index,
                                 connCount: connCount)
        if let name = exportName, !name.isEmpty { r.exportName = name }
        if n.limits != .unspecified {
            r.ioMin = n.limits.ioMin
            r.ioOpt = n.limits.ioOpt
            r.discardGranularity = n.limits.discardGranularity
            r.discardAlignment = n.limits.discardAlignment
        }
        if !session.isNone {
            r.session = session.bytes
            r.generation = generation
        }
        r.policy = policy
        tls?.fill(&r)
        return r
    }
}

/// How a client device authenticates over TLS: its identity and the files
/// dstd reads to reconnect it, never a key.
public struct DSTDeviceTLS: Equatable, Sendable {
    /// Its PSK identity, or its certificate's CN.
    public var identity: String
    public var credentials: DSTCredentials
    /// Records a connection carries before it is replaced; nil: the kernel's default.
    public var rekeyRecords: UInt32?

    public init(identity: String, credentials: DSTCredentials, rekeyRecords: UInt32? = nil) {
        self.identity = identity
        self.credentials = credentials
        self.rekeyRecords = rekeyRecords
    }

    func fill(_ r: inout DSTDevAddRequest) {
        r.identity = identity
        r.rekeyRecords = rekeyRecords
        switch credentials {
        case let .psk(_, keyPath):
            r.keyPath = keyPath
        case let .x509(certPath, keyPath, caPath, serverName):
            r.certPath = certPath
            r.keyPath = keyPath
            r.caPath = caPath
            r.serverName = serverName
        }
    }

    /// What dev-get reports, for a reconnect; nil for a plaintext device or
    /// a caller without CAP_SYS_ADMIN, who sees no paths.
    init?(reply r: DSTDevGetReply) {
        guard let identity = r.identity else { return nil }
        self.identity = identity
        rekeyRecords = r.rekeyRecords
        if let cert = r.certPath, let key = r.keyPath, let ca = r.caPath {
            credentials = .x509(certPath: cert, keyPath: key, caPath: ca, serverName: r.serverName)
        } else if let key = r.keyPath {
            credentials = .psk(identity: identity, keyPath: key)
        } else {
            return nil
        }
    }
}

/// What protects a connection.
public enum DSTProtection: Equatable, Sendable, CustomStringConvertible {
    case plaintext
    case tls13(DSTTLSCipher)

    /// From a connection's tls-version and tls-cipher.
    init(version: UInt32?, cipher: UInt32?) {
        if version == 0x0304, let c = cipher.flatMap({ DSTTLSCipher(rawValue: Int32($0)) }) {
            self = .tls13(c)
        } else {
            self = .plaintext
        }
    }

    /// As sysfs writes it: "tls1.3-aes-128-gcm", "plaintext".
    public var description: String {
        switch self {
        case .plaintext: return "plaintext"
        case let .tls13(cipher): return "tls1.3-\(cipher.specName)"
        }
    }
}

/// One connection of a device or an export (dev-get, export-get).
public struct DSTConnectionInfo: Equatable, Sendable {
    /// A device's connection slot.
    public var slot: UInt32?
    public var generation: UInt32?
    public var peer: String?
    /// An export's client: the identity it proved.
    public var identity: String?
    public var protection: DSTProtection
    public var readOnly: Bool
    /// TLS records under its keys.
    public var records: UInt64?
    /// TLS records that failed.
    public var recordErrors: UInt64?
    /// A device's connection: PINGs answered.
    public var pings: UInt64?
    /// A device's connection: the last PING's round trip, microseconds;
    /// nil until one was answered.
    public var pingRTT: UInt32?
    /// A device's connection: the smoothed PING round trip, microseconds.
    public var pingSRTT: UInt32?

    public init(slot: UInt32? = nil, generation: UInt32? = nil, peer: String? = nil, identity: String? = nil,
                protection: DSTProtection = .plaintext, readOnly: Bool = false, records: UInt64? = nil,
                recordErrors: UInt64? = nil, pings: UInt64? = nil, pingRTT: UInt32? = nil, pingSRTT: UInt32? = nil) {
        self.slot = slot
        self.generation = generation
        self.peer = peer
        self.identity = identity
        self.protection = protection
        self.readOnly = readOnly
        self.records = records
        self.recordErrors = recordErrors
        self.pings = pings
        self.pingRTT = pingRTT
        self.pingSRTT = pingSRTT
    }

    init(_ c: DSTConn) {
        self.init(slot: c.slot, generation: c.generation, peer: c.peer, identity: c.identity,
                  protection: DSTProtection(version: c.tlsVersion, cipher: c.tlsCipher), readOnly: c.readOnly,
                  records: c.records, recordErrors: c.recordErrors, pings: c.pings, pingRTT: c.pingRttUs,
                  pingSRTT: c.pingSrttUs)
    }
}

/// What a device has done since it was added (dev-get stat-*).
public struct DSTDeviceCounters: Equatable, Sendable {
    /// Counter names as sysfs and `status --json` spell them, in the order
    /// status shows them.
    public static let names = ["reads", "writes", "flushes", "discards", "write_zeroes", "read_bytes", "write_bytes",
                               "errors", "csum_errors", "protocol_errors", "reconnects", "resends", "timeouts",
                               "rekeys", "tls_errors"]

    /// The values, in `names` order.
    public var values: [UInt64]

    public init(values: [UInt64]) { self.values = values }

    /// The counters of a dev-get reply; nil unless it carries them all.
    init?(reply r: DSTDevGetReply) {
        let all = [r.statReads, r.statWrites, r.statFlushes, r.statDiscards, r.statWriteZeroes, r.statReadBytes,
                   r.statWriteBytes, r.statErrors, r.statCsumErrors, r.statProtocolErrors, r.statReconnects,
                   r.statResends, r.statTimeouts, r.statRekeys, r.statTlsErrors]
        let present = all.compactMap { $0 }
        guard present.count == all.count else { return nil }
        values = present
    }

    public subscript(name: String) -> UInt64? {
        Self.names.firstIndex(of: name).flatMap { $0 < values.count ? values[$0] : nil }
    }

    /// (name, value) pairs in `names` order.
    public var named: [(String, UInt64)] { Array(zip(Self.names, values)) }
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
    /// Connections the device is meant to have (add-device --connections).
    public var connCount: UInt32?
    public var inflight: UInt32?
    public var lastError: String?
    /// Only for callers with CAP_SYS_ADMIN.
    public var session: DSTSession?
    /// Generation of the device's newest connection; only for callers
    /// with CAP_SYS_ADMIN.
    public var generation: UInt32?
    /// Bumped each time the device's connections are replaced; a
    /// transaction's tag carries the epoch it was sent in.
    public var epoch: UInt32?
    public var policy = DSTDevicePolicy()
    /// Milliseconds since the device lost its last connection; 0 while connected.
    public var downTime: UInt64?
    public var counters: DSTDeviceCounters?
    /// Its TLS identity; nil without TLS.
    public var identity: String?
    /// Its TLS credentials, for a reconnect; only for callers with CAP_SYS_ADMIN.
    public var tls: DSTDeviceTLS?
    public var rekeyRecords: UInt32?
    /// A connection waits for its replacement (a rekey).
    public var rekeyDue = false
    /// The live connections.
    public var connectionInfo: [DSTConnectionInfo] = []

    /// What protects the newest live connection; nil without any.
    public var protection: DSTProtection? {
        connectionInfo.max { ($0.generation ?? 0) < ($1.generation ?? 0) }?.protection
    }

    public var name: String { "dst\(index)" }

    /// The state's spec name, or "unknown(N)" for a value newer than us.
    public var stateName: String? { DSTDevState.name(state, raw: stateRaw) }

    /// Connections the device is meant to have: 1 unless the kernel says more.
    public var wantedConnections: UInt32 { Swift.max(connCount ?? 1, 1) }

    /// Connected, but with fewer live connections than it is meant to have:
    /// dstd opens them all again, as a new generation.
    public var isShort: Bool {
        DSTDevState.isShort(state, connections: connections, connCount: connCount)
    }

    /// Needs a new generation of connections while connected: short of
    /// connections, or due for a rekey.
    public var needsNewGeneration: Bool { state == .connected && (isShort || rekeyDue) }

    public init(index: UInt32) { self.index = index }

    /// The device of a dev-get reply; nil without a device index.
    init?(reply r: DSTDevGetReply) {
        guard let index = r.devIndex else { return nil }
        self.index = index
        stateRaw = r.state
        state = r.state.flatMap(DSTDevState.init(rawValue:))
        size = r.size
        logicalBs = r.logicalBs
        physicalBs = r.physicalBs
        maxXfer = r.maxXfer
        features = r.features.map(DSTFeatures.init(rawValue:))
        csum = r.csum.flatMap(DSTChecksum.init(rawValue:))
        uuid = r.uuid.flatMap(DSTUUID.init(bytes:))
        exportName = r.exportName
        remote = r.remote
        connections = r.connections
        connCount = r.connCount
        inflight = r.inflight
        lastError = r.lastError
        session = r.session.flatMap(DSTSession.init(bytes:))
        generation = r.generation
        epoch = r.epoch
        policy = DSTDevicePolicy(
            ioTimeout: r.ioTimeout.map(DSTMillis.init), pingInterval: r.pingInterval.map(DSTMillis.init),
            reconnectDelay: r.reconnectDelay.map(DSTMillis.init),
            reconnectDelayMax: r.reconnectDelayMax.map(DSTMillis.init),
            reconnectGiveUp: r.reconnectGiveUp.map(DSTMillis.init))
        downTime = r.downTime
        counters = DSTDeviceCounters(reply: r)
        identity = r.identity
        tls = DSTDeviceTLS(reply: r)
        rekeyRecords = r.rekeyRecords
        rekeyDue = r.rekeyDue
        connectionInfo = r.conn.map(DSTConnectionInfo.init)
    }
}

extension DSTDevState {
    /// Connected with fewer live connections than `connCount`. A kernel that
    /// reports neither count has no short devices.
    static func isShort(_ state: DSTDevState?, connections: UInt32?, connCount: UInt32?) -> Bool {
        guard state == .connected, let live = connections else { return false }
        return live < Swift.max(connCount ?? 1, 1)
    }

    /// The spec name of `state`, "unknown(N)" for a value newer than us,
    /// nil when absent.
    static func name(_ state: DSTDevState?, raw: UInt32?) -> String? {
        if let state { return state.specName }
        return raw.map { "unknown(\($0))" }
    }
}

/// The requests that carry a device's policy.
protocol DSTPolicyRequest {
    var ioTimeout: UInt32? { get set }
    var pingInterval: UInt32? { get set }
    var reconnectDelay: UInt32? { get set }
    var reconnectDelayMax: UInt32? { get set }
    var reconnectGiveUp: UInt32? { get set }
}

extension DSTPolicyRequest {
    /// The policy's values; nil ones are not sent.
    var policy: DSTDevicePolicy {
        get {
            DSTDevicePolicy(ioTimeout: ioTimeout.map(DSTMillis.init), pingInterval: pingInterval.map(DSTMillis.init),
                            reconnectDelay: reconnectDelay.map(DSTMillis.init),
                            reconnectDelayMax: reconnectDelayMax.map(DSTMillis.init),
                            reconnectGiveUp: reconnectGiveUp.map(DSTMillis.init))
        }
        set {
            ioTimeout = newValue.ioTimeout?.value
            pingInterval = newValue.pingInterval?.value
            reconnectDelay = newValue.reconnectDelay?.value
            reconnectDelayMax = newValue.reconnectDelayMax?.value
            reconnectGiveUp = newValue.reconnectGiveUp?.value
        }
    }
}

extension DSTDevAddRequest: DSTPolicyRequest {}
extension DSTDevSetRequest: DSTPolicyRequest {}
