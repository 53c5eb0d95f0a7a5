// SPDX-License-Identifier: GPL-2.0-only OR MIT

/// Parameters of a new export.
public struct DSTExportParams: Equatable, Sendable {
    public var name: String
    public var backingFD: Int32
    public var backingPath: String
    public var readOnly: Bool
    public var listen: DSTAddress
    public var uuid: DSTUUID?
    /// Whom it admits; the default admits anyone in plaintext (insecure).
    public var access: DSTAccess

    public init(name: String, backingFD: Int32, backingPath: String, readOnly: Bool, listen: DSTAddress,
                uuid: DSTUUID?, access: DSTAccess = DSTAccess()) {
        self.name = name
        self.backingFD = backingFD
        self.backingPath = backingPath
        self.readOnly = readOnly
        self.listen = listen
        self.uuid = uuid
        self.access = access
    }

    /// The export-add request.
    var request: DSTExportAddRequest {
        var r = DSTExportAddRequest(exportName: name, backingFd: UInt32(bitPattern: backingFD),
                                    backingPath: backingPath, readOnly: readOnly, listen: listen.description,
                                    uuid: uuid?.bytes, tlsRequired: access.tlsRequired, allow: access.allowNests,
                                    allowFrom: access.from.map(\.bytes))
        r.certPath = access.server?.certPath
        r.keyPath = access.server?.keyPath
        r.caPath = access.server?.caPath
        return r
    }
}

/// An export as the kernel reports it (export-get).
public struct DSTExport: Equatable, Sendable {
    public var name: String
    public var size: UInt64
    public var logicalBs: UInt32
    public var physicalBs: UInt32
    public var maxXfer: UInt32
    /// The backing store's I/O geometry, which the ok reply carries.
    public var limits: DSTServerLimits = .unspecified
    public var features: DSTFeatures
    public var uuid: DSTUUID
    public var listen: String
    public var backingPath: String?
    public var clients: UInt32?
    /// Ready unless the kernel says otherwise (a kernel without states).
    public var state: DSTExportState
    /// Bytes of request data its connections hold.
    public var dataBytes: UInt64?
    public var access = DSTAccess()
    /// Its client connections (export-get of this export only).
    public var connectionInfo: [DSTConnectionInfo] = []

    /// Takes plaintext connections from anyone who reaches its address.
    public var isInsecure: Bool { !access.tlsRequired }

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

    /// The export of an export-get reply; nil without a name. What an
    /// older kernel leaves out gets the protocol's defaults.
    init?(reply r: DSTExportGetReply) {
        guard let name = r.exportName else { return nil }
        self.name = name
        size = r.size ?? 0
        logicalBs = r.logicalBs ?? 512
        physicalBs = r.physicalBs ?? logicalBs
        maxXfer = r.maxXfer ?? UInt32(DSTWire.maxXferDefault)
        limits = DSTServerLimits(ioMin: r.ioMin ?? 0, ioOpt: r.ioOpt ?? 0,
                                 discardGranularity: r.discardGranularity ?? 0,
                                 discardAlignment: r.discardAlignment ?? 0)
        features = DSTFeatures(rawValue: r.features ?? 0)
        uuid = r.uuid.flatMap(DSTUUID.init(bytes:)) ?? .zero
        listen = r.listen ?? ""
        backingPath = r.backingPath
        clients = r.clients
        state = r.exportState.flatMap(DSTExportState.init(rawValue:)) ?? .ready
        dataBytes = r.dataBytes
        access = DSTAccess(reply: r)
        connectionInfo = r.conn.map(DSTConnectionInfo.init)
    }
}
