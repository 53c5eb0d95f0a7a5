// SPDX-License-Identifier: GPL-2.0-only OR MIT
import CDSTTLS
import Glibc

/// How one side of a connection proves who it is.
public enum DSTCredentials: Equatable, Sendable {
    /// A pre-shared key (a `dstctl genkey` file) under an identity name.
    case psk(identity: String, keyPath: String)
    /// A certificate and its key, and the CA that signs the peer's. A
    /// client names the server it expects (the server's certificate must
    /// carry that DNS name).
    case x509(certPath: String, keyPath: String, caPath: String, serverName: String?)
}

/// The cipher of a TLS connection.
public enum DSTTLSCipher: Int32, Sendable {
    case aes128GCM = 1
    case chacha20Poly1305 = 2

    /// As the spec names it: "aes-128-gcm".
    public var specName: String {
        switch self {
        case .aes128GCM: return "aes-128-gcm"
        case .chacha20Poly1305: return "chacha20-poly1305"
        }
    }
}

/// TLS 1.3 on a connected socket, handshaken by GnuTLS (CDSTTLS): the DST
/// hello and reply go through it, then `toKernel()` hands the record layer
/// to kernel TLS and the socket goes to the kernel as a plaintext one would.
public final class TLSStream: ByteStream {
    private var session: OpaquePointer?
    /// The TCP connection under it.
    public let stream: TCPStream
    /// Who the peer proved to be: its PSK identity, or its certificate's CN.
    public let peerIdentity: String
    /// Its certificate's subject (RFC 4514); empty with a PSK.
    public let peerSubject: String
    public let cipher: DSTTLSCipher?

    /// How long a handshake may take, in milliseconds.
    public static let handshakeTimeout: UInt32 = 10_000

    private init(session: OpaquePointer, stream: TCPStream, result: dst_tls_result) {
        self.session = session
        self.stream = stream
        var r = result
        peerIdentity = cString(&r.identity)
        peerSubject = cString(&r.peer_dn)
        cipher = DSTTLSCipher(rawValue: result.cipher)
    }

    deinit {
        if let session { dst_tls_free(session) }
    }

    /// The client side: `credentials` for us, the server checked against
    /// them. Throws DSTError.tls saying why in words a user can act on.
    public static func client(_ stream: TCPStream, credentials: DSTCredentials,
                              ciphers: DSTTLSCiphers = .any) throws -> TLSStream {
        try handshake(stream, credentials: credentials, ciphers: ciphers, server: false, lookup: nil)
    }

    /// The server side: `lookup` gives the key of a PSK identity (nil: not
    /// admitted); with X.509, `credentials` are the server's.
    public static func server(_ stream: TCPStream, credentials: DSTCredentials?,
                              lookup: ((String) -> [UInt8]?)?) throws -> TLSStream {
        try handshake(stream, credentials: credentials, ciphers: .any, server: true, lookup: lookup)
    }

    public func read(exactly count: Int) throws -> [UInt8] {
        guard let session else { throw DSTError.handshake(peer: stream.peer, reason: "TLS session closed") }
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out.withUnsafeMutableBytes { dst_tls_recv(session, $0.baseAddress! + got, count - got) }
            if n == 0 { break }
            if n < 0 { throw readError(Int32(n)) }
            got += n
        }
        return Array(out.prefix(got))
    }

    public func write(all bytes: [UInt8]) throws {
        guard let session else { throw DSTError.handshake(peer: stream.peer, reason: "TLS session closed") }
        let n = bytes.withUnsafeBytes { dst_tls_send(session, $0.baseAddress, $0.count) }
        if n < 0 { throw DSTTLSFailure.transport(Int32(n)).error(peer: stream.peer, client: true) }
    }

    /// A failed read: a client whose certificate the server refused learns
    /// it here, on its first read after the handshake (TLS 1.3).
    private func readError(_ code: Int32) -> DSTError {
        if let session, dst_tls_last_alert(session) >= 0 {
            return DSTTLSFailure.alert(dst_tls_last_alert(session)).error(peer: stream.peer, client: true)
        }
        if code == -110 { return DSTError.tls(peer: stream.peer, reason: "the peer closed the connection") }
        return DSTTLSFailure.transport(code).error(peer: stream.peer, client: true)
    }

    /// Installs the keys in the kernel and forgets them: from here the
    /// socket carries TLS records the kernel makes and checks.
    public func toKernel() throws {
        guard let session else { return }
        self.session = nil
        let rc = dst_tls_to_kernel(session)
        if rc < 0 {
            throw DSTError.system(call: "installing kernel TLS on the connection to \(stream.peer)", errno: -rc)
        }
    }

    private static func handshake(_ stream: TCPStream, credentials: DSTCredentials?, ciphers: DSTTLSCiphers,
                                  server: Bool, lookup: ((String) -> [UInt8]?)?) throws -> TLSStream {
        _ = DSTTLSLibrary.initialized
        var key: [UInt8] = []
        defer { key.withUnsafeMutableBytes { wipe($0) } }
        if !server, case let .psk(_, keyPath)? = credentials { key = try DSTKeyFile.read(keyPath) }
        var config = dst_tls_config()
        config.ciphers = ciphers.rawValue
        config.handshake_timeout_ms = handshakeTimeout
        config.io_timeout_ms = UInt32(Net.ioTimeout * 1000)
        var result = dst_tls_result()
        var session: OpaquePointer?
        let box = LookupBox(lookup)
        let rc: Int32 = try withCredentials(credentials) { identity, cert, certKey, ca, name in
            config.auth = Int32(cert == nil ? DST_TLS_AUTH_PSK.rawValue : DST_TLS_AUTH_X509.rawValue)
            config.psk_identity = identity
            config.cert_file = cert
            config.key_file = certKey
            config.ca_file = ca
            config.server_name = name
            return key.withUnsafeBufferPointer { k in
                config.psk_key = k.baseAddress
                config.psk_key_len = k.count
                return withExtendedLifetime(box) {
                    if server && lookup != nil {
                        config.psk_lookup = dstPSKLookup
                        config.psk_lookup_ctx = Unmanaged.passUnretained(box).toOpaque()
                    }
                    return server ? dst_tls_server(stream.fd.raw, &config, &session, &result)
                        : dst_tls_client(stream.fd.raw, &config, &session, &result)
                }
            }
        }
        guard rc == 0, let session else {
            throw DSTTLSFailure(code: rc, result: result).error(peer: stream.peer, client: !server)
        }
        return TLSStream(session: session, stream: stream, result: result)
    }

    /// Calls `body` with the C strings of `credentials`.
    private static func withCredentials<R>(
        _ credentials: DSTCredentials?,
        _ body: (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
                 UnsafePointer<CChar>?) throws -> R
    ) throws -> R {
        switch credentials {
        case nil:
            return try body(nil, nil, nil, nil, nil)
        case let .psk(identity, _)?:
            return try identity.withCString { try body($0, nil, nil, nil, nil) }
        case let .x509(certPath, keyPath, caPath, serverName)?:
            return try certPath.withCString { c in
                try keyPath.withCString { k in
                    try caPath.withCString { a in
                        try withOptionalCString(serverName) { try body(nil, c, k, a, $0) }
                    }
                }
            }
        }
    }
}

/// TLS record content types (RFC 8446, 5.1).
public enum DSTTLSRecord {
    /// The first byte of a ClientHello.
    public static let handshake: UInt8 = 0x16
}

/// The CN of the certificate in `path`: a device's identity with X.509.
public func certificateCommonName(_ path: String) throws -> String {
    _ = DSTTLSLibrary.initialized
    var buf = [CChar](repeating: 0, count: 256)
    let rc = dst_tls_certificate_cn(path, &buf, buf.count)
    guard rc == 0 else {
        throw DSTError.badCertificate(path: path, reason: DSTTLSFailure.codeReason(rc))
    }
    return String(cString: buf)
}

/// Which ciphers a handshake offers.
public enum DSTTLSCiphers: Int32, Sendable {
    case any = 0
    case aes128GCM = 1
    case chacha20Poly1305 = 2
}

/// GnuTLS is initialised once per process.
enum DSTTLSLibrary {
    static let initialized: Bool = dst_tls_global_init() == 0
}

/// The server's PSK lookup, for C.
private final class LookupBox {
    let lookup: ((String) -> [UInt8]?)?
    init(_ lookup: ((String) -> [UInt8]?)?) { self.lookup = lookup }
}

private let dstPSKLookup: dst_tls_psk_lookup_fn = { ctx, identity, key, cap, len in
    guard let ctx, let identity, let key, let len else { return -1 }
    let box = Unmanaged<LookupBox>.fromOpaque(ctx).takeUnretainedValue()
    guard var bytes = box.lookup?(String(cString: identity)), !bytes.isEmpty, bytes.count <= cap else { return -1 }
    defer { bytes.withUnsafeMutableBytes { wipe($0) } }
    bytes.withUnsafeBytes { UnsafeMutableRawPointer(key).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    len.pointee = bytes.count
    return 0
}

/// Why a TLS handshake or read failed, in the words of the side that saw it.
enum DSTTLSFailure {
    case alert(Int32)
    case transport(Int32)
    case result(code: Int32, result: dst_tls_result)

    init(code: Int32, result: dst_tls_result) { self = .result(code: code, result: result) }

    /// TLS alerts (RFC 8446, 6).
    static let alertNames: [Int32: String] = [
        0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 40: "handshake_failure",
        42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked",
        45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
        49: "access_denied", 50: "decode_error", 51: "decrypt_error", 70: "protocol_version",
        80: "internal_error", 109: "missing_extension", 112: "unrecognized_name",
        115: "unknown_psk_identity", 116: "certificate_required",
    ]

    func error(peer: String, client: Bool) -> DSTError {
        DSTError.tls(peer: peer, reason: reason(client: client))
    }

    func reason(client: Bool) -> String {
        switch self {
        case let .alert(alert):
            return Self.alertReason(alert, client: client)
        case let .transport(code):
            return Self.codeReason(code)
        case let .result(code, result):
            if result.alert_received >= 0 { return Self.alertReason(result.alert_received, client: client) }
            var first = result.peer_first
            let firstBytes = withUnsafeBytes(of: &first) { Array($0.prefix(Int(result.peer_first_len))) }
            if code == -15 || code == -9 {
                if client && startsDSTReply(firstBytes) {
                    return "the server does not offer TLS for this address (an export without credentials)"
                }
                if !client { return "the client did not speak TLS" }
            }
            if code == -348 {
                return client ? "the server's certificate is not trusted (\(Self.verifyText(result.verify_status)))"
                    : "the client's certificate is not trusted (\(Self.verifyText(result.verify_status)))"
            }
            if result.identity_unknown != 0 {
                var identity = result.identity
                return "unknown identity \"\(cString(&identity))\""
            }
            if code == -55 { return "wrong key" }
            return Self.codeReason(code)
        }
    }

    static func alertReason(_ alert: Int32, client: Bool) -> String {
        let name = alertNames[alert] ?? "alert \(alert)"
        switch alert {
        case 47, 51, 20:
            return client ? "wrong key: the server's key for this identity differs (\(name))"
                : "wrong key: the client's key differs (\(name))"
        case 115:
            return "unknown identity: the server does not admit it (\(name))"
        case 42, 48, 116:
            return client ? "the server does not trust our certificate (\(name))"
                : "the client does not trust our certificate (\(name))"
        case 49:
            return "access denied (\(name))"
        default:
            return "TLS alert from the peer: \(name)"
        }
    }

    static func codeReason(_ code: Int32) -> String {
        if code == -319 { return "TLS handshake timed out" }
        if code == -110 { return "connection closed during the TLS handshake" }
        return "\(String(cString: dst_tls_error_text(code))) (\(String(cString: dst_tls_error_name(code))))"
    }

    static func verifyText(_ status: UInt32) -> String {
        var parts: [String] = []
        if status & 0x40 != 0 { parts.append("unknown issuer") }
        if status & 0x400 != 0 { parts.append("expired") }
        if status & 0x4000 != 0 { parts.append("name does not match") }
        if status & 0x40000 != 0 { parts.append("wrong key purpose") }
        if status & 0x2 != 0 && parts.isEmpty { parts.append("invalid") }
        return parts.isEmpty ? "status \(hex(UInt64(status)))" : parts.joined(separator: ", ")
    }

    /// The start of a plaintext DST server reply: a server that answered a
    /// TLS ClientHello in the clear.
    func startsDSTReply(_ bytes: [UInt8]) -> Bool {
        let magic = withUnsafeBytes(of: UInt64(DSTWire.replyMagic).bigEndian) { Array($0) }
        return bytes.count >= 5 && Array(magic.prefix(bytes.count)) == bytes
    }
}

/// Overwrites `buffer` with zeroes in a way the compiler keeps.
func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
    guard let base = buffer.baseAddress else { return }
    explicit_bzero(base, buffer.count)
}

private func cString<T>(_ tuple: inout T) -> String {
    withUnsafeBytes(of: &tuple) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
}

private func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) throws -> R) rethrows -> R {
    guard let text else { return try body(nil) }
    return try text.withCString { try body($0) }
}
