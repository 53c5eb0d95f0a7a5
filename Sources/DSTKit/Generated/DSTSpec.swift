// Do not edit directly, auto-generated from Documentation/spec/dst.yaml by Tools/nlgen

/// The generic netlink family.
///
/// DST network block device: client devices (/dev/dstN) and exports. Userspace performs the
/// handshake on a TCP socket and hands the connected socket to the kernel, which carries all I/O.
/// Devices and exports belong to the network namespace that made them and are invisible from
/// others; every operation that changes one needs CAP_SYS_ADMIN in the initial user namespace (a
/// block-device privilege, as nbd asks), besides the CAP_NET_ADMIN that admin-perm checks.
public enum DSTFamily {
    public static let name = "dst"
    public static let version: UInt8 = 1

    /// The multicast group "events".
    public static let eventsGroup = "events"
}

/// Constants of the wire protocol and the netlink API.
public enum DSTWire {
    /// Wire protocol version carried in both hello messages.
    public static let protoVersion: Int = 1

    /// Client hello magic, ASCII "DSTHELLO".
    public static let helloMagic: Int = 0x44535448454c4c4f

    /// Server hello reply magic, ASCII "DSTREPLY".
    public static let replyMagic: Int = 0x4453545245504c59

    /// Data request frame magic, ASCII "DSTQ".
    public static let reqMagic: Int = 0x44535451

    /// Data reply frame magic, ASCII "DSTA".
    public static let repMagic: Int = 0x44535441

    /// TCP port used when an address names none.
    public static let defaultPort: Int = 1025

    /// Longest export name in bytes (no NUL on the wire).
    public static let exportNameMax: Int = 64

    /// Length of a session id in bytes.
    public static let sessionLen: Int = 16

    /// Highest N of /dev/dstN.
    public static let devIndexMax: Int = 1023

    /// Connections a client device has at most.
    public static let devConnsMax: Int = 16

    /// Longest address text (remote, listen) in bytes, without the NUL.
    public static let addressMax: Int = 128

    /// Longest peer address text in bytes, without the NUL: ADDR:PORT, or [ADDR]:PORT for IPv6.
    public static let peerMax: Int = 63

    /// Longest identity (PSK identity or certificate subject name) in bytes.
    public static let identityMax: Int = 64

    /// Longest path of a key or certificate file in bytes, without the NUL.
    public static let pathMax: Int = 1024

    /// Longest DNS name a client expects in the server's certificate, in bytes.
    public static let serverNameMax: Int = 253

    /// Bytes of one allow-from entry: the address family (AF_INET 2 or AF_INET6 10), the prefix
    /// length, two zero bytes, then 16 address bytes (an IPv4 address in the first 4, the rest
    /// zero).
    public static let cidrLen: Int = 20

    /// Identities and address prefixes an export admits, at most, each; their text (identities and
    /// key paths) is at most 4096 bytes in all.
    public static let allowMax: Int = 64

    /// TLS records a connection may carry under one key before the client replaces it, at most
    /// (2^23): RFC 8446, 5.5 allows 2^24.5 full-size records under one AES-GCM key. Also the
    /// default.
    public static let rekeyRecordsMax: Int = 8388608

    /// Longest last-error text in bytes, without the NUL.
    public static let lastErrorMax: Int = 127

    /// Longest backing path text in bytes, without the NUL.
    public static let backingPathMax: Int = 1024

    /// Longest refusal message in a server reply, in bytes.
    public static let messageMax: Int = 1024

    /// Largest max-transfer either side accepts, in bytes.
    public static let maxXferLimit: Int = 4194304

    /// Max-transfer an export offers unless told otherwise, in bytes.
    public static let maxXferDefault: Int = 1048576

    /// Largest DISCARD or WRITE_ZEROES length of one request, in bytes.
    public static let maxRange: Int = 1073741824

    /// Requests (PINGs aside) a client keeps outstanding on one connection at most, from sending
    /// the header to receiving the reply. A server accepts that many at any time; past it, it may
    /// stop reading the connection.
    public static let connMaxRequests: Int = 64

    /// Bytes of READ and WRITE data a client keeps outstanding on one connection at most (the
    /// lengths of the requests counted above).
    public static let connMaxData: Int = 16777216

    /// A frame tag is (epoch << 32) | id: the connection epoch in the high 32 bits, the transaction
    /// id in the low 32 bits.
    public static let tagEpochShift: Int = 32

    /// A timeout attribute (milliseconds) with this value never expires: I/O waits for a connection
    /// forever, dstd never gives up reconnecting.
    public static let timeoutForever: Int = 0xffffffff

    /// Transaction id of a PING; never used by a data transaction. A PING's tag is (epoch << 32) |
    /// ping-id.
    public static let pingId: Int = 0xffffffff
}

/// Why bytes from the wire do not decode.
public enum DSTDecodeError: Error, Equatable, Sendable {
    /// Fewer bytes than the struct `type` (its spec name) needs.
    case truncated(type: String, needed: Int, got: Int)
}

/// Request opcode of a data frame.
public enum DSTOpcode: UInt32, CaseIterable, Sendable {
    /// Read length bytes at offset; the reply carries the data.
    case read = 1
    /// Write the length bytes that follow the header at offset.
    case write = 2
    /// Make every completed write durable; offset and length are 0.
    case flush = 3
    /// The range may be deallocated; its contents become undefined.
    case discard = 4
    /// The range reads back as zeroes.
    case writeZeroes = 5
    /// Liveness probe; offset and length 0. The server answers at once with status ok, without
    /// touching the backing store.
    case ping = 6
    /// Server to client only, with the resize feature: a notice in a rep-hdr (tag 0, status ok,
    /// length 8) followed by the export's new size, u64 big-endian. A request with this opcode is
    /// answered inval.
    case resize = 7

    /// The entry's name in the spec.
    public var specName: String {
        switch self {
        case .read: "read"
        case .write: "write"
        case .flush: "flush"
        case .discard: "discard"
        case .writeZeroes: "write-zeroes"
        case .ping: "ping"
        case .resize: "resize"
        }
    }
}

/// Flags of a data request.
public struct DSTCmdFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// A write is durable before its reply is sent.
    public static let fua = Self(rawValue: 1 << 0)

    /// A WRITE_ZEROES range stays allocated: the server must not deallocate it (REQ_NOUNMAP).
    public static let nounmap = Self(rawValue: 1 << 1)

    /// Every flag the spec defines; other bits are refused by the kernel.
    public static let all: Self = [.fua, .nounmap]

    /// The spec names of the flags that are set, lowest bit first; unknown bits are left out.
    public var specNames: [String] {
        var names: [String] = []
        if contains(.fua) {
            names.append("fua")
        }
        if contains(.nounmap) {
            names.append("nounmap")
        }
        return names
    }
}

/// Status of a data reply; never a raw errno.
public enum DSTStatus: UInt32, CaseIterable, Sendable {
    /// Success.
    case ok = 0
    /// I/O error on the backing store (EIO).
    case io = 1
    /// No space left on the backing store (ENOSPC).
    case nospc = 2
    /// Request out of bounds, misaligned or malformed (EINVAL).
    case inval = 3
    /// Write to a read-only export (EROFS).
    case rofs = 4
    /// Operation not supported by the export (EOPNOTSUPP).
    case notsupp = 5
    /// Server out of memory, retry later (ENOMEM).
    case nomem = 6
    /// A WRITE's data did not match its data-csum; it was not executed and is sent again (EBADMSG).
    case badDataCsum = 7

    /// The entry's name in the spec.
    public var specName: String {
        switch self {
        case .ok: "ok"
        case .io: "io"
        case .nospc: "nospc"
        case .inval: "inval"
        case .rofs: "rofs"
        case .notsupp: "notsupp"
        case .nomem: "nomem"
        case .badDataCsum: "bad-data-csum"
        }
    }
}

/// Checksum over frame headers and data.
public enum DSTChecksum: UInt32, CaseIterable, Sendable {
    /// No checksums; the csum fields are zero.
    case none = 0
    /// CRC32C (Castagnoli) over each header and each data payload.
    case crc32c = 1

    /// The entry's name in the spec.
    public var specName: String {
        switch self {
        case .none: "none"
        case .crc32c: "crc32c"
        }
    }
}

/// Cipher that protects a connection's TLS records (kTLS).
public enum DSTTlsCipher: UInt32, CaseIterable, Sendable {
    /// No TLS; the connection is plaintext.
    case none = 0
    /// AES-128-GCM (kTLS TLS_CIPHER_AES_GCM_128).
    case aes128Gcm = 1
    /// ChaCha20-Poly1305 (kTLS TLS_CIPHER_CHACHA20_POLY1305).
    case chacha20Poly1305 = 2

    /// The entry's name in the spec.
    public var specName: String {
        switch self {
        case .none: "none"
        case .aes128Gcm: "aes-128-gcm"
        case .chacha20Poly1305: "chacha20-poly1305"
        }
    }
}

/// Export properties, offered in the server reply.
public struct DSTFeatures: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// The export has a volatile cache; FLUSH and FUA are honoured.
    public static let flush = Self(rawValue: 1 << 0)

    /// FUA writes are supported.
    public static let fua = Self(rawValue: 1 << 1)

    /// DISCARD is supported.
    public static let discard = Self(rawValue: 1 << 2)

    /// WRITE_ZEROES is supported.
    public static let writeZeroes = Self(rawValue: 1 << 3)

    /// Writes fail with status rofs.
    public static let readOnly = Self(rawValue: 1 << 4)

    /// The backing store is rotational.
    public static let rotational = Self(rawValue: 1 << 5)

    /// Protocol, not export: in the hello, the client reads a server-limits block; in the reply,
    /// one follows the reply header, before its message. Never an export's or a device's feature.
    public static let limits = Self(rawValue: 1 << 6)

    /// Protocol: the server sends a RESIZE notice when the export grows. Set in the hello by a
    /// client that takes them, in the reply when the server will send them; a device created with
    /// it accepts them.
    public static let resize = Self(rawValue: 1 << 7)

    /// Every flag the spec defines; other bits are refused by the kernel.
    public static let all: Self = [
        .flush, .fua, .discard, .writeZeroes, .readOnly, .rotational, .limits, .resize
    ]

    /// The spec names of the flags that are set, lowest bit first; unknown bits are left out.
    public var specNames: [String] {
        var names: [String] = []
        if contains(.flush) {
            names.append("flush")
        }
        if contains(.fua) {
            names.append("fua")
        }
        if contains(.discard) {
            names.append("discard")
        }
        if contains(.writeZeroes) {
            names.append("write-zeroes")
        }
        if contains(.readOnly) {
            names.append("read-only")
        }
        if contains(.rotational) {
            names.append("rotational")
        }
        if contains(.limits) {
            names.append("limits")
        }
        if contains(.resize) {
            names.append("resize")
        }
        return names
    }
}

/// Outcome of the handshake, in the server reply.
public enum DSTHelloStatus: UInt32, CaseIterable, Sendable {
    /// Accepted; the connection carries data frames from now on.
    case ok = 0
    /// The server does not speak the client's protocol version.
    case badVersion = 1
    /// No export of that name is served here.
    case unknownExport = 2
    /// The proposed checksum is not supported.
    case badChecksum = 3
    /// The export takes no more clients now.
    case busy = 4
    /// The server failed; the message says why.
    case `internal` = 5
    /// The hello was malformed.
    case badRequest = 6
    /// The export takes TLS connections only; this one was plaintext.
    case tlsRequired = 7
    /// The export does not admit the client's identity or address.
    case notAllowed = 8

    /// The entry's name in the spec.
    public var specName: String {
        switch self {
        case .ok: "ok"
        case .badVersion: "bad-version"
        case .unknownExport: "unknown-export"
        case .badChecksum: "bad-checksum"
        case .busy: "busy"
        case .internal: "internal"
        case .badRequest: "bad-request"
        case .tlsRequired: "tls-required"
        case .notAllowed: "not-allowed"
        }
    }
}

/// State of a client device.
public enum DSTDevState: UInt32, CaseIterable, Sendable {
    /// At least one connection carries I/O.
    case connected = 1
    /// No live connection; I/O is queued until the timeout.
    case disconnected = 2
    /// Userspace is working on a new connection.
    case reconnecting = 3
    /// The timeout expired; queued I/O failed with EIO.
    case failed = 4
    /// The device is being removed.
    case removed = 5

    /// The entry's name in the spec.
    public var specName: String {
        switch self {
        case .connected: "connected"
        case .disconnected: "disconnected"
        case .reconnecting: "reconnecting"
        case .failed: "failed"
        case .removed: "removed"
        }
    }
}

/// State of an export.
public enum DSTExportState: UInt32, CaseIterable, Sendable {
    /// The backing file is being probed for direct I/O; the export takes clients once it is ready.
    case probing = 1
    /// The export takes clients.
    case ready = 2
    /// export-del was asked: the clients are gone or leaving, and the backing file is closed once
    /// their requests left it.
    case removing = 3

    /// The entry's name in the spec.
    public var specName: String {
        switch self {
        case .probing: "probing"
        case .ready: "ready"
        case .removing: "removing"
        }
    }
}

/// What an export-change-ntf reports.
public enum DSTExportEvent: UInt32, CaseIterable, Sendable {
    /// The export was added.
    case added = 1
    /// The export was removed; its clients were disconnected.
    case removed = 2
    /// A client connection was handed in; peer names it.
    case clientConnected = 3
    /// A client connection ended; peer names it, last-error says why.
    case clientDisconnected = 4
    /// A client connection was closed because the same session connected again with a newer
    /// generation; its requests were drained first.
    case clientFenced = 5

    /// The entry's name in the spec.
    public var specName: String {
        switch self {
        case .added: "added"
        case .removed: "removed"
        case .clientConnected: "client-connected"
        case .clientDisconnected: "client-disconnected"
        case .clientFenced: "client-fenced"
        }
    }
}

/// First bytes a client sends; name-len bytes of export name follow.
///
/// On the wire: 48 bytes, big-endian.
public struct DSTClientHello: Equatable, Sendable {
    /// Bytes on the wire.
    public static let size: Int = 48

    /// hello-magic.
    public var magic: UInt64

    /// proto-version.
    public var version: UInt32

    /// Features the client can use (features flags).
    public var features: UInt32

    /// Proposed checksum (checksum enum).
    public var csum: UInt32

    /// Length of the export name that follows, 0 to export-name-max.
    public var nameLen: UInt32

    /// Random id of the client device, the same on every connection it makes; all zeroes: no
    /// session (no fencing).
    ///
    /// Exactly 16 bytes.
    public var session: [UInt8]

    /// Connection generation of the session, 1 on the first connections, higher on every reconnect.
    /// The export fences older generations.
    public var generation: UInt32

    /// Sent as 0, refused otherwise.
    public var reserved: UInt32

    public init(
        magic: UInt64,
        version: UInt32,
        features: UInt32,
        csum: UInt32,
        nameLen: UInt32,
        session: [UInt8],
        generation: UInt32,
        reserved: UInt32
    ) {
        self.magic = magic
        self.version = version
        self.features = features
        self.csum = csum
        self.nameLen = nameLen
        self.session = session
        self.generation = generation
        self.reserved = reserved
    }

    /// The 48 bytes on the wire.
    public func encoded() -> [UInt8] {
        precondition(session.count == 16, "client-hello session must be 16 bytes, not \(session.count)")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.size)
        wireAppend(magic.bigEndian, to: &bytes)
        wireAppend(version.bigEndian, to: &bytes)
        wireAppend(features.bigEndian, to: &bytes)
        wireAppend(csum.bigEndian, to: &bytes)
        wireAppend(nameLen.bigEndian, to: &bytes)
        bytes.append(contentsOf: session)
        wireAppend(generation.bigEndian, to: &bytes)
        wireAppend(reserved.bigEndian, to: &bytes)
        return bytes
    }

    /// Decodes the first 48 bytes; the caller handles what follows.
    public init(decoding bytes: some Collection<UInt8>) throws(DSTDecodeError) {
        let b = Array(bytes.prefix(Self.size))
        guard b.count == Self.size else {
            throw .truncated(type: "client-hello", needed: Self.size, got: b.count)
        }
        magic = UInt64(bigEndian: wireLoad(b, at: 0))
        version = UInt32(bigEndian: wireLoad(b, at: 8))
        features = UInt32(bigEndian: wireLoad(b, at: 12))
        csum = UInt32(bigEndian: wireLoad(b, at: 16))
        nameLen = UInt32(bigEndian: wireLoad(b, at: 20))
        session = Array(b[24..<40])
        generation = UInt32(bigEndian: wireLoad(b, at: 40))
        reserved = UInt32(bigEndian: wireLoad(b, at: 44))
    }
}

/// The server's answer; msg-len bytes of message follow.
///
/// On the wire: 64 bytes, big-endian.
public struct DSTServerReply: Equatable, Sendable {
    /// Bytes on the wire.
    public static let size: Int = 64

    public var magic: UInt64

    public var version: UInt32

    /// hello-status enum.
    public var status: UInt32

    /// Export size in bytes.
    public var size: UInt64

    public var logicalBs: UInt32

    public var physicalBs: UInt32

    public var maxXfer: UInt32

    public var features: UInt32

    /// Chosen checksum.
    public var csum: UInt32

    /// Length of the message that follows, 0 to message-max: on success the chosen export's name,
    /// on a refusal why.
    public var msgLen: UInt32

    /// Exactly 16 bytes.
    public var uuid: [UInt8]

    public init(
        magic: UInt64,
        version: UInt32,
        status: UInt32,
        size: UInt64,
        logicalBs: UInt32,
        physicalBs: UInt32,
        maxXfer: UInt32,
        features: UInt32,
        csum: UInt32,
        msgLen: UInt32,
        uuid: [UInt8]
    ) {
        self.magic = magic
        self.version = version
        self.status = status
        self.size = size
        self.logicalBs = logicalBs
        self.physicalBs = physicalBs
        self.maxXfer = maxXfer
        self.features = features
        self.csum = csum
        self.msgLen = msgLen
        self.uuid = uuid
    }

    /// The 64 bytes on the wire.
    public func encoded() -> [UInt8] {
        precondition(uuid.count == 16, "server-reply uuid must be 16 bytes, not \(uuid.count)")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.size)
        wireAppend(magic.bigEndian, to: &bytes)
        wireAppend(version.bigEndian, to: &bytes)
        wireAppend(status.bigEndian, to: &bytes)
        wireAppend(size.bigEndian, to: &bytes)
        wireAppend(logicalBs.bigEndian, to: &bytes)
        wireAppend(physicalBs.bigEndian, to: &bytes)
        wireAppend(maxXfer.bigEndian, to: &bytes)
        wireAppend(features.bigEndian, to: &bytes)
        wireAppend(csum.bigEndian, to: &bytes)
        wireAppend(msgLen.bigEndian, to: &bytes)
        bytes.append(contentsOf: uuid)
        return bytes
    }

    /// Decodes the first 64 bytes; the caller handles what follows.
    public init(decoding bytes: some Collection<UInt8>) throws(DSTDecodeError) {
        let b = Array(bytes.prefix(Self.size))
        guard b.count == Self.size else {
            throw .truncated(type: "server-reply", needed: Self.size, got: b.count)
        }
        magic = UInt64(bigEndian: wireLoad(b, at: 0))
        version = UInt32(bigEndian: wireLoad(b, at: 8))
        status = UInt32(bigEndian: wireLoad(b, at: 12))
        size = UInt64(bigEndian: wireLoad(b, at: 16))
        logicalBs = UInt32(bigEndian: wireLoad(b, at: 24))
        physicalBs = UInt32(bigEndian: wireLoad(b, at: 28))
        maxXfer = UInt32(bigEndian: wireLoad(b, at: 32))
        features = UInt32(bigEndian: wireLoad(b, at: 36))
        csum = UInt32(bigEndian: wireLoad(b, at: 40))
        msgLen = UInt32(bigEndian: wireLoad(b, at: 44))
        uuid = Array(b[48..<64])
    }
}

/// The backing store's I/O geometry, after a server-reply with the limits feature: what the
/// client's queue advertises, so that md, device-mapper and file systems on it see what they would
/// see on the backing store. All in bytes, multiples of the physical block size but for
/// discard-alignment (of the logical block size); 0: none.
///
/// On the wire: 16 bytes, big-endian.
public struct DSTServerLimits: Equatable, Sendable {
    /// Bytes on the wire.
    public static let size: Int = 16

    /// Smallest preferred I/O (a RAID chunk); 0 is the physical block size.
    public var ioMin: UInt32

    /// Optimal I/O (a RAID stripe); 0 if the backing store has none.
    public var ioOpt: UInt32

    /// Unit of discard; 0 is the physical block size.
    public var discardGranularity: UInt32

    /// Offset of the first whole discard unit, below discard-granularity.
    public var discardAlignment: UInt32

    public init(
        ioMin: UInt32,
        ioOpt: UInt32,
        discardGranularity: UInt32,
        discardAlignment: UInt32
    ) {
        self.ioMin = ioMin
        self.ioOpt = ioOpt
        self.discardGranularity = discardGranularity
        self.discardAlignment = discardAlignment
    }

    /// The 16 bytes on the wire.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.size)
        wireAppend(ioMin.bigEndian, to: &bytes)
        wireAppend(ioOpt.bigEndian, to: &bytes)
        wireAppend(discardGranularity.bigEndian, to: &bytes)
        wireAppend(discardAlignment.bigEndian, to: &bytes)
        return bytes
    }

    /// Decodes the first 16 bytes; the caller handles what follows.
    public init(decoding bytes: some Collection<UInt8>) throws(DSTDecodeError) {
        let b = Array(bytes.prefix(Self.size))
        guard b.count == Self.size else {
            throw .truncated(type: "server-limits", needed: Self.size, got: b.count)
        }
        ioMin = UInt32(bigEndian: wireLoad(b, at: 0))
        ioOpt = UInt32(bigEndian: wireLoad(b, at: 4))
        discardGranularity = UInt32(bigEndian: wireLoad(b, at: 8))
        discardAlignment = UInt32(bigEndian: wireLoad(b, at: 12))
    }
}

/// Data request header; a WRITE is followed by length bytes of data.
///
/// On the wire: 40 bytes, big-endian.
public struct DSTReqHdr: Equatable, Sendable {
    /// Bytes on the wire.
    public static let size: Int = 40

    public var magic: UInt32

    public var opcode: UInt16

    public var flags: UInt16

    public var tag: UInt64

    public var offset: UInt64

    public var length: UInt32

    /// Checksum of the data that follows (WRITE), else 0.
    public var dataCsum: UInt32

    /// Checksum of this header computed with hdr-csum set to 0.
    public var hdrCsum: UInt32

    /// Sent as 0, refused otherwise.
    public var reserved: UInt32

    public init(
        magic: UInt32,
        opcode: UInt16,
        flags: UInt16,
        tag: UInt64,
        offset: UInt64,
        length: UInt32,
        dataCsum: UInt32,
        hdrCsum: UInt32,
        reserved: UInt32
    ) {
        self.magic = magic
        self.opcode = opcode
        self.flags = flags
        self.tag = tag
        self.offset = offset
        self.length = length
        self.dataCsum = dataCsum
        self.hdrCsum = hdrCsum
        self.reserved = reserved
    }

    /// The 40 bytes on the wire.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.size)
        wireAppend(magic.bigEndian, to: &bytes)
        wireAppend(opcode.bigEndian, to: &bytes)
        wireAppend(flags.bigEndian, to: &bytes)
        wireAppend(tag.bigEndian, to: &bytes)
        wireAppend(offset.bigEndian, to: &bytes)
        wireAppend(length.bigEndian, to: &bytes)
        wireAppend(dataCsum.bigEndian, to: &bytes)
        wireAppend(hdrCsum.bigEndian, to: &bytes)
        wireAppend(reserved.bigEndian, to: &bytes)
        return bytes
    }

    /// Decodes the first 40 bytes; the caller handles what follows.
    public init(decoding bytes: some Collection<UInt8>) throws(DSTDecodeError) {
        let b = Array(bytes.prefix(Self.size))
        guard b.count == Self.size else {
            throw .truncated(type: "req-hdr", needed: Self.size, got: b.count)
        }
        magic = UInt32(bigEndian: wireLoad(b, at: 0))
        opcode = UInt16(bigEndian: wireLoad(b, at: 4))
        flags = UInt16(bigEndian: wireLoad(b, at: 6))
        tag = UInt64(bigEndian: wireLoad(b, at: 8))
        offset = UInt64(bigEndian: wireLoad(b, at: 16))
        length = UInt32(bigEndian: wireLoad(b, at: 24))
        dataCsum = UInt32(bigEndian: wireLoad(b, at: 28))
        hdrCsum = UInt32(bigEndian: wireLoad(b, at: 32))
        reserved = UInt32(bigEndian: wireLoad(b, at: 36))
    }
}

/// Data reply header; a successful READ is followed by length bytes.
///
/// On the wire: 32 bytes, big-endian.
public struct DSTRepHdr: Equatable, Sendable {
    /// Bytes on the wire.
    public static let size: Int = 32

    public var magic: UInt32

    public var status: UInt32

    public var tag: UInt64

    /// Opcode of the request this answers.
    public var opcode: UInt16

    /// Sent as 0.
    public var flags: UInt16

    public var length: UInt32

    public var dataCsum: UInt32

    public var hdrCsum: UInt32

    public init(
        magic: UInt32,
        status: UInt32,
        tag: UInt64,
        opcode: UInt16,
        flags: UInt16,
        length: UInt32,
        dataCsum: UInt32,
        hdrCsum: UInt32
    ) {
        self.magic = magic
        self.status = status
        self.tag = tag
        self.opcode = opcode
        self.flags = flags
        self.length = length
        self.dataCsum = dataCsum
        self.hdrCsum = hdrCsum
    }

    /// The 32 bytes on the wire.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.size)
        wireAppend(magic.bigEndian, to: &bytes)
        wireAppend(status.bigEndian, to: &bytes)
        wireAppend(tag.bigEndian, to: &bytes)
        wireAppend(opcode.bigEndian, to: &bytes)
        wireAppend(flags.bigEndian, to: &bytes)
        wireAppend(length.bigEndian, to: &bytes)
        wireAppend(dataCsum.bigEndian, to: &bytes)
        wireAppend(hdrCsum.bigEndian, to: &bytes)
        return bytes
    }

    /// Decodes the first 32 bytes; the caller handles what follows.
    public init(decoding bytes: some Collection<UInt8>) throws(DSTDecodeError) {
        let b = Array(bytes.prefix(Self.size))
        guard b.count == Self.size else {
            throw .truncated(type: "rep-hdr", needed: Self.size, got: b.count)
        }
        magic = UInt32(bigEndian: wireLoad(b, at: 0))
        status = UInt32(bigEndian: wireLoad(b, at: 4))
        tag = UInt64(bigEndian: wireLoad(b, at: 8))
        opcode = UInt16(bigEndian: wireLoad(b, at: 16))
        flags = UInt16(bigEndian: wireLoad(b, at: 18))
        length = UInt32(bigEndian: wireLoad(b, at: 20))
        dataCsum = UInt32(bigEndian: wireLoad(b, at: 24))
        hdrCsum = UInt32(bigEndian: wireLoad(b, at: 28))
    }
}

/// The kind of value an attribute carries, with the limits the kernel's policy enforces.
public enum DSTAttrKind: Equatable, Sendable {
    case u32
    case u64
    /// NUL-terminated; `maxLength` excludes the NUL.
    case string(maxLength: Int?)
    case binary(exactLength: Int?)
    case flag
    /// Alignment padding the kernel adds before a u64; never sent.
    case pad
    /// Attributes of another set (the attribute's nested set), in a nested TLV run.
    case nest
}

/// Attributes of the dst family, one set for all commands.
public enum DSTAttr: UInt16, CaseIterable, Sendable {
    /// Index N of /dev/dstN.
    case devIndex = 1
    /// File descriptor of a connected TCP socket in the caller.
    case sockFd
    /// Size in bytes.
    case size
    /// Logical block size in bytes, a power of two.
    case logicalBs
    /// Physical block size in bytes, a power of two.
    case physicalBs
    /// Largest data transfer of one frame in bytes.
    case maxXfer
    /// Export features.
    case features
    /// Checksum in use.
    case csum
    /// Export UUID, 16 bytes.
    case uuid
    /// Name of an export.
    case exportName
    /// Server address as the user gave it, for display.
    case remote
    /// Device state.
    case state
    /// Why the device last left the connected state.
    case lastError
    /// File descriptor of the export's backing block device or file.
    case backingFd
    /// Address dstd listens on for this export, as ADDR:PORT.
    case listen
    /// export-add: the export refuses writes; export-connect: this connection's writes are refused
    /// (a read-only identity).
    case readOnly
    /// Connected clients of an export.
    case clients
    /// Path of the backing store, for display.
    case backingPath
    /// Live connections of a device.
    case connections
    /// Transactions of a device not yet completed.
    case inflight
    /// Alignment padding for 64-bit attributes.
    case pad
    /// Session id of a client device (client-hello session), 16 bytes; required by dev-add, never
    /// all zeroes. dev-get shows it only to callers with CAP_SYS_ADMIN.
    case session
    /// Connection generation (client-hello generation). dev-get shows it only to callers with
    /// CAP_SYS_ADMIN.
    case generation
    /// Milliseconds one I/O may take from its submission, whatever holds it up, before it fails
    /// with EIO; a device without a connection for that long fails; timeout-forever: never.
    case ioTimeout
    /// Milliseconds of silence on a connection before the client sends a PING; 0 turns pings off. A
    /// connection with requests or a PING outstanding that hears nothing for three intervals (at
    /// most the io-timeout) is dropped.
    case pingInterval
    /// Milliseconds dstd waits before its first reconnect attempt.
    case reconnectDelay
    /// Largest delay between reconnect attempts, in milliseconds.
    case reconnectDelayMax
    /// Milliseconds after the connection was lost that dstd stops reconnecting; timeout-forever:
    /// never.
    case reconnectGiveUp
    /// Milliseconds since the device lost its last connection; 0 while connected.
    case downTime
    /// What an export-change-ntf reports.
    case exportEvent
    /// Address of a client connection, as ADDR:PORT.
    case peer
    /// dev-del also removes a mounted or claimed device.
    case force
    /// Connections a device is meant to have: dstctl add-device opens them, dstd opens them all
    /// again (one new generation) when one is lost.
    case connCount
    /// State of an export.
    case exportState
    /// export-connect only checks that the export would take the connection now (state, limits,
    /// generation) and adopts nothing.
    case check
    /// Bytes of request data an export's connections hold now: payloads received, read data not yet
    /// sent, and freed blocks kept for reuse.
    case dataBytes
    /// Last connection epoch handed out (the high half of its tags).
    case epoch
    /// READs completed without error.
    case statReads
    /// WRITEs completed without error.
    case statWrites
    /// FLUSHes completed without error.
    case statFlushes
    /// DISCARDs completed without error.
    case statDiscards
    /// WRITE_ZEROES completed without error.
    case statWriteZeroes
    /// Bytes of those READs.
    case statReadBytes
    /// Bytes of those WRITEs.
    case statWriteBytes
    /// I/Os completed with an error.
    case statErrors
    /// Replies whose header or data checksum did not match, and writes answered bad-data-csum.
    case statCsumErrors
    /// Malformed or unexpected replies (each dropped its connection).
    case statProtocolErrors
    /// Connection generations handed in after the first.
    case statReconnects
    /// I/Os put on a wire again.
    case statResends
    /// I/Os that reached the I/O timeout.
    case statTimeouts
    /// One connection of the device or the export (dev-get, export-get).
    case conn
    /// A client's TLS identity: its PSK identity, or the CN of its certificate. dev-add: the
    /// device's, for status and dstd's reconnects; export-connect: the client's, which the export
    /// must admit.
    case identity
    /// A client device's PSK key file, or the key of its certificate, which dstd reads to
    /// reconnect; with cert-path, an export's certificate key. Never the key itself.
    case keyPath
    /// A certificate file (PEM) of the device or the export.
    case certPath
    /// The CA file (PEM) that signs the peer's certificates.
    case caPath
    /// The DNS name a client device expects in the server's certificate.
    case serverName
    /// The export takes TLS connections only (it was created with credentials); without it, it is
    /// insecure and takes plaintext ones.
    case tlsRequired
    /// One identity an export admits (export-add, export-set, export-get). An export with TLS
    /// admits only those it lists.
    case allow
    /// One address prefix an export takes clients from (cidr-len bytes, see there); an export that
    /// lists none takes them from anywhere.
    case allowFrom
    /// TLS records one of a device's connections may carry before the kernel asks dstd for a new
    /// connection (rekey-due). Either side drops a connection at 2^24 records, whatever this says.
    case rekeyRecords
    /// A connection of the device waits for its replacement (a rekey).
    case rekeyDue
    /// Connections replaced because their TLS keys carried rekey-records.
    case statRekeys
    /// TLS records from the server that failed authentication, and TLS alerts and handshake
    /// messages from it.
    case statTlsErrors
    /// Smallest preferred I/O in bytes (server-limits io-min).
    case ioMin
    /// Optimal I/O in bytes, 0 for none (server-limits io-opt).
    case ioOpt
    /// Unit of discard in bytes (server-limits discard-granularity).
    case discardGranularity
    /// Offset of the first whole discard unit in bytes (server-limits discard-alignment).
    case discardAlignment

    /// The attribute's name in the spec.
    public var specName: String {
        switch self {
        case .devIndex: "dev-index"
        case .sockFd: "sock-fd"
        case .size: "size"
        case .logicalBs: "logical-bs"
        case .physicalBs: "physical-bs"
        case .maxXfer: "max-xfer"
        case .features: "features"
        case .csum: "csum"
        case .uuid: "uuid"
        case .exportName: "export-name"
        case .remote: "remote"
        case .state: "state"
        case .lastError: "last-error"
        case .backingFd: "backing-fd"
        case .listen: "listen"
        case .readOnly: "read-only"
        case .clients: "clients"
        case .backingPath: "backing-path"
        case .connections: "connections"
        case .inflight: "inflight"
        case .pad: "pad"
        case .session: "session"
        case .generation: "generation"
        case .ioTimeout: "io-timeout"
        case .pingInterval: "ping-interval"
        case .reconnectDelay: "reconnect-delay"
        case .reconnectDelayMax: "reconnect-delay-max"
        case .reconnectGiveUp: "reconnect-give-up"
        case .downTime: "down-time"
        case .exportEvent: "export-event"
        case .peer: "peer"
        case .force: "force"
        case .connCount: "conn-count"
        case .exportState: "export-state"
        case .check: "check"
        case .dataBytes: "data-bytes"
        case .epoch: "epoch"
        case .statReads: "stat-reads"
        case .statWrites: "stat-writes"
        case .statFlushes: "stat-flushes"
        case .statDiscards: "stat-discards"
        case .statWriteZeroes: "stat-write-zeroes"
        case .statReadBytes: "stat-read-bytes"
        case .statWriteBytes: "stat-write-bytes"
        case .statErrors: "stat-errors"
        case .statCsumErrors: "stat-csum-errors"
        case .statProtocolErrors: "stat-protocol-errors"
        case .statReconnects: "stat-reconnects"
        case .statResends: "stat-resends"
        case .statTimeouts: "stat-timeouts"
        case .conn: "conn"
        case .identity: "identity"
        case .keyPath: "key-path"
        case .certPath: "cert-path"
        case .caPath: "ca-path"
        case .serverName: "server-name"
        case .tlsRequired: "tls-required"
        case .allow: "allow"
        case .allowFrom: "allow-from"
        case .rekeyRecords: "rekey-records"
        case .rekeyDue: "rekey-due"
        case .statRekeys: "stat-rekeys"
        case .statTlsErrors: "stat-tls-errors"
        case .ioMin: "io-min"
        case .ioOpt: "io-opt"
        case .discardGranularity: "discard-granularity"
        case .discardAlignment: "discard-alignment"
        }
    }

    /// The attribute's type, with the lengths the kernel's policy allows.
    public var kind: DSTAttrKind {
        switch self {
        case .devIndex: .u32
        case .sockFd: .u32
        case .size: .u64
        case .logicalBs: .u32
        case .physicalBs: .u32
        case .maxXfer: .u32
        case .features: .u32
        case .csum: .u32
        case .uuid: .binary(exactLength: 16)
        case .exportName: .string(maxLength: DSTWire.exportNameMax)
        case .remote: .string(maxLength: DSTWire.addressMax)
        case .state: .u32
        case .lastError: .string(maxLength: DSTWire.lastErrorMax)
        case .backingFd: .u32
        case .listen: .string(maxLength: DSTWire.addressMax)
        case .readOnly: .flag
        case .clients: .u32
        case .backingPath: .string(maxLength: DSTWire.backingPathMax)
        case .connections: .u32
        case .inflight: .u32
        case .pad: .pad
        case .session: .binary(exactLength: DSTWire.sessionLen)
        case .generation: .u32
        case .ioTimeout: .u32
        case .pingInterval: .u32
        case .reconnectDelay: .u32
        case .reconnectDelayMax: .u32
        case .reconnectGiveUp: .u32
        case .downTime: .u64
        case .exportEvent: .u32
        case .peer: .string(maxLength: DSTWire.peerMax)
        case .force: .flag
        case .connCount: .u32
        case .exportState: .u32
        case .check: .flag
        case .dataBytes: .u64
        case .epoch: .u32
        case .statReads: .u64
        case .statWrites: .u64
        case .statFlushes: .u64
        case .statDiscards: .u64
        case .statWriteZeroes: .u64
        case .statReadBytes: .u64
        case .statWriteBytes: .u64
        case .statErrors: .u64
        case .statCsumErrors: .u64
        case .statProtocolErrors: .u64
        case .statReconnects: .u64
        case .statResends: .u64
        case .statTimeouts: .u64
        case .conn: .nest
        case .identity: .string(maxLength: DSTWire.identityMax)
        case .keyPath: .string(maxLength: DSTWire.pathMax)
        case .certPath: .string(maxLength: DSTWire.pathMax)
        case .caPath: .string(maxLength: DSTWire.pathMax)
        case .serverName: .string(maxLength: DSTWire.serverNameMax)
        case .tlsRequired: .flag
        case .allow: .nest
        case .allowFrom: .binary(exactLength: DSTWire.cidrLen)
        case .rekeyRecords: .u32
        case .rekeyDue: .flag
        case .statRekeys: .u64
        case .statTlsErrors: .u64
        case .ioMin: .u32
        case .ioOpt: .u32
        case .discardGranularity: .u32
        case .discardAlignment: .u32
        }
    }

    /// The values the kernel accepts for an integer attribute with min or max checks.
    public var valueRange: ClosedRange<UInt64>? {
        switch self {
        case .devIndex: 0...UInt64(DSTWire.devIndexMax)
        case .sockFd: 0...2147483647
        case .logicalBs: 512...4096
        case .physicalBs: 512...65536
        case .maxXfer: 4096...UInt64(DSTWire.maxXferLimit)
        case .backingFd: 0...2147483647
        case .generation: 1...UInt64(UInt32.max)
        case .ioTimeout: 1000...UInt64(UInt32.max)
        case .pingInterval: 0...3600000
        case .reconnectDelay: 10...3600000
        case .reconnectDelayMax: 10...3600000
        case .reconnectGiveUp: 1000...UInt64(UInt32.max)
        case .connCount: 1...UInt64(DSTWire.devConnsMax)
        case .rekeyRecords: 256...UInt64(DSTWire.rekeyRecordsMax)
        case .ioMin: 0...UInt64(DSTWire.maxRange)
        case .ioOpt: 0...UInt64(DSTWire.maxRange)
        case .discardGranularity: 0...UInt64(DSTWire.maxRange)
        case .discardAlignment: 0...UInt64(DSTWire.maxRange)
        default: nil
        }
    }
}

/// One connection of a client device or of an export, nested in the conn attribute of dev-get and
/// export-get replies.
public enum DSTConnAttr: UInt16, CaseIterable, Sendable {
    /// Connection slot of a device, 0..dev-conns-max-1.
    case slot = 1
    /// Connection generation (client-hello generation) the connection belongs to.
    case generation
    /// Address of the other end, as ADDR:PORT.
    case peer
    /// TLS identity of the other end: the PSK identity, or the subject name of its certificate;
    /// absent on a plaintext connection.
    case identity
    /// TLS version as on the wire, e.g. 0x0304 for TLS 1.3; 0 = plaintext.
    case tlsVersion
    /// Cipher of the connection's TLS records.
    case tlsCipher
    /// The connection carries no writes.
    case readOnly
    /// TLS records sent and received on the connection.
    case records
    /// TLS records of the connection that failed (not authentic, not decryptable or malformed).
    case recordErrors
    /// Alignment padding for 64-bit attributes (nla_put_u64_64bit in the nest).
    case pad
    /// A client connection's PINGs answered. The client sends a PING only when the connection has
    /// been silent for the device's ping interval, so a busy connection answers none.
    case pings
    /// A client connection's last PING round trip, in microseconds: from the PING's send to its
    /// reply's arrival, including what was queued ahead of it on the socket. Absent until a PING
    /// was answered.
    case pingRttUs
    /// A client connection's smoothed PING round trip, in microseconds: the first sample, then 7/8
    /// of the last value and 1/8 of each new sample (as TCP's srtt, RFC 6298). Absent until a PING
    /// was answered.
    case pingSrttUs

    /// The attribute's name in the spec.
    public var specName: String {
        switch self {
        case .slot: "slot"
        case .generation: "generation"
        case .peer: "peer"
        case .identity: "identity"
        case .tlsVersion: "tls-version"
        case .tlsCipher: "tls-cipher"
        case .readOnly: "read-only"
        case .records: "records"
        case .recordErrors: "record-errors"
        case .pad: "pad"
        case .pings: "pings"
        case .pingRttUs: "ping-rtt-us"
        case .pingSrttUs: "ping-srtt-us"
        }
    }

    /// The attribute's type, with the lengths the kernel's policy allows.
    public var kind: DSTAttrKind {
        switch self {
        case .slot: .u32
        case .generation: .u32
        case .peer: .string(maxLength: DSTWire.peerMax)
        case .identity: .string(maxLength: DSTWire.identityMax)
        case .tlsVersion: .u32
        case .tlsCipher: .u32
        case .readOnly: .flag
        case .records: .u64
        case .recordErrors: .u64
        case .pad: .pad
        case .pings: .u64
        case .pingRttUs: .u32
        case .pingSrttUs: .u32
        }
    }

    /// The values the kernel accepts for an integer attribute with min or max checks.
    public var valueRange: ClosedRange<UInt64>? {
        switch self {
        default: nil
        }
    }
}

/// One identity an export admits, nested in the allow attribute.
public enum DSTAllowAttr: UInt16, CaseIterable, Sendable {
    /// The client's PSK identity, or the CN or the whole subject (RFC 4514) of its certificate.
    case identity = 1
    /// The identity's PSK key file, which dstd reads; absent for a certificate subject.
    case keyPath
    /// The identity gets a read-only device; the export refuses its writes.
    case readOnly

    /// The attribute's name in the spec.
    public var specName: String {
        switch self {
        case .identity: "identity"
        case .keyPath: "key-path"
        case .readOnly: "read-only"
        }
    }

    /// The attribute's type, with the lengths the kernel's policy allows.
    public var kind: DSTAttrKind {
        switch self {
        case .identity: .string(maxLength: DSTWire.identityMax)
        case .keyPath: .string(maxLength: DSTWire.pathMax)
        case .readOnly: .flag
        }
    }

    /// The values the kernel accepts for an integer attribute with min or max checks.
    public var valueRange: ClosedRange<UInt64>? {
        switch self {
        default: nil
        }
    }
}

/// Commands of the dst family; notifications are sent to a multicast group.
public enum DSTCommand: UInt8, CaseIterable, Sendable {
    /// Create /dev/dstN over a connected, handshaken socket.
    case devAdd = 1
    /// Remove a device in any state; its queued and new I/O fails with EIO. Refused while mounted
    /// or claimed, unless force is given.
    case devDel
    /// Get one device, or dump all devices.
    case devGet
    /// Hand a connected, handshaken socket to an existing device. A newer generation than the
    /// device's replaces every older connection; an older one is refused.
    case devConnect
    /// Export a block device or file, opened by the caller.
    case exportAdd
    /// Remove an export; its clients are disconnected.
    case exportDel
    /// Get one export, or dump the exports of the caller's netns.
    case exportGet
    /// Hand a client socket, handshaken by the caller, to an export.
    case exportConnect
    /// A device was added, changed state or was removed.
    case devChangeNtf
    /// An export was added or removed, or a client came, left or was fenced.
    case exportChangeNtf
    /// Change a device's timeouts and reconnect policy, or (dstd) report that it is reconnecting
    /// (state) or why a reconnect failed (last-error).
    case devSet
    /// Replace the identities and the address prefixes an export admits. Connections they no longer
    /// admit are dropped.
    case exportSet
    /// Set an export's size: the size given, or without one the backing store's size now, rounded
    /// down to the logical block size. Connected clients that took the resize feature are told;
    /// shrinking is refused while a client is connected.
    case exportResize

    /// The operation's name in the spec.
    public var specName: String {
        switch self {
        case .devAdd: "dev-add"
        case .devDel: "dev-del"
        case .devGet: "dev-get"
        case .devConnect: "dev-connect"
        case .exportAdd: "export-add"
        case .exportDel: "export-del"
        case .exportGet: "export-get"
        case .exportConnect: "export-connect"
        case .devChangeNtf: "dev-change-ntf"
        case .exportChangeNtf: "export-change-ntf"
        case .devSet: "dev-set"
        case .exportSet: "export-set"
        case .exportResize: "export-resize"
        }
    }

    /// Whether the kernel requires CAP_NET_ADMIN.
    public var requiresAdmin: Bool {
        switch self {
        case .devAdd, .devDel, .devConnect, .exportAdd, .exportDel, .exportConnect, .devSet,
            .exportSet, .exportResize: true
        default: false
        }
    }

    /// The multicast group a notification is sent to; nil for requests.
    public var multicastGroup: String? {
        switch self {
        case .devChangeNtf: DSTFamily.eventsGroup
        case .exportChangeNtf: DSTFamily.eventsGroup
        default: nil
        }
    }
}

/// Appends the bytes of an integer as they lie in memory; callers pass `.bigEndian`.
private func wireAppend<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
}

/// Loads an integer from bytes as they lie in memory; callers convert with `init(bigEndian:)`.
private func wireLoad<T: FixedWidthInteger>(_ bytes: [UInt8], at offset: Int) -> T {
    var value: T = 0
    withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: bytes[offset..<(offset + MemoryLayout<T>.size)]) }
    return value
}
