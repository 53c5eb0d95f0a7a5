// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc

/// A server or listen address: "ADDR:PORT", "[IPv6]:PORT", "HOST:PORT",
/// or any of these without ":PORT" (DSTWire.defaultPort). Validated on
/// construction; `description` parses back to an equal value.
public struct DSTAddress: Equatable, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Hashable, Sendable { case ipv4, ipv6, hostname }

    public let host: String
    public let port: UInt16
    public let kind: Kind

    public init(host: String, port: UInt16, kind: Kind) {
        self.host = host
        self.port = port
        self.kind = kind
    }

    /// Parses `text`; throws DSTError.invalidAddress quoting it and saying
    /// what is wrong. An IPv6 literal is kept in its canonical form
    /// (RFC 5952: "[FD00:0::1]" becomes "[fd00::1]"), so that two spellings
    /// of one address are one listen address.
    public init(parsing text: String, defaultPort: UInt16 = UInt16(DSTWire.defaultPort)) throws {
        let parsed: DSTAddress
        switch Self.parse(text, defaultPort: defaultPort) {
        case let .success(a): parsed = a
        case let .failure(reason): throw DSTError.invalidAddress(text, reason: reason.description)
        }
        // The kernel keeps the address as text of at most address-max bytes.
        guard parsed.description.utf8.count <= DSTWire.addressMax else {
            throw DSTError.invalidAddress(text, reason: "longer than \(DSTWire.addressMax) bytes")
        }
        self = parsed
    }

    public var description: String {
        kind == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// What is wrong with an address; `description` completes
    /// "invalid address \"TEXT\": ".
    enum Problem: Error, Equatable, CustomStringConvertible {
        case empty
        case unclosedBracket
        case notIPv6(String)
        case afterBracket
        case port(String)
        case notHost(String)
        case notBareIPv6(String)

        var description: String {
            switch self {
            case .empty: return "no address"
            case .unclosedBracket: return "missing ']' after the IPv6 address"
            case let .notIPv6(s): return "\"\(s)\" in brackets is not an IPv6 address"
            case .afterBracket: return "expected ':PORT' after ']'"
            case let .port(s):
                return s.isEmpty ? "no port after ':'" : "port \"\(s)\" is not a number from 1 to 65535"
            case let .notHost(s): return "\"\(s)\" is not an IPv4 address or a host name"
            case let .notBareIPv6(s):
                return "\"\(s)\" is not an IPv6 address (with a port, write [ADDR]:PORT)"
            }
        }
    }

    private static func parse(_ text: String, defaultPort: UInt16) -> Result<DSTAddress, Problem> {
        guard !text.isEmpty else { return .failure(.empty) }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(.unclosedBracket) }
            let inside = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard let host = canonicalIPv6(inside) else { return .failure(.notIPv6(inside)) }
            if rest.isEmpty { return .success(DSTAddress(host: host, port: defaultPort, kind: .ipv6)) }
            guard rest.first == ":" else { return .failure(.afterBracket) }
            guard let port = parsePort(rest.dropFirst()) else { return .failure(.port(String(rest.dropFirst()))) }
            return .success(DSTAddress(host: host, port: port, kind: .ipv6))
        }
        let colons = text.filter { $0 == ":" }.count
        if colons > 1 {
            // A bare IPv6 address: no port can be told apart from it.
            guard let host = canonicalIPv6(text) else { return .failure(.notBareIPv6(text)) }
            return .success(DSTAddress(host: host, port: defaultPort, kind: .ipv6))
        }
        var host = Substring(text)
        var port = defaultPort
        if colons == 1, let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            let digits = text[text.index(after: colon)...]
            guard let p = parsePort(digits) else { return .failure(.port(String(digits))) }
            port = p
        }
        let h = String(host)
        if isIPv4(h) { return .success(DSTAddress(host: h, port: port, kind: .ipv4)) }
        if isHostname(h) { return .success(DSTAddress(host: h, port: port, kind: .hostname)) }
        return .failure(.notHost(h))
    }

    /// 1...65535 in plain decimal.
    private static func parsePort(_ s: Substring) -> UInt16? {
        guard !s.isEmpty, s.count <= 5, s.allSatisfy({ $0 >= "0" && $0 <= "9" }),
              let v = UInt32(s), v >= 1, v <= 65535 else { return nil }
        return UInt16(v)
    }

    static func isIPv4(_ s: String) -> Bool {
        var a = in_addr()
        // inet_pton accepts only the dotted quad, unlike inet_aton.
        return inet_pton(AF_INET, s, &a) == 1
    }

    /// An IPv6 literal, with an optional zone ("fe80::1%eth0").
    static func isIPv6(_ s: String) -> Bool { canonicalIPv6(s) != nil }

    /// The RFC 5952 text of an IPv6 literal (inet_ntop: lower case, the
    /// longest run of zero groups as "::"), its zone kept as given; nil if
    /// `s` is not one.
    static func canonicalIPv6(_ s: String) -> String? {
        var addr = Substring(s)
        var zone = ""
        if let percent = s.firstIndex(of: "%") {
            let z = s[s.index(after: percent)...]
            guard !z.isEmpty, z.utf8.count < 16, z.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
            else { return nil }
            addr = s[..<percent]
            zone = "%" + z
        }
        var a = in6_addr()
        guard inet_pton(AF_INET6, String(addr), &a) == 1 else { return nil }
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &a, &buf, socklen_t(buf.count)) != nil else { return nil }
        return String(cString: buf) + zone
    }

    /// RFC 1123 host names; all-numeric dotted names are not host names.
    static func isHostname(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        let labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        var allNumeric = true
        for label in labels {
            guard !label.isEmpty, label.count <= 63,
                  label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else { return false }
            for c in label {
                let ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d
                guard ok else { return false }
                if !(c >= 0x30 && c <= 0x39) { allNumeric = false }
            }
        }
        return !allNumeric
    }
}
