// SPDX-License-Identifier: GPL-2.0-only OR MIT

/// What a client and server agreed on: everything dev-add needs.
public struct DSTNegotiated: Equatable, Sendable {
    public var size: UInt64
    public var logicalBs: UInt32
    public var physicalBs: UInt32
    public var maxXfer: UInt32
    public var features: DSTFeatures
    public var csum: DSTChecksum
    public var uuid: DSTUUID
    /// The export the server chose (its ok reply's message); empty if it did not say.
    public var exportName: String
    /// The backing store's I/O geometry; all zeroes from a server that did not send it.
    public var limits: DSTServerLimits

    public init(size: UInt64, logicalBs: UInt32, physicalBs: UInt32, maxXfer: UInt32,
                features: DSTFeatures, csum: DSTChecksum, uuid: DSTUUID, exportName: String = "",
                limits: DSTServerLimits = .unspecified) {
        self.size = size
        self.logicalBs = logicalBs
        self.physicalBs = physicalBs
        self.maxXfer = maxXfer
        self.features = features
        self.csum = csum
        self.uuid = uuid
        self.exportName = exportName
        self.limits = limits
    }
}

extension DSTServerLimits {
    /// No geometry: the client's queue takes its block sizes' defaults.
    public static let unspecified = DSTServerLimits(ioMin: 0, ioOpt: 0, discardGranularity: 0, discardAlignment: 0)

    /// Why these limits cannot describe an export with these block sizes and
    /// features, or nil if they can.
    public func problem(logicalBs: UInt32, physicalBs: UInt32, features: DSTFeatures) -> String? {
        let range = UInt32(DSTWire.maxRange)
        for (name, value) in [("io-min", ioMin), ("io-opt", ioOpt), ("discard granularity", discardGranularity),
                              ("discard alignment", discardAlignment)] {
            guard value % logicalBs == 0, value <= range else {
                return "\(name) \(value) is not a multiple of \(logicalBs) up to \(range)"
            }
        }
        if !features.contains(.discard), discardGranularity != 0 || discardAlignment != 0 {
            return "discard geometry for an export without discard"
        }
        guard discardAlignment < max(discardGranularity, physicalBs) else {
            return "discard alignment \(discardAlignment) is not below the granularity"
        }
        return nil
    }
}

// MARK: - client side

/// Client half of the wire protocol v1 handshake, without I/O: build the
/// hello, then check the server's reply.
public enum DSTClientHandshake {
    /// The hello header and the export name after it. An empty name asks for
    /// the only export on the server's address. `session` and `generation`
    /// identify the device and its connection, so that the server can fence
    /// the older connections of a device that reconnected.
    public static func hello(exportName: String, csum: DSTChecksum, session: DSTSession, generation: UInt32,
                             features: DSTFeatures = .all) throws -> [UInt8] {
        let name = Array(exportName.utf8)
        guard name.count <= DSTWire.exportNameMax, !name.contains(0) else {
            throw DSTError.invalidExportName(exportName)
        }
        let header = DSTClientHello(magic: UInt64(DSTWire.helloMagic), version: UInt32(DSTWire.protoVersion),
                                    features: features.rawValue, csum: csum.rawValue,
                                    nameLen: UInt32(name.count), session: session.bytes,
                                    generation: generation, reserved: 0)
        return header.encoded() + name
    }

    /// Decodes the fixed reply header and bounds the message length, so the
    /// caller knows how many more bytes to read.
    public static func replyHeader(_ bytes: some Collection<UInt8>, peer: String) throws -> DSTServerReply {
        let reply: DSTServerReply
        do {
            reply = try DSTServerReply(decoding: bytes)
        } catch {
            throw DSTError.handshake(peer: peer, reason: "short reply (\(bytes.count) of \(DSTServerReply.size) bytes)")
        }
        guard reply.magic == UInt64(DSTWire.replyMagic) else {
            throw DSTError.handshake(peer: peer, reason: "not a DST server (bad reply magic \(hex(reply.magic)))")
        }
        guard reply.msgLen <= UInt32(DSTWire.messageMax) else {
            throw DSTError.handshake(peer: peer, reason: "reply message of \(reply.msgLen) bytes exceeds \(DSTWire.messageMax)")
        }
        return reply
    }

    /// Checks a reply whose header came from `replyHeader` and whose
    /// message is `message`, against what this client proposed.
    public static func finish(reply: DSTServerReply, limits: DSTServerLimits? = nil, message: some Collection<UInt8>,
                              proposed csum: DSTChecksum, peer: String) throws -> DSTNegotiated {
        func bad(_ reason: String) -> DSTError { .handshake(peer: peer, reason: reason) }

        guard reply.magic == UInt64(DSTWire.replyMagic) else {
            throw bad("not a DST server (bad reply magic \(hex(reply.magic)))")
        }
        guard message.count == Int(reply.msgLen), reply.msgLen <= UInt32(DSTWire.messageMax) else {
            throw bad("reply message length mismatch")
        }
        guard let status = DSTHelloStatus(rawValue: reply.status) else {
            throw bad("unknown hello status \(reply.status)")
        }
        guard status == .ok else {
            throw DSTError.refused(status: status, message: printable(message))
        }
        guard reply.version == UInt32(DSTWire.protoVersion) else {
            throw bad("server speaks protocol version \(reply.version), we speak \(DSTWire.protoVersion)")
        }
        let lbs = reply.logicalBs, pbs = reply.physicalBs, maxXfer = reply.maxXfer
        guard isPowerOfTwo(lbs), lbs >= 512, lbs <= 4096 else {
            throw bad("logical block size \(lbs) is not a power of two from 512 to 4096")
        }
        guard isPowerOfTwo(pbs), pbs >= lbs, pbs <= 65536 else {
            throw bad("physical block size \(pbs) is not a power of two from \(lbs) to 65536")
        }
        guard reply.size > 0, reply.size % UInt64(lbs) == 0 else {
            throw bad("export size \(reply.size) is not a positive multiple of the logical block size \(lbs)")
        }
        guard maxXfer >= 4096, maxXfer <= UInt32(DSTWire.maxXferLimit), maxXfer % lbs == 0 else {
            throw bad("max transfer \(maxXfer) is not a multiple of \(lbs) from 4096 to \(DSTWire.maxXferLimit)")
        }
        var features = DSTFeatures(rawValue: reply.features)
        guard DSTFeatures.all.isSuperset(of: features) else {
            throw bad("unknown feature bits \(hex(UInt64(features.subtracting(.all).rawValue)))")
        }
        guard features.contains(.limits) == (limits != nil) else {
            throw bad("the limits feature and the limits block disagree")
        }
        features.remove(.limits)
        if let why = limits?.problem(logicalBs: lbs, physicalBs: pbs, features: features) {
            throw bad(why)
        }
        guard reply.csum == csum.rawValue else {
            throw bad("server chose checksum \(reply.csum), we proposed \(csum.specName)")
        }
        guard let uuid = DSTUUID(bytes: reply.uuid) else { throw bad("malformed uuid") }
        let chosen = String(decoding: message, as: UTF8.self)
        guard message.isEmpty || DSTNames.isValidExportName(chosen) else {
            throw bad("malformed export name in the reply")
        }
        return DSTNegotiated(size: reply.size, logicalBs: lbs, physicalBs: pbs, maxXfer: maxXfer,
                             features: features, csum: csum, uuid: uuid, exportName: chosen,
                             limits: limits ?? .unspecified)
    }
}

// MARK: - server side

/// A refusal the server sends instead of accepting: a hello status other
/// than ok and a message for the client's user.
public struct DSTRefusal: Error, Equatable, Sendable {
    public var status: DSTHelloStatus
    public var message: String

    public init(_ status: DSTHelloStatus, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// A well-formed hello.
public struct DSTHelloRequest: Equatable, Sendable {
    public var version: UInt32
    public var features: DSTFeatures
    public var csum: DSTChecksum
    public var exportName: String
    /// The client device's session; DSTSession.none: no fencing.
    public var session: DSTSession
    /// The connection's generation within the session (0 without a session).
    public var generation: UInt32

    public init(version: UInt32, features: DSTFeatures, csum: DSTChecksum, exportName: String,
                session: DSTSession = .none, generation: UInt32 = 0) {
        self.version = version
        self.features = features
        self.csum = csum
        self.exportName = exportName
        self.session = session
        self.generation = generation
    }
}

/// Server half of the handshake, without I/O: parse the hello in two steps
/// (header, then its name), choose an export, build the reply.
public enum DSTServerHandshake {
    /// Checks the fixed header: magic, version, reserved field, name length,
    /// checksum, generation.
    /// On success the caller reads `nameLen` more bytes.
    public static func parseHeader(_ bytes: some Collection<UInt8>) -> Result<DSTClientHello, DSTRefusal> {
        guard let hello = try? DSTClientHello(decoding: bytes) else {
            return .failure(DSTRefusal(.badRequest, "short hello (\(bytes.count) of \(DSTClientHello.size) bytes)"))
        }
        guard hello.magic == UInt64(DSTWire.helloMagic) else {
            return .failure(DSTRefusal(.badRequest, "bad hello magic \(hex(hello.magic))"))
        }
        guard hello.version == UInt32(DSTWire.protoVersion) else {
            return .failure(DSTRefusal(.badVersion, "protocol version \(hello.version) is not supported; this server speaks \(DSTWire.protoVersion)"))
        }
        guard hello.reserved == 0 else {
            return .failure(DSTRefusal(.badRequest, "reserved field of the hello is \(hex(UInt64(hello.reserved))), not 0"))
        }
        guard hello.nameLen <= UInt32(DSTWire.exportNameMax) else {
            return .failure(DSTRefusal(.badRequest, "export name of \(hello.nameLen) bytes exceeds \(DSTWire.exportNameMax)"))
        }
        guard DSTChecksum(rawValue: hello.csum) != nil else {
            return .failure(DSTRefusal(.badChecksum, "checksum \(hello.csum) is not supported; use one of "
                + DSTChecksum.allCases.map(\.specName).joined(separator: ", ")))
        }
        if hello.generation == 0, hello.session.contains(where: { $0 != 0 }) {
            return .failure(DSTRefusal(.badRequest, "generation 0 is invalid; the generations of a session start at 1"))
        }
        return .success(hello)
    }

    /// Checks the name that followed the header.
    public static func parseName(_ hello: DSTClientHello, _ name: some Collection<UInt8>) -> Result<DSTHelloRequest, DSTRefusal> {
        guard name.count == Int(hello.nameLen) else {
            return .failure(DSTRefusal(.badRequest, "export name truncated (\(name.count) of \(hello.nameLen) bytes)"))
        }
        guard let text = String(validating: name, as: UTF8.self),
              !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            return .failure(DSTRefusal(.badRequest, "export name is not printable UTF-8"))
        }
        guard let csum = DSTChecksum(rawValue: hello.csum) else {
            return .failure(DSTRefusal(.badChecksum, "checksum \(hello.csum) is not supported"))
        }
        let session = DSTSession(bytes: hello.session) ?? .none
        return .success(DSTHelloRequest(version: hello.version, features: DSTFeatures(rawValue: hello.features),
                                        csum: csum, exportName: text, session: session,
                                        generation: session.isNone ? 0 : hello.generation))
    }

    /// Checksums this server computes (the kernel does both).
    public static let supportedChecksums: [DSTChecksum] = [.none, .crc32c]

    /// Picks the export among those served on `listen` and the checksum.
    public static func choose(_ request: DSTHelloRequest, exports: [DSTExport], listen: String,
                              supported: [DSTChecksum] = supportedChecksums) -> Result<(DSTExport, DSTChecksum), DSTRefusal> {
        // One being removed is gone for a new client.
        let here = exports.filter { $0.listen == listen && $0.state != .removing }
        let export: DSTExport
        if request.exportName.isEmpty {
            guard here.count == 1, let only = here.first else {
                let why = here.isEmpty ? "no exports on \(listen)"
                    : "\(here.count) exports on \(listen); name one of " + here.map(\.name).joined(separator: ", ")
                return .failure(DSTRefusal(.unknownExport, why))
            }
            export = only
        } else {
            guard let named = here.first(where: { $0.name == request.exportName }) else {
                return .failure(DSTRefusal(.unknownExport, "no export \"\(request.exportName)\" on \(listen)"))
            }
            export = named
        }
        guard supported.contains(request.csum) else {
            return .failure(DSTRefusal(.badChecksum, "checksum \(request.csum.specName) is not supported here"))
        }
        return .success((export, request.csum))
    }

    /// The protocol features this server speaks: set in a reply when the
    /// client's hello has them.
    public static let protocolFeatures: DSTFeatures = [.limits, .resize]

    /// The ok reply carrying the export's parameters, and its geometry for
    /// a client that reads it (`clientFeatures` has limits); its message is
    /// the export's name, so that a client that asked for none learns it.
    public static func acceptReply(_ export: DSTExport, csum: DSTChecksum, clientFeatures: DSTFeatures) -> [UInt8] {
        let maxXfer = export.maxXfer == 0 ? UInt32(DSTWire.maxXferDefault) : export.maxXfer
        let name = Array(export.name.utf8)
        let features = export.features.subtracting(protocolFeatures)
            .union(clientFeatures.intersection(protocolFeatures))
        let reply = DSTServerReply(magic: UInt64(DSTWire.replyMagic), version: UInt32(DSTWire.protoVersion),
                                   status: DSTHelloStatus.ok.rawValue, size: export.size,
                                   logicalBs: export.logicalBs, physicalBs: export.physicalBs, maxXfer: maxXfer,
                                   features: features.rawValue, csum: csum.rawValue,
                                   msgLen: UInt32(name.count), uuid: export.uuid.bytes).encoded()
        guard features.contains(.limits) else { return reply + name }
        var limits = export.limits
        // A read-only presentation of the export has no discard.
        if !features.contains(.discard) {
            limits.discardGranularity = 0
            limits.discardAlignment = 0
        }
        return reply + limits.encoded() + name
    }

    /// A refusal reply; the message is cut to DSTWire.messageMax bytes on a
    /// character boundary.
    public static func refusalReply(_ refusal: DSTRefusal) -> [UInt8] {
        var message: [UInt8] = []
        for ch in refusal.message {
            let bytes = Array(String(ch).utf8)
            if message.count + bytes.count > DSTWire.messageMax { break }
            message += bytes
        }
        return DSTServerReply(magic: UInt64(DSTWire.replyMagic), version: UInt32(DSTWire.protoVersion),
                              status: refusal.status.rawValue, size: 0, logicalBs: 0, physicalBs: 0, maxXfer: 0,
                              features: 0, csum: 0, msgLen: UInt32(message.count),
                              uuid: [UInt8](repeating: 0, count: 16)).encoded() + message
    }
}

extension DSTClientHello {
    /// The bytes a DST hello starts with: a plaintext client.
    public static var magicBytes: [UInt8] {
        withUnsafeBytes(of: UInt64(DSTWire.helloMagic).bigEndian) { Array($0) }
    }
}

// MARK: - helpers

func isPowerOfTwo(_ v: UInt32) -> Bool { v != 0 && v & (v - 1) == 0 }

func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

/// A server message shown to the user: invalid UTF-8 repaired, control
/// characters replaced, so a hostile server cannot drive the terminal.
func printable(_ bytes: some Collection<UInt8>) -> String {
    String(decoding: bytes, as: UTF8.self).unicodeScalars.map { s -> String in
        (s.value < 0x20 || s.value == 0x7f) ? "?" : String(s)
    }.joined()
}
