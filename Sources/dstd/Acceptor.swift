// SPDX-License-Identifier: GPL-2.0-only OR MIT
import DSTKit
import Synchronization

/// Handshakes of accepted clients, one thread each. A client's first bytes
/// say which kind: a TLS ClientHello for the TLS exports of the address,
/// the DST hello for an insecure one. Each handshake has a deadline, and
/// their number is bounded in all and per client address, so that slow or
/// stalled clients, however many, cannot keep another one out.
final class Acceptor: Sendable {
    let log: DSTLog
    /// Handshakes running, by client address (its port left out).
    let running = Mutex<[String: Int]>([:])
    /// Refusals over the bounds not logged yet, by client address, and when
    /// the address's last one was: a flood costs a log line per address
    /// and interval, not one per connection.
    let unlogged = Mutex<[String: (count: Int, logged: ContinuousClock.Instant)]>([:])
    static let refusalLogInterval = Duration.seconds(10)
    static let maxConcurrent = 256
    static let maxPerAddress = 8
    /// How long a client has for the DST hello, and a TLS handshake's reads.
    static let timeoutSeconds = 5

    init(log: DSTLog) { self.log = log }

    func start(_ stream: TCPStream, listen: String) {
        let address = Self.address(of: stream.peer)
        let refusal: String? = running.withLock { running in
            if running.values.reduce(0, +) >= Self.maxConcurrent {
                return "\(Self.maxConcurrent) handshakes in progress"
            }
            if running[address, default: 0] >= Self.maxPerAddress {
                return "\(Self.maxPerAddress) handshakes in progress from \(address)"
            }
            running[address, default: 0] += 1
            return nil
        }
        if let refusal {
            logRefusal(address: address, peer: stream.peer, refusal)
            try? stream.setTimeouts(seconds: 1)
            try? stream.write(all: DSTServerHandshake.refusalReply(DSTRefusal(.busy, "too many handshakes in progress")))
            return
        }
        do {
            try Processes.detachThread { [self] in
                handshake(stream, listen: listen)
                done(address)
            }
        } catch {
            done(address)
            log.error("handshake-failed", ["peer": stream.peer, "listen": listen, "reason": "\(error)"])
        }
    }

    private func logRefusal(address: String, peer: String, _ refusal: String) {
        let now = ContinuousClock.now
        let suppressed: Int? = unlogged.withLock { unlogged in
            if let last = unlogged[address], now - last.logged < Self.refusalLogInterval {
                unlogged[address] = (last.count + 1, last.logged)
                return nil
            }
            let count = unlogged[address]?.count ?? 0
            unlogged[address] = (0, now)
            if unlogged.count > Self.maxConcurrent {
                unlogged = unlogged.filter { now - $0.value.logged < Self.refusalLogInterval }
            }
            return count
        }
        guard let suppressed else { return }
        log.warning("handshake-refused", ["peer": peer, "status": "busy", "reason": refusal,
                                           "unlogged": suppressed > 0 ? suppressed : nil])
    }

    private func done(_ address: String) {
        running.withLock { running in
            running[address, default: 1] -= 1
            if running[address] == 0 { running[address] = nil }
        }
    }

    /// "192.0.2.2" of "192.0.2.2:40112", "2001:db8::2" of "[2001:db8::2]:40112".
    static func address(of peer: String) -> String {
        if peer.hasPrefix("["), let close = peer.firstIndex(of: "]") {
            return String(peer[peer.index(after: peer.startIndex)..<close])
        }
        return peer.split(separator: ":").first.map(String.init) ?? peer
    }

    /// Runs the handshake and hands an accepted socket to the kernel. The
    /// socket is closed here in every case; the kernel keeps its own
    /// reference.
    func handshake(_ stream: TCPStream, listen: String) {
        let peer = stream.peer
        do {
            try stream.setTimeouts(seconds: Self.timeoutSeconds)
            // A netlink socket of its own: libnl sockets are not thread-safe.
            let netlink = try DSTNetlink()
            let first = try stream.peek(8)
            if first.first == DSTTLSRecord.handshake {
                try tlsHandshake(stream, listen: listen, netlink: netlink)
            } else if first == DSTClientHello.magicBytes {
                try plainHandshake(stream, listen: listen, netlink: netlink)
            } else if !first.isEmpty {
                log.info("handshake-refused", ["peer": peer, "listen": listen,
                                               "reason": "neither TLS nor a DST hello"])
            }
        } catch let error as DSTError {
            if case .staleGeneration = error {
                // The client reconnected again meanwhile; this connection
                // lost the race and is closed.
                log.info("handshake-refused", ["peer": peer, "listen": listen,
                                               "reason": "refused by the kernel: \(error)"])
            } else {
                log.warning("handshake-failed", ["peer": peer, "listen": listen, "reason": error])
            }
        } catch {
            log.warning("handshake-failed", ["peer": peer, "listen": listen, "reason": "\(error)"])
        }
        stream.fd.close()
    }

    /// A plaintext client: only an insecure export takes it.
    private func plainHandshake(_ stream: TCPStream, listen: String, netlink: DSTNetlink) throws {
        let outcome = try DSTServerHandshake.perform(
            on: stream, listen: listen, exports: { try netlink.exports() },
            admit: { export, csum, request in
                if export.access.tlsRequired {
                    return .failure(DSTRefusal(.tlsRequired, "export \"\(export.name)\" takes TLS connections only"))
                }
                return Self.admission(netlink, export, stream: stream, csum: csum, request: request,
                                      identity: nil, readOnly: false)
            })
        try finish(outcome, stream: stream, listen: listen, netlink: netlink, tls: nil, identity: nil)
    }

    /// A TLS client: the handshake with the keys and the certificate of the
    /// address's TLS exports, then the DST hello inside TLS; the export it
    /// asks for must admit the identity it proved.
    private func tlsHandshake(_ stream: TCPStream, listen: String, netlink: DSTNetlink) throws {
        // One dump serves the credentials and the hello: the kernel checks
        // the admission again when the socket is handed in.
        let all = try netlink.exports()
        let exports = all.filter { $0.listen == listen && $0.access.tlsRequired }
        guard !exports.isEmpty else {
            // In the clear: the client tells its user that this address has no TLS.
            try stream.write(all: DSTServerHandshake.refusalReply(
                DSTRefusal(.notAllowed, "no export on \(listen) takes TLS connections")))
            log.info("handshake-refused", ["peer": stream.peer, "listen": listen, "status": "not-allowed",
                                           "reason": "TLS, but no export here takes it"])
            return
        }
        let server = exports.lazy.compactMap(\.access.server).first
        let tls = try TLSStream.server(stream, credentials: server?.credentials) { identity in
            Self.key(of: identity, in: exports)
        }
        var admitted: DSTAllowEntry?
        let outcome = try DSTServerHandshake.perform(
            on: tls, listen: listen, exports: { all },
            admit: { export, csum, request in
                guard let entry = export.access.entry(identity: tls.peerIdentity, subject: tls.peerSubject) else {
                    return .failure(DSTRefusal(.notAllowed, "export \"\(export.name)\" does not admit \"\(tls.peerIdentity)\""))
                }
                admitted = entry
                return Self.admission(netlink, export, stream: stream, csum: csum, request: request,
                                      identity: entry.identity, readOnly: entry.readOnly)
            })
        if case .accepted = outcome { try tls.toKernel() }
        try finish(outcome, stream: stream, listen: listen, netlink: netlink, tls: tls, identity: admitted)
    }

    /// The key of a PSK identity among those the exports admit: read from
    /// its file for each handshake, so that a changed file counts at once.
    static func key(of identity: String, in exports: [DSTExport]) -> [UInt8]? {
        for export in exports {
            if let path = export.access.allow.first(where: { $0.identity == identity })?.keyPath {
                return try? DSTKeyFile.read(path)
            }
        }
        return nil
    }

    /// Whether the kernel would take the connection: the refusal goes to
    /// the client as a hello reply that says why. A read-only identity
    /// sees a read-only export.
    static func admission(_ netlink: DSTNetlink, _ export: DSTExport, stream: TCPStream, csum: DSTChecksum,
                          request: DSTHelloRequest, identity: String?,
                          readOnly: Bool) -> Result<DSTExport, DSTRefusal> {
        if let refusal = netlink.admission(export.name, socket: stream.fd.raw, csum: csum, session: request.session,
                                           generation: request.generation, peer: stream.peer, identity: identity,
                                           readOnly: readOnly) {
            return .failure(refusal)
        }
        var shown = export
        if readOnly { shown.features.insert(.readOnly) }
        return .success(shown)
    }

    private func finish(_ outcome: DSTServerOutcome, stream: TCPStream, listen: String, netlink: DSTNetlink,
                        tls: TLSStream?, identity: DSTAllowEntry?) throws {
        let peer = stream.peer
        switch outcome {
        case let .refused(refusal):
            log.info("handshake-refused", ["peer": peer, "listen": listen, "status": refusal.status.specName,
                                           "reason": refusal.message])
        case let .accepted(export, csum, request):
            try stream.prepareForKernel()
            try netlink.connectExport(export.name, socket: stream.fd.raw, csum: csum, session: request.session,
                                      generation: request.generation, identity: identity?.identity,
                                      readOnly: identity?.readOnly ?? false,
                                      features: request.features.intersection(.resize), size: export.size)
            let protection = tls.map { "tls1.3-\($0.cipher?.specName ?? "?")" } ?? "plaintext"
            log.info("attach", [
                "export": export.name, "peer": peer, "listen": listen, "protection": protection,
                "identity": identity?.identity, "checksum": csum.specName,
                "session": request.session.isNone ? nil : request.session,
                "generation": request.session.isNone ? nil : request.generation,
            ])
        }
    }
}
