// Do not edit directly, auto-generated from Documentation/spec/dst.yaml by Tools/nlgen

/// One connection of a client device or of an export, nested in the conn attribute of dev-get and
/// export-get replies.
///
/// Nested in DSTAttr.conn.
public struct DSTConn: Equatable, Sendable {
    /// Connection slot of a device, 0..dev-conns-max-1.
    public var slot: UInt32?
    /// Connection generation (client-hello generation) the connection belongs to.
    public var generation: UInt32?
    /// Address of the other end, as ADDR:PORT.
    public var peer: String?
    /// TLS identity of the other end: the PSK identity, or the subject name of its certificate;
    /// absent on a plaintext connection.
    public var identity: String?
    /// TLS version as on the wire, e.g. 0x0304 for TLS 1.3; 0 = plaintext.
    public var tlsVersion: UInt32?
    /// Cipher of the connection's TLS records.
    public var tlsCipher: UInt32?
    /// The connection carries no writes.
    public var readOnly: Bool
    /// TLS records sent and received on the connection.
    public var records: UInt64?
    /// TLS records of the connection that failed (not authentic, not decryptable or malformed).
    public var recordErrors: UInt64?
    /// A client connection's PINGs answered. The client sends a PING only when the connection has
    /// been silent for the device's ping interval, so a busy connection answers none.
    public var pings: UInt64?
    /// A client connection's last PING round trip, in microseconds: from the PING's send to its
    /// reply's arrival, including what was queued ahead of it on the socket. Absent until a PING
    /// was answered.
    public var pingRttUs: UInt32?
    /// A client connection's smoothed PING round trip, in microseconds: the first sample, then 7/8
    /// of the last value and 1/8 of each new sample (as TCP's srtt, RFC 6298). Absent until a PING
    /// was answered.
    public var pingSrttUs: UInt32?

    public init(
        slot: UInt32? = nil,
        generation: UInt32? = nil,
        peer: String? = nil,
        identity: String? = nil,
        tlsVersion: UInt32? = nil,
        tlsCipher: UInt32? = nil,
        readOnly: Bool = false,
        records: UInt64? = nil,
        recordErrors: UInt64? = nil,
        pings: UInt64? = nil,
        pingRttUs: UInt32? = nil,
        pingSrttUs: UInt32? = nil
    ) {
        self.slot = slot
        self.generation = generation
        self.peer = peer
        self.identity = identity
        self.tlsVersion = tlsVersion
        self.tlsCipher = tlsCipher
        self.readOnly = readOnly
        self.records = records
        self.recordErrors = recordErrors
        self.pings = pings
        self.pingRttUs = pingRttUs
        self.pingSrttUs = pingSrttUs
    }

    /// The attributes that are set, in the spec's order.
    public var attributes: [(DSTConnAttr, NLValue)] {
        var out: [(DSTConnAttr, NLValue)] = []
        if let slot { out.append((.slot, .u32(slot))) }
        if let generation { out.append((.generation, .u32(generation))) }
        if let peer { out.append((.peer, .string(peer))) }
        if let identity { out.append((.identity, .string(identity))) }
        if let tlsVersion { out.append((.tlsVersion, .u32(tlsVersion))) }
        if let tlsCipher { out.append((.tlsCipher, .u32(tlsCipher))) }
        if readOnly { out.append((.readOnly, .flag)) }
        if let records { out.append((.records, .u64(records))) }
        if let recordErrors { out.append((.recordErrors, .u64(recordErrors))) }
        if let pings { out.append((.pings, .u64(pings))) }
        if let pingRttUs { out.append((.pingRttUs, .u32(pingRttUs))) }
        if let pingSrttUs { out.append((.pingSrttUs, .u32(pingSrttUs))) }
        return out
    }

    /// Decodes a nest's attributes (`NLAttributes(parsing:)` of its payload); absent ones stay nil.
    public init(attributes a: NLAttributes) {
        slot = a.u32(DSTConnAttr.slot)
        generation = a.u32(DSTConnAttr.generation)
        peer = a.string(DSTConnAttr.peer)
        identity = a.string(DSTConnAttr.identity)
        tlsVersion = a.u32(DSTConnAttr.tlsVersion)
        tlsCipher = a.u32(DSTConnAttr.tlsCipher)
        readOnly = a.has(DSTConnAttr.readOnly)
        records = a.u64(DSTConnAttr.records)
        recordErrors = a.u64(DSTConnAttr.recordErrors)
        pings = a.u64(DSTConnAttr.pings)
        pingRttUs = a.u32(DSTConnAttr.pingRttUs)
        pingSrttUs = a.u32(DSTConnAttr.pingSrttUs)
    }
}

/// One identity an export admits, nested in the allow attribute.
///
/// Nested in DSTAttr.allow.
public struct DSTAllow: Equatable, Sendable {
    /// The client's PSK identity, or the CN or the whole subject (RFC 4514) of its certificate.
    public var identity: String?
    /// The identity's PSK key file, which dstd reads; absent for a certificate subject.
    public var keyPath: String?
    /// The identity gets a read-only device; the export refuses its writes.
    public var readOnly: Bool

    public init(
        identity: String? = nil,
        keyPath: String? = nil,
        readOnly: Bool = false
    ) {
        self.identity = identity
        self.keyPath = keyPath
        self.readOnly = readOnly
    }

    /// The attributes that are set, in the spec's order.
    public var attributes: [(DSTAllowAttr, NLValue)] {
        var out: [(DSTAllowAttr, NLValue)] = []
        if let identity { out.append((.identity, .string(identity))) }
        if let keyPath { out.append((.keyPath, .string(keyPath))) }
        if readOnly { out.append((.readOnly, .flag)) }
        return out
    }

    /// Decodes a nest's attributes (`NLAttributes(parsing:)` of its payload); absent ones stay nil.
    public init(attributes a: NLAttributes) {
        identity = a.string(DSTAllowAttr.identity)
        keyPath = a.string(DSTAllowAttr.keyPath)
        readOnly = a.has(DSTAllowAttr.readOnly)
    }
}

/// dev-add request: Create /dev/dstN over a connected, handshaken socket.
public struct DSTDevAddRequest: Equatable, Sendable {
    /// File descriptor of a connected TCP socket in the caller.
    public var sockFd: UInt32?
    /// Size in bytes.
    public var size: UInt64?
    /// Logical block size in bytes, a power of two.
    public var logicalBs: UInt32?
    /// Physical block size in bytes, a power of two.
    public var physicalBs: UInt32?
    /// Largest data transfer of one frame in bytes.
    public var maxXfer: UInt32?
    /// Export features.
    public var features: UInt32?
    /// Checksum in use.
    public var csum: UInt32?
    /// Export UUID, 16 bytes.
    public var uuid: [UInt8]?
    /// Name of an export.
    public var exportName: String?
    /// Server address as the user gave it, for display.
    public var remote: String?
    /// Index N of /dev/dstN.
    public var devIndex: UInt32?
    /// Session id of a client device (client-hello session), 16 bytes; required by dev-add, never
    /// all zeroes. dev-get shows it only to callers with CAP_SYS_ADMIN.
    public var session: [UInt8]?
    /// Connection generation (client-hello generation). dev-get shows it only to callers with
    /// CAP_SYS_ADMIN.
    public var generation: UInt32?
    /// Milliseconds one I/O may take from its submission, whatever holds it up, before it fails
    /// with EIO; a device without a connection for that long fails; timeout-forever: never.
    public var ioTimeout: UInt32?
    /// Milliseconds of silence on a connection before the client sends a PING; 0 turns pings off. A
    /// connection with requests or a PING outstanding that hears nothing for three intervals (at
    /// most the io-timeout) is dropped.
    public var pingInterval: UInt32?
    /// Milliseconds dstd waits before its first reconnect attempt.
    public var reconnectDelay: UInt32?
    /// Largest delay between reconnect attempts, in milliseconds.
    public var reconnectDelayMax: UInt32?
    /// Milliseconds after the connection was lost that dstd stops reconnecting; timeout-forever:
    /// never.
    public var reconnectGiveUp: UInt32?
    /// Connections a device is meant to have: dstctl add-device opens them, dstd opens them all
    /// again (one new generation) when one is lost.
    public var connCount: UInt32?
    /// A client's TLS identity: its PSK identity, or the CN of its certificate. dev-add: the
    /// device's, for status and dstd's reconnects; export-connect: the client's, which the export
    /// must admit.
    public var identity: String?
    /// A client device's PSK key file, or the key of its certificate, which dstd reads to
    /// reconnect; with cert-path, an export's certificate key. Never the key itself.
    public var keyPath: String?
    /// A certificate file (PEM) of the device or the export.
    public var certPath: String?
    /// The CA file (PEM) that signs the peer's certificates.
    public var caPath: String?
    /// The DNS name a client device expects in the server's certificate.
    public var serverName: String?
    /// TLS records one of a device's connections may carry before the kernel asks dstd for a new
    /// connection (rekey-due). Either side drops a connection at 2^24 records, whatever this says.
    public var rekeyRecords: UInt32?
    /// Smallest preferred I/O in bytes (server-limits io-min).
    public var ioMin: UInt32?
    /// Optimal I/O in bytes, 0 for none (server-limits io-opt).
    public var ioOpt: UInt32?
    /// Unit of discard in bytes (server-limits discard-granularity).
    public var discardGranularity: UInt32?
    /// Offset of the first whole discard unit in bytes (server-limits discard-alignment).
    public var discardAlignment: UInt32?

    public init(
        sockFd: UInt32? = nil,
        size: UInt64? = nil,
        logicalBs: UInt32? = nil,
        physicalBs: UInt32? = nil,
        maxXfer: UInt32? = nil,
        features: UInt32? = nil,
        csum: UInt32? = nil,
        uuid: [UInt8]? = nil,
        exportName: String? = nil,
        remote: String? = nil,
        devIndex: UInt32? = nil,
        session: [UInt8]? = nil,
        generation: UInt32? = nil,
        ioTimeout: UInt32? = nil,
        pingInterval: UInt32? = nil,
        reconnectDelay: UInt32? = nil,
        reconnectDelayMax: UInt32? = nil,
        reconnectGiveUp: UInt32? = nil,
        connCount: UInt32? = nil,
        identity: String? = nil,
        keyPath: String? = nil,
        certPath: String? = nil,
        caPath: String? = nil,
        serverName: String? = nil,
        rekeyRecords: UInt32? = nil,
        ioMin: UInt32? = nil,
        ioOpt: UInt32? = nil,
        discardGranularity: UInt32? = nil,
        discardAlignment: UInt32? = nil
    ) {
        self.sockFd = sockFd
        self.size = size
        self.logicalBs = logicalBs
        self.physicalBs = physicalBs
        self.maxXfer = maxXfer
        self.features = features
        self.csum = csum
        self.uuid = uuid
        self.exportName = exportName
        self.remote = remote
        self.devIndex = devIndex
        self.session = session
        self.generation = generation
        self.ioTimeout = ioTimeout
        self.pingInterval = pingInterval
        self.reconnectDelay = reconnectDelay
        self.reconnectDelayMax = reconnectDelayMax
        self.reconnectGiveUp = reconnectGiveUp
        self.connCount = connCount
        self.identity = identity
        self.keyPath = keyPath
        self.certPath = certPath
        self.caPath = caPath
        self.serverName = serverName
        self.rekeyRecords = rekeyRecords
        self.ioMin = ioMin
        self.ioOpt = ioOpt
        self.discardGranularity = discardGranularity
        self.discardAlignment = discardAlignment
    }

    /// The attributes that are set, in the spec's order.
    public var attributes: [(DSTAttr, NLValue)] {
        var out: [(DSTAttr, NLValue)] = []
        if let sockFd { out.append((.sockFd, .u32(sockFd))) }
        if let size { out.append((.size, .u64(size))) }
        if let logicalBs { out.append((.logicalBs, .u32(logicalBs))) }
        if let physicalBs { out.append((.physicalBs, .u32(physicalBs))) }
        if let maxXfer { out.append((.maxXfer, .u32(maxXfer))) }
        if let features { out.append((.features, .u32(features))) }
        if let csum { out.append((.csum, .u32(csum))) }
        if let uuid { out.append((.uuid, .binary(uuid))) }
        if let exportName { out.append((.exportName, .string(exportName))) }
        if let remote { out.append((.remote, .string(remote))) }
        if let devIndex { out.append((.devIndex, .u32(devIndex))) }
        if let session { out.append((.session, .binary(session))) }
        if let generation { out.append((.generation, .u32(generation))) }
        if let ioTimeout { out.append((.ioTimeout, .u32(ioTimeout))) }
        if let pingInterval { out.append((.pingInterval, .u32(pingInterval))) }
        if let reconnectDelay { out.append((.reconnectDelay, .u32(reconnectDelay))) }
        if let reconnectDelayMax { out.append((.reconnectDelayMax, .u32(reconnectDelayMax))) }
        if let reconnectGiveUp { out.append((.reconnectGiveUp, .u32(reconnectGiveUp))) }
        if let connCount { out.append((.connCount, .u32(connCount))) }
        if let identity { out.append((.identity, .string(identity))) }
        if let keyPath { out.append((.keyPath, .string(keyPath))) }
        if let certPath { out.append((.certPath, .string(certPath))) }
        if let caPath { out.append((.caPath, .string(caPath))) }
        if let serverName { out.append((.serverName, .string(serverName))) }
        if let rekeyRecords { out.append((.rekeyRecords, .u32(rekeyRecords))) }
        if let ioMin { out.append((.ioMin, .u32(ioMin))) }
        if let ioOpt { out.append((.ioOpt, .u32(ioOpt))) }
        if let discardGranularity { out.append((.discardGranularity, .u32(discardGranularity))) }
        if let discardAlignment { out.append((.discardAlignment, .u32(discardAlignment))) }
        return out
    }
}

/// dev-add reply: Create /dev/dstN over a connected, handshaken socket.
public struct DSTDevAddReply: Equatable, Sendable {
    /// Index N of /dev/dstN.
    public var devIndex: UInt32?

    public init(
        devIndex: UInt32? = nil
    ) {
        self.devIndex = devIndex
    }

    /// Decodes what `message` carries; absent attributes stay nil.
    public init(message m: NLMessage) {
        devIndex = m.u32(.devIndex)
    }
}

/// dev-del request: Remove a device in any state; its queued and new I/O fails with EIO. Refused
/// while mounted or claimed, unless force is given.
public struct DSTDevDelRequest: Equatable, Sendable {
    /// Index N of /dev/dstN.
    public var devIndex: UInt32?
    /// dev-del also removes a mounted or claimed device.
    public var force: Bool

    public init(
        devIndex: UInt32? = nil,
        force: Bool = false
    ) {
        self.devIndex = devIndex
        self.force = force
    }

    /// The attributes that are set, in the spec's order.
    public var attributes: [(DSTAttr, NLValue)] {
        var out: [(DSTAttr, NLValue)] = []
        if let devIndex { out.append((.devIndex, .u32(devIndex))) }
        if force { out.append((.force, .flag)) }
        return out
    }
}

/// dev-get request: Get one device, or dump all devices.
public struct DSTDevGetRequest: Equatable, Sendable {
    /// Index N of /dev/dstN.
    public var devIndex: UInt32?

    public init(
        devIndex: UInt32? = nil
    ) {
        self.devIndex = devIndex
    }

    /// The attributes that are set, in the spec's order.
    public var attributes: [(DSTAttr, NLValue)] {
        var out: [(DSTAttr, NLValue)] = []
        if let devIndex { out.append((.devIndex, .u32(devIndex))) }
        return out
    }
}

/// dev-get reply: Get one device, or dump all devices.
public struct DSTDevGetReply: Equatable, Sendable {
    /// Index N of /dev/dstN.
    public var devIndex: UInt32?
    /// Device state.
    public var state: UInt32?
    /// Size in bytes.
    public var size: UInt64?
    /// Logical block size in bytes, a power of two.
    public var logicalBs: UInt32?
    /// Physical block size in bytes, a power of two.
    public var physicalBs: UInt32?
    /// Largest data transfer of one frame in bytes.
    public var maxXfer: UInt32?
    /// Export features.
    public var features: UInt32?
    /// Checksum in use.
    public var csum: UInt32?
    /// Export UUID, 16 bytes.
    public var uuid: [UInt8]?
    /// Name of an export.
    public var exportName: String?
    /// Server address as the user gave it, for display.
    public var remote: String?
    /// Live connections of a device.
    public var connections: UInt32?
    /// Transactions of a device not yet completed.
    public var inflight: UInt32?
    /// Why the device last left the connected state.
    public var lastError: String?
    /// Session id of a client device (client-hello session), 16 bytes; required by dev-add, never
    /// all zeroes. dev-get shows it only to callers with CAP_SYS_ADMIN.
    public var session: [UInt8]?
    /// Connection generation (client-hello generation). dev-get shows it only to callers with
    /// CAP_SYS_ADMIN.
    public var generation: UInt32?
    /// Milliseconds one I/O may take from its submission, whatever holds it up, before it fails
    /// with EIO; a device without a connection for that long fails; timeout-forever: never.
    public var ioTimeout: UInt32?
    /// Milliseconds of silence on a connection before the client sends a PING; 0 turns pings off. A
    /// connection with requests or a PING outstanding that hears nothing for three intervals (at
    /// most the io-timeout) is dropped.
    public var pingInterval: UInt32?
    /// Milliseconds dstd waits before its first reconnect attempt.
    public var reconnectDelay: UInt32?
    /// Largest delay between reconnect attempts, in milliseconds.
    public var reconnectDelayMax: UInt32?
    /// Milliseconds after the connection was lost that dstd stops reconnecting; timeout-forever:
    /// never.
    public var reconnectGiveUp: UInt32?
    /// Milliseconds since the device lost its last connection; 0 while connected.
    public var downTime: UInt64?
    /// Connections a device is meant to have: dstctl add-device opens them, dstd opens them all
    /// again (one new generation) when one is lost.
    public var connCount: UInt32?
    /// Last connection epoch handed out (the high half of its tags).
    public var epoch: UInt32?
    /// READs completed without error.
    public var statReads: UInt64?
    /// WRITEs completed without error.
    public var statWrites: UInt64?
    /// FLUSHes completed without error.
    public var statFlushes: UInt64?
    /// DISCARDs completed without error.
    public var statDiscards: UInt64?
    /// WRITE_ZEROES completed without error.
    public var statWriteZeroes: UInt64?
    /// Bytes of those READs.
    public var statReadBytes: UInt64?
    /// Bytes of those WRITEs.
    public var statWriteBytes: UInt64?
    /// I/Os completed with an error.
    public var statErrors: UInt64?
    /// Replies whose header or data checksum did not match, and writes answered bad-data-csum.
    public var statCsumErrors: UInt64?
    /// Malformed or unexpected replies (each dropped its connection).
    public var statProtocolErrors: UInt64?
    /// Connection generations handed in after the first.
    public var statReconnects: UInt64?
    /// I/Os put on a wire again.
    public var statResends: UInt64?
    /// I/Os that reached the I/O timeout.
    public var statTimeouts: UInt64?
    /// One connection of the device or the export (dev-get, export-get).
    public var conn: [DSTConn]
    /// A client's TLS identity: its PSK identity, or the CN of its certificate. dev-add: the
    /// device's, for status and dstd's reconnects; export-connect: the client's, which the export
    /// must admit.
    public var identity: String?
    /// A client device's PSK key file, or the key of its certificate, which dstd reads to
    /// reconnect; with cert-path, an export's certificate key. Never the key itself.
    public var keyPath: String?
    /// A certificate file (PEM) of the device or the export.
    public var certPath: String?
    /// The CA file (PEM) that signs the peer's certificates.
    public var caPath: String?
    /// The DNS name a client device expects in the server's certificate.
    public var serverName: String?
    /// TLS records one of a device's connections may carry before the kernel asks dstd for a new
    /// connection (rekey-due). Either side drops a connection at 2^24 records, whatever this says.
    public var rekeyRecords: UInt32?
    /// A connection of the device waits for its replacement (a rekey).
    public var rekeyDue: Bool
    /// Connections replaced because their TLS keys carried rekey-records.
    public var statRekeys: UInt64?
    /// TLS records from the server that failed authentication, and TLS alerts and handshake
    /// messages from it.
    public var statTlsErrors: UInt64?
    /// Smallest preferred I/O in bytes (server-limits io-min).
    public var ioMin: UInt32?
    /// Optimal I/O in bytes, 0 for none (server-limits io-opt).
    public var ioOpt: UInt32?
    /// Unit of discard in bytes (server-limits discard-granularity).
    public var discardGranularity: UInt32?
    /// Offset of the first whole discard unit in bytes (server-limits discard-alignment).
    public var discardAlignment: UInt32?

    public init(
        devIndex: UInt32? = nil,
        state: UInt32? = nil,
        size: UInt64? = nil,
        logicalBs: UInt32? = nil,
        physicalBs: UInt32? = nil,
        maxXfer: UInt32? = nil,
        features: UInt32? = nil,
        csum: UInt32? = nil,
        uuid: [UInt8]? = nil,
        exportName: String? = nil,
        remote: String? = nil,
        connections: UInt32? = nil,
        inflight: UInt32? = nil,
        lastError: String? = nil,
        session: [UInt8]? = nil,
        generation: UInt32? = nil,
        ioTimeout: UInt32? = nil,
        pingInterval: UInt32? = nil,
        reconnectDelay: UInt32? = nil,
        reconnectDelayMax: UInt32? = nil,
        reconnectGiveUp: UInt32? = nil,
        downTime: UInt64? = nil,
        connCount: UInt32? = nil,
        epoch: UInt32? = nil,
        statReads: UInt64? = nil,
        statWrites: UInt64? = nil,
        statFlushes: UInt64? = nil,
        statDiscards: UInt64? = nil,
        statWriteZeroes: UInt64? = nil,
        statReadBytes: UInt64? = nil,
        statWriteBytes: UInt64? = nil,
        statErrors: UInt64? = nil,
        statCsumErrors: UInt64? = nil,
        statProtocolErrors: UInt64? = nil,
        statReconnects: UInt64? = nil,
        statResends: UInt64? = nil,
        statTimeouts: UInt64? = nil,
        conn: [DSTConn] = [],
        identity: String? = nil,
        keyPath: String? = nil,
        certPath: String? = nil,
        caPath: String? = nil,
        serverName: String? = nil,
        rekeyRecords: UInt32? = nil,
        rekeyDue: Bool = false,
        statRekeys: UInt64? = nil,
        statTlsErrors: UInt64? = nil,
        ioMin: UInt32? = nil,
        ioOpt: UInt32? = nil,
        discardGranularity: UInt32? = nil,
        discardAlignment: UInt32? = nil
    ) {
        self.devIndex = devIndex
        self.state = state
        self.size = size
        self.logicalBs = logicalBs
        self.physicalBs = physicalBs
        self.maxXfer = maxXfer
        self.features = features
        self.csum = csum
        self.uuid = uuid
        self.exportName = exportName
        self.remote = remote
        self.connections = connections
        self.inflight = inflight
        self.lastError = lastError
        self.session = session
        self.generation = generation
        self.ioTimeout = ioTimeout
        self.pingInterval = pingInterval
        self.reconnectDelay = reconnectDelay
        self.reconnectDelayMax = reconnectDelayMax
        self.reconnectGiveUp = reconnectGiveUp
        self.downTime = downTime
        self.connCount = connCount
        self.epoch = epoch
        self.statReads = statReads
        self.statWrites = statWrites
        self.statFlushes = statFlushes
        self.statDiscards = statDiscards
        self.statWriteZeroes = statWriteZeroes
        self.statReadBytes = statReadBytes
        self.statWriteBytes = statWriteBytes
        self.statErrors = statErrors
        self.statCsumErrors = statCsumErrors
        self.statProtocolErrors = statProtocolErrors
        self.statReconnects = statReconnects
        self.statResends = statResends
        self.statTimeouts = statTimeouts
        self.conn = conn
        self.identity = identity
        self.keyPath = keyPath
        self.certPath = certPath
        self.caPath = caPath
        self.serverName = serverName
        self.rekeyRecords = rekeyRecords
        self.rekeyDue = rekeyDue
        self.statRekeys = statRekeys
        self.statTlsErrors = statTlsErrors
        self.ioMin = ioMin
        self.ioOpt = ioOpt
        self.discardGranularity = discardGranularity
        self.discardAlignment = discardAlignment
    }

    /// Decodes what `message` carries; absent attributes stay nil (repeated ones empty).
    public init(message m: NLMessage) {
        devIndex = m.u32(.devIndex)
        state = m.u32(.state)
        size = m.u64(.size)
        logicalBs = m.u32(.logicalBs)
        physicalBs = m.u32(.physicalBs)
        maxXfer = m.u32(.maxXfer)
        features = m.u32(.features)
        csum = m.u32(.csum)
        uuid = m.binary(.uuid)
        exportName = m.string(.exportName)
        remote = m.string(.remote)
        connections = m.u32(.connections)
        inflight = m.u32(.inflight)
        lastError = m.string(.lastError)
        session = m.binary(.session)
        generation = m.u32(.generation)
        ioTimeout = m.u32(.ioTimeout)
        pingInterval = m.u32(.pingInterval)
        reconnectDelay = m.u32(.reconnectDelay)
        reconnectDelayMax = m.u32(.reconnectDelayMax)
        reconnectGiveUp = m.u32(.reconnectGiveUp)
        downTime = m.u64(.downTime)
        connCount = m.u32(.connCount)
        epoch = m.u32(.epoch)
        statReads = m.u64(.statReads)
        statWrites = m.u64(.statWrites)
        statFlushes = m.u64(.statFlushes)
        statDiscards = m.u64(.statDiscards)
        statWriteZeroes = m.u64(.statWriteZeroes)
        statReadBytes = m.u64(.statReadBytes)
        statWriteBytes = m.u64(.statWriteBytes)
        statErrors = m.u64(.statErrors)
        statCsumErrors = m.u64(.statCsumErrors)
        statProtocolErrors = m.u64(.statProtocolErrors)
        statReconnects = m.u64(.statReconnects)
        statResends = m.u64(.statResends)
        statTimeouts = m.u64(.statTimeouts)
        conn = m.nests(.conn).map(DSTConn.init(attributes:))
        identity = m.string(.identity)
        keyPath = m.string(.keyPath)
        certPath = m.string(.certPath)
        caPath = m.string(.caPath)
        serverName = m.string(.serverName)
        rekeyRecords = m.u32(.rekeyRecords)
        rekeyDue = m.has(.rekeyDue)
        statRekeys = m.u64(.statRekeys)
        statTlsErrors = m.u64(.statTlsErrors)
        ioMin = m.u32(.ioMin)
        ioOpt = m.u32(.ioOpt)
        discardGranularity = m.u32(.discardGranularity)
        discardAlignment = m.u32(.discardAlignment)
    }
}

/// dev-connect request: Hand a connected, handshaken socket to an existing device. A newer
/// generation than the device's replaces every older connection; an older one is refused.
public struct DSTDevConnectRequest: Equatable, Sendable {
    /// Index N of /dev/dstN.
    public var devIndex: UInt32?
    /// File descriptor of a connected TCP socket in the caller.
    public var sockFd: UInt32?
    /// Connection generation (client-hello generation). dev-get shows it only to callers with
    /// CAP_SYS_ADMIN.
    public var generation: UInt32?
    /// Size in bytes.
    public var size: UInt64?

    public init(
        devIndex: UInt32? = nil,
        sockFd: UInt32? = nil,
        generation: UInt32? = nil,
        size: UInt64? = nil
    ) {
        self.devIndex = devIndex
        self.sockFd = sockFd
        self.generation = generation
        self.size = size
    }

    /// The attributes that are set, in the spec's order.
    public var attributes: [(DSTAttr, NLValue)] {
        var out: [(DSTAttr, NLValue)] = []
        if let devIndex { out.append((.devIndex, .u32(devIndex))) }
        if let sockFd { out.append((.sockFd, .u32(sockFd))) }
        if let generation { out.append((.generation, .u32(generation))) }
        if let size { out.append((.size, .u64(size))) }
        return out
    }
}

/// export-add request: Export a block device or file, opened by the caller.
public struct DSTExportAddRequest: Equatable, Sendable {
    /// Name of an export.
    public var exportName: String?
    /// File descriptor of the export's backing block device or file.
    public var backingFd: UInt32?
    /// Path of the backing store, for display.
    public var backingPath: String?
    /// export-add: the export refuses writes; export-connect: this connection's writes are refused
    /// (a read-only identity).
    public var readOnly: Bool
    /// Address dstd listens on for this export, as ADDR:PORT.
    public var listen: String?
    /// Export UUID, 16 bytes.
    public var uuid: [UInt8]?
    /// The export takes TLS connections only (it was created with credentials); without it, it is
    /// insecure and takes plaintext ones.
    public var tlsRequired: Bool
    /// One identity an export admits (export-add, export-set, export-get). An export with TLS
    /// admits only those it lists.
    public var allow: [DSTAllow]
    /// One address prefix an export takes clients from (cidr-len bytes, see there); an export that
    /// lists none takes them from anywhere.
    public var allowFrom: [[UInt8]]
    /// A certificate file (PEM) of the device or the export.
    public var certPath: String?
    /// A client device's PSK key file, or the key of its certificate, which dstd reads to
    /// reconnect; with cert-path, an export's certificate key. Never the key itself.
    public var keyPath: String?
    /// The CA file (PEM) that signs the peer's certificates.
    public var caPath: String?

    public init(
        exportName: String? = nil,
        backingFd: UInt32? = nil,
        backingPath: String? = nil,
        readOnly: Bool = false,
        listen: String? = nil,
        uuid: [UInt8]? = nil,
        tlsRequired: Bool = false,
        allow: [DSTAllow] = [],
        allowFrom: [[UInt8]] = [],
        certPath: String? = nil,
        keyPath: String? = nil,
        caPath: String? = nil
    ) {
        self.exportName = exportName
        self.backingFd = backingFd
        self.backingPath = backingPath
        self.readOnly = readOnly
        self.listen = listen
        self.uuid = uuid
        self.tlsRequired = tlsRequired
        self.allow = allow
        self.allowFrom = allowFrom
        self.certPath = certPath
        self.keyPath = keyPath
        self.caPath = caPath
    }

    /// The attributes that are set, in the spec's order.
    public var attributes: [(DSTAttr, NLValue)] {
        var out: [(DSTAttr, NLValue)] = []
        if let exportName { out.append((.exportName, .string(exportName))) }
        if let backingFd { out.append((.backingFd, .u32(backingFd))) }
        if let backingPath { out.append((.backingPath, .string(backingPath))) }
        if readOnly { out.append((.readOnly, .flag)) }
        if let listen { out.append((.listen, .string(listen))) }
        if let uuid { out.append((.uuid, .binary(uuid))) }
        if tlsRequired { out.append((.tlsRequired, .flag)) }
        for allow in self.allow { out.append((.allow, .nesting(allow.attributes))) }
        for allowFrom in self.allowFrom { out.append((.allowFrom, .binary(allowFrom))) }
        if let certPath { out.append((.certPath, .string(certPath))) }
        if let keyPath { out.append((.keyPath, .string(keyPath))) }
        if let caPath { out.append((.caPath, .string(caPath))) }
        return out
    }
}

/// export-del request: Remove an export; its clients are disconnected.
public struct DSTExportDelRequest: Equatable, Sendable {
    /// Name of an export.
    public var exportName: String?

    public init(
        exportName: String? = nil
    ) {
        self.exportName = exportName
    }

    /// The attributes that are set, in the spec's order.
    public var attributes: [(DSTAttr, NLValue)] {
        var out: [(DSTAttr, NLValue)] = []
        if let exportName { out.append((.exportName, .string(exportName))) }
        return out
    }
}

/// export-get request: Get one export, or dump the exports of the caller's netns.
public struct DSTExportGetRequest: Equatable, Sendable {
    /// Name of an export.
    public var exportName: String?

    public init(
        exportName: String? = nil
    ) {
        self.exportName = exportName
    }

    /// The attributes that are set, in the spec's order.
    public var attributes: [(DSTAttr, NLValue)] {
        var out: [(DSTAttr, NLValue)] = []
        if let exportName { out.append((.exportName, .string(exportName))) }
        return out
    }
}

/// export-get reply: Get one export, or dump the exports of the caller's netns.
public struct DSTExportGetReply: Equatable, Sendable {
    /// Name of an export.
    public var exportName: String?
    /// Size in bytes.
    public var size: UInt64?
    /// Logical block size in bytes, a power of two.
    public var logicalBs: UInt32?
    /// Physical block size in bytes, a power of two.
    public var physicalBs: UInt32?
    /// Largest data transfer of one frame in bytes.
    public var maxXfer: UInt32?
    /// Export features.
    public var features: UInt32?
    /// Export UUID, 16 bytes.
    public var uuid: [UInt8]?
    /// Address dstd listens on for this export, as ADDR:PORT.
    public var listen: String?
    /// Path of the backing store, for display.
    public var backingPath: String?
    /// Connected clients of an export.
    public var clients: UInt32?
    /// State of an export.
    public var exportState: UInt32?
    /// Bytes of request data an export's connections hold now: payloads received, read data not yet
    /// sent, and freed blocks kept for reuse.
    public var dataBytes: UInt64?
    /// One connection of the device or the export (dev-get, export-get).
    public var conn: [DSTConn]
    /// The export takes TLS connections only (it was created with credentials); without it, it is
    /// insecure and takes plaintext ones.
    public var tlsRequired: Bool
    /// One identity an export admits (export-add, export-set, export-get). An export with TLS
    /// admits only those it lists.
    public var allow: [DSTAllow]
    /// One address prefix an export takes clients from (cidr-len bytes, see there); an export that
    /// lists none takes them from anywhere.
    public var allowFrom: [[UInt8]]
    /// A certificate file (PEM) of the device or the export.
    public var certPath: String?
    /// A client device's PSK key file, or the key of its certificate, which dstd reads to
    /// reconnect; with cert-path, an export's certificate key. Never the key itself.
    public var keyPath: String?
    /// The CA file (PEM) that signs the peer's certificates.
    public var caPath: String?
    /// Smallest preferred I/O in bytes (server-limits io-min).
    public var ioMin: UInt32?
    /// Optimal I/O in bytes, 0 for none (server-limits io-opt).
    public var ioOpt: UInt32?
    /// Unit of discard in bytes (server-limits discard-granularity).
    public var discardGranularity: UInt32?
    /// Offset of the first whole discard unit in bytes (server-limits discard-alignment).
    public var discardAlignment: UInt32?

    public init(
        exportName: String? = nil,
        size: UInt64? = nil,
        logicalBs: UInt32? = nil,
        physicalBs: UInt32? = nil,
        maxXfer: UInt32? = nil,
        features: UInt32? = nil,
        uuid: [UInt8]? = nil,
        listen: String? = nil,
        backingPath: String? = nil,
        clients: UInt32? = nil,
        exportState: UInt32? = nil,
        dataBytes: UInt64? = nil,
        conn: [DSTConn] = [],
        tlsRequired: Bool = false,
        allow: [DSTAllow] = [],
        allowFrom: [[UInt8]] = [],
        certPath: String? = nil,
        keyPath: String? = nil,
        caPath: String? = nil,
        ioMin: UInt32? = nil,
        ioOpt: UInt32? = nil,
        discardGranularity: UInt32? = nil,
        discardAlignment: UInt32? = nil
    ) {
        self.exportName = exportName
        self.size = size
        self.logicalBs = logicalBs
        self.physicalBs = physicalBs
        self.maxXfer = maxXfer
        self.features = features
        self.uuid = uuid
        self.listen = listen
        self.backingPath = backingPath
        self.clients = clients
        self.exportState = exportState
        self.dataBytes = dataBytes
        self.conn = conn
        self.tlsRequired = tlsRequired
        self.allow = allow
        self.allowFrom = allowFrom
        self.certPath = certPath
        self.keyPath = keyPath
        self.caPath = caPath
        self.ioMin = ioMin
        self.ioOpt = ioOpt
        self.discardGranularity = discardGranularity
        self.discardAlignment = discardAlignment
    }

    /// Decodes what `message` carries; absent attributes stay nil (repeated ones empty).
    public init(message m: NLMessage) {
        exportName = m.string(.exportName)
        size = m.u64(.size)
        logicalBs = m.u32(.logicalBs)
        physicalBs = m.u32(.physicalBs)
        maxXfer = m.u32(.maxXfer)
        features = m.u32(.features)
        uuid = m.binary(.uuid)
        listen = m.string(.listen)
        backingPath = m.string(.backingPath)
        clients = m.u32(.clients)
        exportState = m.u32(.exportState)
        dataBytes = m.u64(.dataBytes)
        conn = m.nests(.conn).map(DSTConn.init(attributes:))
        tlsRequired = m.has(.tlsRequired)
        allow = m.nests(.allow).map(DSTAllow.init(attributes:))
        allowFrom = m.binaries(.allowFrom)
        certPath = m.string(.certPath)
        keyPath = m.string(.keyPath)
        caPath = m.string(.caPath)
        ioMin = m.u32(.ioMin)
        ioOpt = m.u32(.ioOpt)
        discardGranularity = m.u32(.discardGranularity)
        discardAlignment = m.u32(.discardAlignment)
    }
}

/// export-connect request: Hand a client socket, handshaken by the caller, to an export.
public struct DSTExportConnectRequest: Equatable, Sendable {
    /// Name of an export.
    public var exportName: String?
    /// File descriptor of a connected TCP socket in the caller.
    public var sockFd: UInt32?
    /// Checksum in use.
    public var csum: UInt32?
    /// Session id of a client device (client-hello session), 16 bytes; required by dev-add, never
    /// all zeroes. dev-get shows it only to callers with CAP_SYS_ADMIN.
    public var session: [UInt8]?
    /// Connection generation (client-hello generation). dev-get shows it only to callers with
    /// CAP_SYS_ADMIN.
    public var generation: UInt32?
    /// export-connect only checks that the export would take the connection now (state, limits,
    /// generation) and adopts nothing.
    public var check: Bool
    /// A client's TLS identity: its PSK identity, or the CN of its certificate. dev-add: the
    /// device's, for status and dstd's reconnects; export-connect: the client's, which the export
    /// must admit.
    public var identity: String?
    /// export-add: the export refuses writes; export-connect: this connection's writes are refused
    /// (a read-only identity).
    public var readOnly: Bool
    /// Export features.
    public var features: UInt32?
    /// Size in bytes.
    public var size: UInt64?

    public init(
        exportName: String? = nil,
        sockFd: UInt32? = nil,
        csum: UInt32? = nil,
        session: [UInt8]? = nil,
        generation: UInt32? = nil,
        check: Bool = false,
        identity: String? = nil,
        readOnly: Bool = false,
        features: UInt32? = nil,
        size: UInt64? = nil
    ) {
        self.exportName = exportName
        self.sockFd = sockFd
        self.csum = csum
        self.session = session
        self.generation = generation
        self.check = check
        self.identity = identity
        self.readOnly = readOnly
        self.features = features
        self.size = size
    }

    /// The attributes that are set, in the spec's order.
    public var attributes: [(DSTAttr, NLValue)] {
        var out: [(DSTAttr, NLValue)] = []
        if let exportName { out.append((.exportName, .string(exportName))) }
        if let sockFd { out.append((.sockFd, .u32(sockFd))) }
        if let csum { out.append((.csum, .u32(csum))) }
        if let session { out.append((.session, .binary(session))) }
        if let generation { out.append((.generation, .u32(generation))) }
        if check { out.append((.check, .flag)) }
        if let identity { out.append((.identity, .string(identity))) }
        if readOnly { out.append((.readOnly, .flag)) }
        if let features { out.append((.features, .u32(features))) }
        if let size { out.append((.size, .u64(size))) }
        return out
    }
}

/// dev-change-ntf event: A device was added, changed state or was removed.
public struct DSTDevChangeNtfEvent: Equatable, Sendable {
    /// Index N of /dev/dstN.
    public var devIndex: UInt32?
    /// Device state.
    public var state: UInt32?
    /// Why the device last left the connected state.
    public var lastError: String?
    /// Live connections of a device.
    public var connections: UInt32?
    /// Connections a device is meant to have: dstctl add-device opens them, dstd opens them all
    /// again (one new generation) when one is lost.
    public var connCount: UInt32?
    /// A connection of the device waits for its replacement (a rekey).
    public var rekeyDue: Bool

    public init(
        devIndex: UInt32? = nil,
        state: UInt32? = nil,
        lastError: String? = nil,
        connections: UInt32? = nil,
        connCount: UInt32? = nil,
        rekeyDue: Bool = false
    ) {
        self.devIndex = devIndex
        self.state = state
        self.lastError = lastError
        self.connections = connections
        self.connCount = connCount
        self.rekeyDue = rekeyDue
    }

    /// Decodes what `message` carries; absent attributes stay nil.
    public init(message m: NLMessage) {
        devIndex = m.u32(.devIndex)
        state = m.u32(.state)
        lastError = m.string(.lastError)
        connections = m.u32(.connections)
        connCount = m.u32(.connCount)
        rekeyDue = m.has(.rekeyDue)
    }
}

/// export-change-ntf event: An export was added or removed, or a client came, left or was fenced.
public struct DSTExportChangeNtfEvent: Equatable, Sendable {
    /// Name of an export.
    public var exportName: String?
    /// What an export-change-ntf reports.
    public var exportEvent: UInt32?
    /// Connected clients of an export.
    public var clients: UInt32?
    /// Address of a client connection, as ADDR:PORT.
    public var peer: String?
    /// Why the device last left the connected state.
    public var lastError: String?
    /// A client's TLS identity: its PSK identity, or the CN of its certificate. dev-add: the
    /// device's, for status and dstd's reconnects; export-connect: the client's, which the export
    /// must admit.
    public var identity: String?

    public init(
        exportName: String? = nil,
        exportEvent: UInt32? = nil,
        clients: UInt32? = nil,
        peer: String? = nil,
        lastError: String? = nil,
        identity: String? = nil
    ) {
        self.exportName = exportName
        self.exportEvent = exportEvent
        self.clients = clients
        self.peer = peer
        self.lastError = lastError
        self.identity = identity
    }

    /// Decodes what `message` carries; absent attributes stay nil.
    public init(message m: NLMessage) {
        exportName = m.string(.exportName)
        exportEvent = m.u32(.exportEvent)
        clients = m.u32(.clients)
        peer = m.string(.peer)
        lastError = m.string(.lastError)
        identity = m.string(.identity)
    }
}

/// dev-set request: Change a device's timeouts and reconnect policy, or (dstd) report that it is
/// reconnecting (state) or why a reconnect failed (last-error).
public struct DSTDevSetRequest: Equatable, Sendable {
    /// Index N of /dev/dstN.
    public var devIndex: UInt32?
    /// Milliseconds one I/O may take from its submission, whatever holds it up, before it fails
    /// with EIO; a device without a connection for that long fails; timeout-forever: never.
    public var ioTimeout: UInt32?
    /// Milliseconds of silence on a connection before the client sends a PING; 0 turns pings off. A
    /// connection with requests or a PING outstanding that hears nothing for three intervals (at
    /// most the io-timeout) is dropped.
    public var pingInterval: UInt32?
    /// Milliseconds dstd waits before its first reconnect attempt.
    public var reconnectDelay: UInt32?
    /// Largest delay between reconnect attempts, in milliseconds.
    public var reconnectDelayMax: UInt32?
    /// Milliseconds after the connection was lost that dstd stops reconnecting; timeout-forever:
    /// never.
    public var reconnectGiveUp: UInt32?
    /// Device state.
    public var state: UInt32?
    /// Why the device last left the connected state.
    public var lastError: String?
    /// TLS records one of a device's connections may carry before the kernel asks dstd for a new
    /// connection (rekey-due). Either side drops a connection at 2^24 records, whatever this says.
    public var rekeyRecords: UInt32?

    public init(
        devIndex: UInt32? = nil,
        ioTimeout: UInt32? = nil,
        pingInterval: UInt32? = nil,
        reconnectDelay: UInt32? = nil,
        reconnectDelayMax: UInt32? = nil,
        reconnectGiveUp: UInt32? = nil,
        state: UInt32? = nil,
        lastError: String? = nil,
        rekeyRecords: UInt32? = nil
    ) {
        self.devIndex = devIndex
        self.ioTimeout = ioTimeout
        self.pingInterval = pingInterval
        self.reconnectDelay = reconnectDelay
        self.reconnectDelayMax = reconnectDelayMax
        self.reconnectGiveUp = reconnectGiveUp
        self.state = state
        self.lastError = lastError
        self.rekeyRecords = rekeyRecords
    }

    /// The attributes that are set, in the spec's order.
    public var attributes: [(DSTAttr, NLValue)] {
        var out: [(DSTAttr, NLValue)] = []
        if let devIndex { out.append((.devIndex, .u32(devIndex))) }
        if let ioTimeout { out.append((.ioTimeout, .u32(ioTimeout))) }
        if let pingInterval { out.append((.pingInterval, .u32(pingInterval))) }
        if let reconnectDelay { out.append((.reconnectDelay, .u32(reconnectDelay))) }
        if let reconnectDelayMax { out.append((.reconnectDelayMax, .u32(reconnectDelayMax))) }
        if let reconnectGiveUp { out.append((.reconnectGiveUp, .u32(reconnectGiveUp))) }
        if let state { out.append((.state, .u32(state))) }
        if let lastError { out.append((.lastError, .string(lastError))) }
        if let rekeyRecords { out.append((.rekeyRecords, .u32(rekeyRecords))) }
        return out
    }
}

/// export-set request: Replace the identities and the address prefixes an export admits.
/// Connections they no longer admit are dropped.
public struct DSTExportSetRequest: Equatable, Sendable {
    /// Name of an export.
    public var exportName: String?
    /// One identity an export admits (export-add, export-set, export-get). An export with TLS
    /// admits only those it lists.
    public var allow: [DSTAllow]
    /// One address prefix an export takes clients from (cidr-len bytes, see there); an export that
    /// lists none takes them from anywhere.
    public var allowFrom: [[UInt8]]

    public init(
        exportName: String? = nil,
        allow: [DSTAllow] = [],
        allowFrom: [[UInt8]] = []
    ) {
        self.exportName = exportName
        self.allow = allow
        self.allowFrom = allowFrom
    }

    /// The attributes that are set, in the spec's order.
    public var attributes: [(DSTAttr, NLValue)] {
        var out: [(DSTAttr, NLValue)] = []
        if let exportName { out.append((.exportName, .string(exportName))) }
        for allow in self.allow { out.append((.allow, .nesting(allow.attributes))) }
        for allowFrom in self.allowFrom { out.append((.allowFrom, .binary(allowFrom))) }
        return out
    }
}

/// export-resize request: Set an export's size: the size given, or without one the backing store's
/// size now, rounded down to the logical block size. Connected clients that took the resize feature
/// are told; shrinking is refused while a client is connected.
public struct DSTExportResizeRequest: Equatable, Sendable {
    /// Name of an export.
    public var exportName: String?
    /// Size in bytes.
    public var size: UInt64?

    public init(
        exportName: String? = nil,
        size: UInt64? = nil
    ) {
        self.exportName = exportName
        self.size = size
    }

    /// The attributes that are set, in the spec's order.
    public var attributes: [(DSTAttr, NLValue)] {
        var out: [(DSTAttr, NLValue)] = []
        if let exportName { out.append((.exportName, .string(exportName))) }
        if let size { out.append((.size, .u64(size))) }
        return out
    }
}

/// export-resize reply: Set an export's size: the size given, or without one the backing store's
/// size now, rounded down to the logical block size. Connected clients that took the resize feature
/// are told; shrinking is refused while a client is connected.
public struct DSTExportResizeReply: Equatable, Sendable {
    /// Size in bytes.
    public var size: UInt64?

    public init(
        size: UInt64? = nil
    ) {
        self.size = size
    }

    /// Decodes what `message` carries; absent attributes stay nil.
    public init(message m: NLMessage) {
        size = m.u64(.size)
    }
}
