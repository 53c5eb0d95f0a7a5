// SPDX-License-Identifier: GPL-2.0-only OR MIT

import Glibc

/// dstctl add-device: a new client device over `connections` connections of
/// generation 1 of a new session. All connections are dialled and
/// handshaken before dev-add, so that dstd, which reconnects a device that
/// has fewer connections than it is meant to have, does not find the new
/// device short while its extra connections are still being opened: they
/// are handed in (dev-connect) right after it. A failed extra connection
/// leaves the device with fewer; dstd opens them all again later.
public struct DSTAttach {
    public var address: DSTAddress
    /// Nil asks for the only export on the address.
    public var exportName: String?
    public var csum: DSTChecksum
    public var index: UInt32?
    public var policy: DSTDevicePolicy
    /// 1 to 16 (DSTAttach.connectionRange).
    public var connections: UInt32
    public var session: DSTSession
    /// TLS identity and credentials; nil: plaintext.
    public var tls: DSTDeviceTLS?
    public var ciphers: DSTTLSCiphers

    /// Every device starts with generation 1; each reconnect of dstd's
    /// sends the next one.
    public static let generation: UInt32 = 1

    public init(address: DSTAddress, exportName: String?, csum: DSTChecksum, index: UInt32?,
                policy: DSTDevicePolicy, connections: UInt32, session: DSTSession, tls: DSTDeviceTLS? = nil,
                ciphers: DSTTLSCiphers = .any) {
        self.tls = tls
        self.ciphers = ciphers
        self.address = address
        self.exportName = exportName
        self.csum = csum
        self.index = index
        self.policy = policy
        self.connections = connections
        self.session = session
    }

    public struct Result: Equatable, Sendable {
        /// The new device's index.
        public var index: UInt32
        /// Connections handed to the kernel.
        public var live: UInt32
        /// The first extra connection that could not be opened or handed
        /// in; nil when all were.
        public var failure: Failure?

        public init(index: UInt32, live: UInt32, failure: Failure? = nil) {
            self.index = index
            self.live = live
            self.failure = failure
        }
    }

    public struct Failure: Equatable, Sendable {
        /// Counting from 1, the first connection being 1.
        public var number: UInt32
        public var reason: String

        public init(number: UInt32, reason: String) {
            self.number = number
            self.reason = reason
        }
    }

    /// Connections a device may have: the spec's range of conn-count.
    public static var connectionRange: ClosedRange<UInt32> {
        let spec = DSTAttr.connCount.valueRange ?? 1...UInt64(DSTWire.devConnsMax)
        return UInt32(spec.lowerBound)...UInt32(spec.upperBound)
    }

    /// Connections of a device when the user does not say: one per online
    /// CPU of the client, as NVMe/TCP has an I/O queue per CPU, so that
    /// each CPU sends its small I/O on a connection whose threads run there;
    /// within connectionRange.
    public static var defaultConnections: UInt32 {
        defaultConnections(onlineCPUs: sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    /// defaultConnections for a host with `onlineCPUs` CPUs (sysconf's
    /// answer: -1 when it fails).
    public static func defaultConnections(onlineCPUs: Int) -> UInt32 {
        let range = connectionRange
        return UInt32(clamping: max(Int(range.lowerBound), min(onlineCPUs, Int(range.upperBound))))
    }

    /// Opens the connections, creates the device over the first and hands
    /// it the others. Throws when the first connection or dev-add fails;
    /// our copies of the sockets are closed in every case.
    public func run(netlink: DSTNetlink, dial: @escaping (DSTAddress) throws -> DSTConnection) throws -> Result {
        var connector = DSTConnector(address: address, exportName: exportName ?? "", csum: csum, session: session,
                                     generation: Self.generation, credentials: tls?.credentials, ciphers: ciphers,
                                     dial: dial)
        let (first, negotiated) = try connector.open()
        var opened = [first]
        defer { for c in opened { c.close() } }
        // The others ask for the export the server chose, with the checksum
        // it agreed to, and must reach that same export.
        connector.exportName = negotiated.exportName
        connector.csum = negotiated.csum
        connector.uuid = negotiated.uuid
        connector.size = negotiated.size
        var failure: Failure?
        while opened.count < Int(connections) {
            do {
                opened.append(try connector.open().connection)
            } catch {
                failure = Failure(number: UInt32(opened.count + 1), reason: "\(error)")
                break
            }
        }

        try first.prepareForKernel()
        let created = try netlink.addDevice(DSTDeviceParams(
            socket: first.socket, negotiated: negotiated, exportName: negotiated.exportName,
            remote: address.description, index: index, session: session, generation: Self.generation,
            policy: policy, connCount: connections, tls: tls))
        var live: UInt32 = 1
        for connection in opened.dropFirst() {
            do {
                try connection.prepareForKernel()
                try netlink.connectDevice(created, socket: connection.socket, generation: Self.generation)
                live += 1
            } catch {
                failure = Failure(number: live + 1, reason: "\(error)")
                break
            }
        }
        return Result(index: created, live: live, failure: failure)
    }
}
