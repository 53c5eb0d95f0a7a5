// SPDX-License-Identifier: GPL-2.0-only OR MIT

extension DSTClientHandshake {
    /// Sends the hello on `stream` and reads and checks the reply.
    public static func perform(on stream: ByteStream, exportName: String, csum: DSTChecksum,
                               session: DSTSession, generation: UInt32, peer: String) throws -> DSTNegotiated {
        try stream.write(all: hello(exportName: exportName, csum: csum, session: session, generation: generation))
        let head = try stream.read(exactly: DSTServerReply.size)
        if head.isEmpty {
            throw DSTError.handshake(peer: peer, reason: "connection closed by the server")
        }
        let reply = try replyHeader(head, peer: peer)
        var limits: DSTServerLimits?
        if reply.status == DSTHelloStatus.ok.rawValue, DSTFeatures(rawValue: reply.features).contains(.limits) {
            let block = try stream.read(exactly: DSTServerLimits.size)
            guard let decoded = try? DSTServerLimits(decoding: block) else {
                throw DSTError.handshake(peer: peer, reason: "connection closed in the reply's limits")
            }
            limits = decoded
        }
        let message = try stream.read(exactly: Int(reply.msgLen))
        guard message.count == Int(reply.msgLen) else {
            throw DSTError.handshake(peer: peer, reason: "connection closed in the reply message")
        }
        var negotiated = try finish(reply: reply, limits: limits, message: message, proposed: csum, peer: peer)
        if negotiated.exportName.isEmpty {
            negotiated.exportName = exportName
        } else if !exportName.isEmpty, negotiated.exportName != exportName {
            throw DSTError.handshake(peer: peer, reason: "server chose export \"\(negotiated.exportName)\", we asked for \"\(exportName)\"")
        }
        return negotiated
    }
}

/// How a server handshake ended.
public enum DSTServerOutcome: Equatable, Sendable {
    /// The ok reply went out; hand the socket to the export.
    case accepted(export: DSTExport, csum: DSTChecksum, request: DSTHelloRequest)
    /// A refusal went out (or the client vanished first).
    case refused(DSTRefusal)
}

extension DSTServerHandshake {
    /// Reads the hello from `stream`, chooses among `exports()` (asked only
    /// once the hello is valid) the one served on `listen`, asks `admit`
    /// whether the client may have it and the kernel would take the
    /// connection now: a refusal, or the export as the reply presents it
    /// (read-only for a read-only identity); and replies.
    public static func perform(on stream: ByteStream, listen: String,
                               exports: () throws -> [DSTExport],
                               admit: (DSTExport, DSTChecksum, DSTHelloRequest) -> Result<DSTExport, DSTRefusal>
                                   = { export, _, _ in .success(export) })
        throws -> DSTServerOutcome {
        let head = try stream.read(exactly: DSTClientHello.size)
        if head.count < DSTClientHello.size {
            // Nobody left to answer when the client closed early.
            return .refused(DSTRefusal(.badRequest, "short hello (\(head.count) bytes)"))
        }
        let hello: DSTClientHello
        switch parseHeader(head) {
        case let .failure(refusal):
            try stream.write(all: refusalReply(refusal))
            return .refused(refusal)
        case let .success(h):
            hello = h
        }
        let name = try stream.read(exactly: Int(hello.nameLen))
        let request: DSTHelloRequest
        switch parseName(hello, name) {
        case let .failure(refusal):
            if name.count == Int(hello.nameLen) { try stream.write(all: refusalReply(refusal)) }
            return .refused(refusal)
        case let .success(r):
            request = r
        }
        let list: [DSTExport]
        do {
            list = try exports()
        } catch {
            let refusal = DSTRefusal(.internal, "cannot list exports: \(error)")
            try stream.write(all: refusalReply(refusal))
            return .refused(refusal)
        }
        switch choose(request, exports: list, listen: listen) {
        case let .failure(refusal):
            try stream.write(all: refusalReply(refusal))
            return .refused(refusal)
        case let .success((chosen, csum)):
            switch admit(chosen, csum, request) {
            case let .failure(refusal):
                try stream.write(all: refusalReply(refusal))
                return .refused(refusal)
            case let .success(export):
                try stream.write(all: acceptReply(export, csum: csum, clientFeatures: request.features))
                return .accepted(export: export, csum: csum, request: request)
            }
        }
    }
}
