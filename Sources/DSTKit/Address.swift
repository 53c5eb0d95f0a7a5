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

    /// Parses `text`; throws DSTError.invalidAddress quoting it.
    public init(parsing text: String, defaultPort: UInt16 = UInt16(DSTWire.defaultPort)) throws {
        // The kernel keeps the address as text of at most address-max bytes.
        guard let parsed = Self.parse(text, defaultPort: defaultPort),
              parsed.description.utf8.count <= DSTWire.addressMax else {
            throw DSTError.invalidAddress(text)
        }
        self = parsed
    }

    public var description: String {
        kind == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private static func parse(_ text: String, defaultPort: UInt16) -> DSTAddress? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard isIPv6(host) else { return nil }
            if rest.isEmpty { return DSTAddress(host: host, port: defaultPort, kind: .ipv6) }
            guard rest.first == ":", let port = parsePort(rest.dropFirst()) else { return nil }
            return DSTAddress(host: host, port: port, kind: .ipv6)
        }
        let colons = text.filter { $0 == ":" }.count
        if colons > 1 {
            // A bare IPv6 address: no port can be told apart from it.
            return isIPv6(text) ? DSTAddress(host: text, port: defaultPort, kind: .ipv6) : nil
        }
        var host = Substring(text)
        var port = defaultPort
        if colons == 1, let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            guard let p = parsePort(text[text.index(after: colon)...]) else { return nil }
            port = p
        }
        let h = String(host)
        if isIPv4(h) { return DSTAddress(host: h, port: port, kind: .ipv4) }
        if isHostname(h) { return DSTAddress(host: h, port: port, kind: .hostname) }
        return nil
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
    static func isIPv6(_ s: String) -> Bool {
        var addr = Substring(s)
        if let percent = s.firstIndex(of: "%") {
            let zone = s[s.index(after: percent)...]
            guard !zone.isEmpty, zone.utf8.count < 16, zone.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
            else { return false }
            addr = s[..<percent]
        }
        var a = in6_addr()
        return inet_pton(AF_INET6, String(addr), &a) == 1
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
