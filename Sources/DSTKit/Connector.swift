// SPDX-License-Identifier: GPL-2.0-only OR MIT

/// A dialled connection as a client device hands it to the kernel.
public protocol DSTConnection: ByteStream {
    /// Blocking, no timeouts: ready for the kernel's receive loop.
    func prepareForKernel() throws
    /// The socket descriptor handed to the kernel.
    var socket: Int32 { get }
    /// Closes our descriptor; the kernel holds its own reference.
    func close()
}

extension TCPStream: DSTConnection {
    public var socket: Int32 { fd.raw }
    public func close() { fd.close() }
}

/// Opens the connections of one client device: dial, TLS with the device's
/// credentials if it has any, the DST handshake (inside TLS) with the
/// device's session and a generation, a check that the export is the one
/// the device was created on, then the TLS keys into the kernel. dstctl add-device uses it for the first
/// connection and its extra ones, a reconnect for every connection of a
/// round.
public struct DSTConnector {
    public var address: DSTAddress
    /// Empty asks for the only export on the address.
    public var exportName: String
    public var csum: DSTChecksum
    public var session: DSTSession
    public var generation: UInt32
    /// The device's export: a connection to an export with another UUID
    /// or size is refused. Nil: not checked (the first connection).
    public var uuid: DSTUUID?
    public var size: UInt64?
    /// TLS with these; nil: plaintext.
    public var credentials: DSTCredentials?
    public var ciphers: DSTTLSCiphers
    public var dial: (DSTAddress) throws -> DSTConnection

    public init(address: DSTAddress, exportName: String, csum: DSTChecksum, session: DSTSession,
                generation: UInt32, uuid: DSTUUID? = nil, size: UInt64? = nil, credentials: DSTCredentials? = nil,
                ciphers: DSTTLSCiphers = .any, dial: @escaping (DSTAddress) throws -> DSTConnection) {
        self.address = address
        self.exportName = exportName
        self.csum = csum
        self.session = session
        self.generation = generation
        self.uuid = uuid
        self.size = size
        self.credentials = credentials
        self.ciphers = ciphers
        self.dial = dial
    }

    /// One handshaken, checked connection, not yet prepared for the kernel.
    /// On failure the connection is closed again.
    public func open() throws -> (connection: DSTConnection, negotiated: DSTNegotiated) {
        let connection = try dial(address)
        do {
            let tls = try credentials.map { credentials -> TLSStream in
                guard let tcp = connection as? TCPStream else {
                    throw DSTError.tls(peer: address.description, reason: "not a TCP connection")
                }
                return try TLSStream.client(tcp, credentials: credentials, ciphers: ciphers)
            }
            let stream: ByteStream = tls ?? connection
            let negotiated = try DSTClientHandshake.perform(on: stream, exportName: exportName, csum: csum,
                                                            session: session, generation: generation,
                                                            peer: address.description)
            if let uuid, uuid != negotiated.uuid {
                throw DSTError.exportUUIDChanged(was: uuid, now: negotiated.uuid)
            }
            // A grown export is fine: the kernel grows the device with it.
            if let size, negotiated.size < size {
                throw DSTError.exportShrank(was: size, now: negotiated.size)
            }
            try tls?.toKernel()
            return (connection, negotiated)
        } catch {
            connection.close()
            throw error
        }
    }
}
