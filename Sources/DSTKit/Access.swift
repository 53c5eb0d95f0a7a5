// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc

/// Whom an export admits: with TLS, the identities it lists (each with its
/// PSK key file, or a certificate subject) and the server's certificate;
/// and, with TLS or not, the address prefixes it takes clients from. The
/// kernel keeps it (export-add, export-set) and checks every connection
/// against it; dstd reads it back to find a client's key.
public struct DSTAccess: Equatable, Sendable {
    /// Takes TLS connections only; false: an insecure export.
    public var tlsRequired: Bool
    public var allow: [DSTAllowEntry]
    /// Empty: clients from anywhere.
    public var from: [DSTCIDR]
    /// The server's certificate, key and the clients' CA, for X.509.
    public var server: DSTServerCertificate?

    public init(tlsRequired: Bool = false, allow: [DSTAllowEntry] = [], from: [DSTCIDR] = [],
                server: DSTServerCertificate? = nil) {
        self.tlsRequired = tlsRequired
        self.allow = allow
        self.from = from
        self.server = server
    }

    /// The entry admitting a client that proved `identity` (a PSK identity,
    /// or a certificate's CN) with certificate `subject` (empty with a PSK).
    public func entry(identity: String, subject: String) -> DSTAllowEntry? {
        allow.first { $0.identity == identity || (!subject.isEmpty && $0.identity == subject) }
    }

    /// Whether a client at `address` (ADDR or [ADDR], a port after it is ignored) may connect.
    public func admits(peer address: String) -> Bool {
        guard !from.isEmpty else { return true }
        guard let ip = DSTCIDR.address(ofPeer: address) else { return false }
        return from.contains { $0.contains(ip) }
    }

    var allowNests: [DSTAllow] {
        allow.map { DSTAllow(identity: $0.identity, keyPath: $0.keyPath, readOnly: $0.readOnly) }
    }

    init(reply r: DSTExportGetReply) {
        tlsRequired = r.tlsRequired
        allow = r.allow.compactMap { a in
            a.identity.map { DSTAllowEntry(identity: $0, keyPath: a.keyPath, readOnly: a.readOnly) }
        }
        from = r.allowFrom.compactMap(DSTCIDR.init(bytes:))
        if let cert = r.certPath, let key = r.keyPath, let ca = r.caPath {
            server = DSTServerCertificate(certPath: cert, keyPath: key, caPath: ca)
        }
    }
}

/// One identity an export admits.
public struct DSTAllowEntry: Equatable, Sendable {
    /// A PSK identity, or a certificate's CN or whole subject.
    public var identity: String
    /// Its PSK key file; nil for a certificate subject.
    public var keyPath: String?
    public var readOnly: Bool

    public init(identity: String, keyPath: String?, readOnly: Bool) {
        self.identity = identity
        self.keyPath = keyPath
        self.readOnly = readOnly
    }
}

/// An export's X.509 certificate, its key, and the CA of its clients'.
public struct DSTServerCertificate: Equatable, Sendable {
    public var certPath: String
    public var keyPath: String
    public var caPath: String

    public init(certPath: String, keyPath: String, caPath: String) {
        self.certPath = certPath
        self.keyPath = keyPath
        self.caPath = caPath
    }

    public var credentials: DSTCredentials {
        .x509(certPath: certPath, keyPath: keyPath, caPath: caPath, serverName: nil)
    }
}

/// An address prefix: "10.0.0.0/24", "2001:db8::/32"; a plain address is
/// a /32 or /128.
public struct DSTCIDR: Equatable, Hashable, Sendable, CustomStringConvertible {
    public enum Family: UInt8, Sendable {
        case ipv4 = 2
        case ipv6 = 10
    }

    public let family: Family
    public let prefix: UInt8
    /// 4 or 16 bytes, the bits past the prefix zero.
    public let address: [UInt8]

    public init?(parsing text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let ip = Self.parseAddress(String(parts[0])) else { return nil }
        let bits = ip.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].count <= 3, parts[1].allSatisfy({ $0 >= "0" && $0 <= "9" }),
                  let p = Int(parts[1]), p <= bits else { return nil }
            prefix = p
        }
        self.init(family: ip.count == 4 ? .ipv4 : .ipv6, prefix: UInt8(prefix), address: ip)
    }

    init(family: Family, prefix: UInt8, address: [UInt8]) {
        self.family = family
        self.prefix = prefix
        self.address = address.enumerated().map { i, b in
            let keep = Int(prefix) - i * 8
            return keep >= 8 ? b : keep <= 0 ? 0 : b & UInt8(truncatingIfNeeded: 0xff << (8 - keep))
        }
    }

    /// The kernel's allow-from attribute: family, prefix, two zero bytes,
    /// 16 address bytes (DSTWire.cidrLen).
    var bytes: [UInt8] {
        [family.rawValue, prefix, 0, 0] + address + [UInt8](repeating: 0, count: 16 - address.count)
    }

    init?(bytes b: [UInt8]) {
        guard b.count == DSTWire.cidrLen, let family = Family(rawValue: b[0]) else { return nil }
        let count = family == .ipv4 ? 4 : 16
        guard Int(b[1]) <= count * 8 else { return nil }
        self.init(family: family, prefix: b[1], address: Array(b[4..<4 + count]))
    }

    public var description: String {
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        address.withUnsafeBytes { _ = inet_ntop(Int32(family.rawValue), $0.baseAddress, &buf, socklen_t(buf.count)) }
        return "\(String(cString: buf))/\(prefix)"
    }

    /// Whether `ip` (4 or 16 bytes) lies in the prefix. An IPv4-mapped
    /// IPv6 address (::ffff:a.b.c.d, an IPv4 client of an IPv6 socket)
    /// counts as its IPv4 address, as the kernel takes it: IPv4 prefixes
    /// match it, IPv6 ones do not.
    public func contains(_ ip: [UInt8]) -> Bool {
        let ip = Self.unmapped(ip)
        return ip.count == address.count && DSTCIDR(family: family, prefix: prefix, address: ip).address == address
    }

    /// The IPv4 address of an IPv4-mapped IPv6 address; any other as it is.
    static func unmapped(_ ip: [UInt8]) -> [UInt8] {
        guard ip.count == 16, ip[0..<10].allSatisfy({ $0 == 0 }), ip[10] == 0xff, ip[11] == 0xff else { return ip }
        return Array(ip[12...])
    }

    static func parseAddress(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// The address of a peer as TCPStream names it: "ADDR:PORT" or "[ADDR]:PORT".
    static func address(ofPeer peer: String) -> [UInt8]? {
        var host = Substring(peer)
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":"), host.filter({ $0 == ":" }).count == 1 {
            host = host[..<colon]
        }
        return parseAddress(String(host))
    }
}
