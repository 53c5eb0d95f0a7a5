// SPDX-License-Identifier: GPL-2.0-only OR MIT

/// A typed attribute value of a request, encoded by the transport.
public enum NLValue: Equatable, Sendable {
    case u32(UInt32)
    case u64(UInt64)
    case string(String)
    case binary([UInt8])
    case flag
    /// Attributes of a nested set, in order; sent with NLA_F_NESTED.
    case nest([NLEntry])

    /// A nest of a generated nested struct's `attributes`, e.g.
    /// `.nesting(conn.attributes)` with DSTConnAttr keys.
    public static func nesting<A: RawRepresentable>(_ attributes: [(A, NLValue)]) -> NLValue
    where A.RawValue == UInt16 {
        .nest(attributes.map { NLEntry(type: $0.0.rawValue, value: $0.1) })
    }
}

/// One attribute inside a nest to send: its type number in the nested set
/// and its value.
public struct NLEntry: Equatable, Sendable {
    public var type: UInt16
    public var value: NLValue

    public init(type: UInt16, value: NLValue) {
        self.type = type
        self.value = value
    }
}

/// One attribute as received: its type (flags masked off) and payload
/// bytes (host byte order, as the kernel sends them).
public struct NLAttribute: Equatable, Sendable {
    public var type: UInt16
    public var payload: [UInt8]

    public init(type: UInt16, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }
}

/// A run of attributes in the order they came, repeats kept: the top level
/// of a message, or the payload of a nest. Getters for one value take the
/// last of a type, as nla_parse() does in the kernel and in libnl; the
/// plural getters take all of them, for multi-attr. Keys are any attribute
/// enum (DSTAttr, DSTConnAttr).
public struct NLAttributes: Equatable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    /// Bits of nla_type above the type number (NLA_F_NESTED 0x8000,
    /// NLA_F_NET_BYTEORDER 0x4000); nla_type() masks them off.
    public static let typeMask: UInt16 = 0x3fff
    /// NLA_F_NESTED, which a nest carries in its header.
    public static let nestedFlag: UInt16 = 0x8000

    public private(set) var elements: [NLAttribute]

    public init(_ elements: [NLAttribute] = []) {
        self.elements = elements
    }

    /// Unique types in any order, as the dictionary NLMessage once kept;
    /// for tests that build messages by hand.
    public init(dictionaryLiteral pairs: (UInt16, [UInt8])...) {
        self.elements = pairs.map { NLAttribute(type: $0.0, payload: $0.1) }
    }

    /// Parses a nest's payload (or a message's attribute bytes): 4-byte
    /// headers (u16 length including the header, u16 type), each attribute
    /// padded to 4 bytes, the last one's padding optional. nil when a length
    /// is below the header or runs past the end, or bytes are left over, as
    /// the kernel's strict parse refuses them.
    public init?(parsing bytes: some Collection<UInt8>) {
        let b = Array(bytes)
        var elements: [NLAttribute] = []
        var offset = 0
        while b.count - offset >= 4 {
            let (length, type) = b.withUnsafeBytes { raw in
                (Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)),
                 raw.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self) & Self.typeMask)
            }
            guard length >= 4, length <= b.count - offset else { return nil }
            elements.append(NLAttribute(type: type, payload: Array(b[(offset + 4)..<(offset + length)])))
            offset += (length + 3) & ~3
        }
        guard offset >= b.count else { return nil }
        self.elements = elements
    }

    // A Sequence, not a Collection: an Int index would make `attributes[3]`
    // the fourth attribute, where it has always meant type 3.
    public func makeIterator() -> IndexingIterator<[NLAttribute]> { elements.makeIterator() }

    public var count: Int { elements.count }
    public var isEmpty: Bool { elements.isEmpty }

    public mutating func append(_ attribute: NLAttribute) {
        elements.append(attribute)
    }

    public mutating func append(type: UInt16, payload: [UInt8]) {
        elements.append(NLAttribute(type: type, payload: payload))
    }

    /// The payload of the last attribute of `type`. Setting replaces every
    /// attribute of the type with one, where the first was (appended if
    /// there was none); nil removes them all.
    public subscript(type: UInt16) -> [UInt8]? {
        get { elements.last { $0.type == type }?.payload }
        set {
            let first = elements.firstIndex { $0.type == type }
            elements.removeAll { $0.type == type }
            guard let newValue else { return }
            elements.insert(NLAttribute(type: type, payload: newValue), at: first ?? elements.endIndex)
        }
    }

    /// The payloads of every attribute of `type`, in order.
    public func all(_ type: UInt16) -> [[UInt8]] {
        elements.filter { $0.type == type }.map(\.payload)
    }

    // MARK: Getters by attribute enum

    public func has<A: RawRepresentable>(_ attr: A) -> Bool where A.RawValue == UInt16 {
        self[attr.rawValue] != nil
    }

    public func u32<A: RawRepresentable>(_ attr: A) -> UInt32? where A.RawValue == UInt16 {
        self[attr.rawValue].flatMap(Self.u32)
    }

    public func u64<A: RawRepresentable>(_ attr: A) -> UInt64? where A.RawValue == UInt16 {
        self[attr.rawValue].flatMap(Self.u64)
    }

    public func string<A: RawRepresentable>(_ attr: A) -> String? where A.RawValue == UInt16 {
        self[attr.rawValue].map(Self.string)
    }

    public func binary<A: RawRepresentable>(_ attr: A) -> [UInt8]? where A.RawValue == UInt16 {
        self[attr.rawValue]
    }

    /// The last nest of `attr`, parsed; nil when absent or malformed.
    public func nest<A: RawRepresentable>(_ attr: A) -> NLAttributes? where A.RawValue == UInt16 {
        self[attr.rawValue].flatMap { NLAttributes(parsing: $0) }
    }

    /// Every value of a repeated (multi-attr) u32; payloads too short are
    /// left out.
    public func u32s<A: RawRepresentable>(_ attr: A) -> [UInt32] where A.RawValue == UInt16 {
        all(attr.rawValue).compactMap(Self.u32)
    }

    public func u64s<A: RawRepresentable>(_ attr: A) -> [UInt64] where A.RawValue == UInt16 {
        all(attr.rawValue).compactMap(Self.u64)
    }

    public func strings<A: RawRepresentable>(_ attr: A) -> [String] where A.RawValue == UInt16 {
        all(attr.rawValue).map(Self.string)
    }

    public func binaries<A: RawRepresentable>(_ attr: A) -> [[UInt8]] where A.RawValue == UInt16 {
        all(attr.rawValue)
    }

    /// Every nest of a repeated (multi-attr) nest attribute, parsed, in
    /// order; malformed ones are left out.
    public func nests<A: RawRepresentable>(_ attr: A) -> [NLAttributes] where A.RawValue == UInt16 {
        all(attr.rawValue).compactMap { NLAttributes(parsing: $0) }
    }

    // MARK: Payload decoding

    private static func u32(_ raw: [UInt8]) -> UInt32? {
        guard raw.count >= 4 else { return nil }
        return raw.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }

    private static func u64(_ raw: [UInt8]) -> UInt64? {
        // The kernel may send a "uint" in 4 bytes when the value fits.
        if raw.count >= 8 { return raw.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } }
        if raw.count >= 4 { return UInt64(raw.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }) }
        return nil
    }

    /// A NLA_STRING payload: up to the first NUL, invalid UTF-8 repaired.
    private static func string(_ raw: [UInt8]) -> String {
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// One generic netlink message of the dst family: its command and its
/// top-level attributes as raw payloads, in order, repeats kept. Decoding is
/// pure so tests build these by hand.
public struct NLMessage: Equatable, Sendable {
    public var command: UInt8
    public var attributes: NLAttributes

    public init(command: UInt8, attributes: NLAttributes = [:]) {
        self.command = command
        self.attributes = attributes
    }

    /// A message carrying `values` in order; a nest's payload as
    /// `NLValue.payload` encodes it.
    public init(command: DSTCommand, values: [(DSTAttr, NLValue)]) {
        self.command = command.rawValue
        self.attributes = NLAttributes(values.map { NLAttribute(type: $0.0.rawValue, payload: $0.1.payload) })
    }

    public func has(_ attr: DSTAttr) -> Bool { attributes.has(attr) }

    public func u32(_ attr: DSTAttr) -> UInt32? { attributes.u32(attr) }

    public func u64(_ attr: DSTAttr) -> UInt64? { attributes.u64(attr) }

    /// A NLA_STRING payload: up to the first NUL, invalid UTF-8 repaired.
    public func string(_ attr: DSTAttr) -> String? { attributes.string(attr) }

    public func binary(_ attr: DSTAttr) -> [UInt8]? { attributes.binary(attr) }

    /// The last nest of `attr`, parsed; nil when absent or malformed.
    public func nest(_ attr: DSTAttr) -> NLAttributes? { attributes.nest(attr) }

    // Repeated (multi-attr) attributes, every value in order.

    public func u32s(_ attr: DSTAttr) -> [UInt32] { attributes.u32s(attr) }

    public func u64s(_ attr: DSTAttr) -> [UInt64] { attributes.u64s(attr) }

    public func strings(_ attr: DSTAttr) -> [String] { attributes.strings(attr) }

    public func binaries(_ attr: DSTAttr) -> [[UInt8]] { attributes.binaries(attr) }

    public func nests(_ attr: DSTAttr) -> [NLAttributes] { attributes.nests(attr) }
}

extension NLValue {
    /// Payload bytes as libnl would put them (strings NUL-terminated; a
    /// nest's attributes each with its header and padded to 4 bytes, inner
    /// nests flagged NLA_F_NESTED). An attribute longer than a u16 length
    /// can say is a programming error.
    var payload: [UInt8] {
        switch self {
        case let .u32(v): return withUnsafeBytes(of: v) { Array($0) }
        case let .u64(v): return withUnsafeBytes(of: v) { Array($0) }
        case let .string(s): return Array(s.utf8) + [0]
        case let .binary(b): return b
        case .flag: return []
        case let .nest(entries):
            var bytes: [UInt8] = []
            for entry in entries {
                let inner = entry.value.payload
                let length = 4 + inner.count
                precondition(length <= Int(UInt16.max), "attribute \(entry.type) is \(length) bytes, more than a u16")
                var type = entry.type
                if case .nest = entry.value { type |= NLAttributes.nestedFlag }
                withUnsafeBytes(of: UInt16(length)) { bytes.append(contentsOf: $0) }
                withUnsafeBytes(of: type) { bytes.append(contentsOf: $0) }
                bytes.append(contentsOf: inner)
                bytes.append(contentsOf: repeatElement(0, count: (4 - length % 4) % 4))
            }
            return bytes
        }
    }
}

/// Moves requests to the kernel and brings back the replies: the libnl
/// socket in production, a fake in tests.
protocol NetlinkTransport: AnyObject {
    /// Sends `command` with `values`, in order (a multi-attr attribute once
    /// per value). For a do request returns the reply messages (possibly
    /// none) once the kernel acked; for a dump all messages up to
    /// NLMSG_DONE. A kernel error is thrown as DSTError.kernel with
    /// `operation` set to the command's spec name.
    func request(_ command: DSTCommand, _ values: [(DSTAttr, NLValue)], dump: Bool) throws -> [NLMessage]
}
