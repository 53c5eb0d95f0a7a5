// SPDX-License-Identifier: GPL-2.0-only OR MIT

/// A typed attribute value of a request, encoded by the transport.
public enum NLValue: Equatable, Sendable {
    case u32(UInt32)
    case u64(UInt64)
    case string(String)
    case binary([UInt8])
    case flag
}

/// One generic netlink message of the dst family: its command and its
/// top-level attributes as raw payloads (host byte order, as the kernel
/// sends them). Decoding is pure so tests build these by hand.
public struct NLMessage: Equatable, Sendable {
    public var command: UInt8
    public var attributes: [UInt16: [UInt8]]

    public init(command: UInt8, attributes: [UInt16: [UInt8]] = [:]) {
        self.command = command
        self.attributes = attributes
    }

    public init(command: DSTCommand, values: [(DSTAttr, NLValue)]) {
        self.command = command.rawValue
        self.attributes = [:]
        for (attr, value) in values {
            attributes[attr.rawValue] = value.payload
        }
    }

    public func has(_ attr: DSTAttr) -> Bool { attributes[attr.rawValue] != nil }

    public func u32(_ attr: DSTAttr) -> UInt32? {
        guard let raw = attributes[attr.rawValue], raw.count >= 4 else { return nil }
        return raw.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }

    public func u64(_ attr: DSTAttr) -> UInt64? {
        guard let raw = attributes[attr.rawValue] else { return nil }
        // The kernel may send a "uint" in 4 bytes when the value fits.
        if raw.count >= 8 { return raw.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } }
        if raw.count >= 4 { return UInt64(raw.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }) }
        return nil
    }

    /// A NLA_STRING payload: up to the first NUL, invalid UTF-8 repaired.
    public func string(_ attr: DSTAttr) -> String? {
        guard let raw = attributes[attr.rawValue] else { return nil }
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func binary(_ attr: DSTAttr) -> [UInt8]? { attributes[attr.rawValue] }
}

extension NLValue {
    /// Payload bytes as libnl would put them (strings NUL-terminated).
    var payload: [UInt8] {
        switch self {
        case let .u32(v): return withUnsafeBytes(of: v) { Array($0) }
        case let .u64(v): return withUnsafeBytes(of: v) { Array($0) }
        case let .string(s): return Array(s.utf8) + [0]
        case let .binary(b): return b
        case .flag: return []
        }
    }
}

/// Moves requests to the kernel and brings back the replies: the libnl
/// socket in production, a fake in tests.
protocol NetlinkTransport: AnyObject {
    /// Sends `command` with `values`. For a do request returns the reply
    /// messages (possibly none) once the kernel acked; for a dump all
    /// messages up to NLMSG_DONE. A kernel error is thrown as
    /// DSTError.kernel with `operation` set to the command's spec name.
    func request(_ command: DSTCommand, _ values: [(DSTAttr, NLValue)], dump: Bool) throws -> [NLMessage]
}
