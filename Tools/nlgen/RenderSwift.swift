// Sources/DSTKit/Generated/DSTSpec.swift: the Swift side of the spec, for
// dstctl and dstd: family names, wire constants, enums, flags, the wire
// structs with their big-endian codecs, attributes and commands.

extension Family {
    /// "DST", the prefix of the Swift types.
    var swiftPrefix: String { cUpper(name) }

    func swiftType(_ specName: String) -> String {
        swiftPrefix + upperCamel(specName)
    }

    func swiftAttrCase(_ a: AttributeModel) -> String { swiftName(a.name) }
}

/// `///` doc lines at an indent, wrapped at 100 columns.
private func swiftDoc(_ doc: String?, indent: String) -> [String] {
    var lines: [String] = []
    for (i, para) in paragraphs(doc).enumerated() {
        if i > 0 {
            lines.append("\(indent)///")
        }
        lines += wrap(para, width: 100, first: "\(indent)/// ", rest: "\(indent)/// ")
    }
    return lines
}

private let i1 = "    "
private let i2 = "        "
private let i3 = "            "

extension Family {
    func renderSwift() throws(SpecError) -> String {
        var out = Lines()
        out.add("// \(banner)")
        out.add()
        out.add(swiftFamily())
        out.add()
        out.add(swiftWire())
        out.add()
        out.add(swiftDecodeError())
        for definition in definitions {
            switch definition {
            case .constant:
                continue
            case let .enumeration(e) where e.isFlags:
                out.add()
                out.add(swiftFlags(e))
            case let .enumeration(e):
                out.add()
                out.add(swiftEnum(e))
            case let .structure(s):
                out.add()
                out.add(swiftStruct(s))
            }
        }
        out.add()
        out.add(swiftAttributes())
        out.add()
        out.add(swiftCommands())
        if !structures.isEmpty {
            out.add()
            out.add(swiftCodecHelpers())
        }

        var seen = Set<String>()
        let types = ["Family", "Wire", "DecodeError", "Attr", "AttrKind", "Command"].map { swiftPrefix + $0 }
            + definitions.compactMap { if case .constant = $0 { nil } else { swiftType($0.name) } }
        for type in types where !seen.insert(type).inserted {
            throw SpecError("two definitions produce the Swift type \(type)")
        }
        return out.text
    }

    private func swiftFamily() -> [String] {
        var lines = ["/// The generic netlink family."]
        if doc != nil {
            lines.append("///")
            lines += swiftDoc(doc, indent: "")
        }
        lines.append("public enum \(swiftPrefix)Family {")
        lines.append("\(i1)public static let name = \(swiftString(name))")
        lines.append("\(i1)public static let version: UInt8 = \(version)")
        for group in groups {
            lines.append("")
            lines += swiftDoc(group.doc ?? "The multicast group \"\(group.name)\".", indent: i1)
            lines.append("\(i1)public static let \(lowerCamel(group.name))Group = \(swiftString(group.name))")
        }
        lines.append("}")
        return lines
    }

    private func swiftWire() -> [String] {
        var lines = ["/// Constants of the wire protocol and the netlink API."]
        lines.append("public enum \(swiftPrefix)Wire {")
        for (i, c) in constants.enumerated() {
            if i > 0 {
                lines.append("")
            }
            lines += swiftDoc(c.doc, indent: i1)
            lines.append("\(i1)public static let \(swiftName(c.name)): Int = \(c.value.text)")
        }
        lines.append("}")
        return lines
    }

    private func swiftDecodeError() -> [String] {
        [
            "/// Why bytes from the wire do not decode.",
            "public enum \(swiftPrefix)DecodeError: Error, Equatable, Sendable {",
            "\(i1)/// Fewer bytes than the struct `type` (its spec name) needs.",
            "\(i1)case truncated(type: String, needed: Int, got: Int)",
            "}",
        ]
    }

    private func swiftEnum(_ e: Enumeration) -> [String] {
        var lines = swiftDoc(e.doc, indent: "")
        lines.append("public enum \(swiftType(e.name)): UInt32, CaseIterable, Sendable {")
        for entry in e.entries {
            lines += swiftDoc(entry.doc, indent: i1)
            lines.append("\(i1)case \(swiftName(entry.name)) = \(e.userValue(entry))")
        }
        lines.append("")
        lines.append("\(i1)/// The entry's name in the spec.")
        lines.append("\(i1)public var specName: String {")
        lines.append("\(i2)switch self {")
        for entry in e.entries {
            lines.append("\(i2)case .\(lowerCamel(entry.name)): \(swiftString(entry.name))")
        }
        lines.append("\(i2)}")
        lines.append("\(i1)}")
        lines.append("}")
        return lines
    }

    private func swiftFlags(_ e: Enumeration) -> [String] {
        var lines = swiftDoc(e.doc, indent: "")
        lines.append("public struct \(swiftType(e.name)): OptionSet, Sendable, Hashable {")
        lines.append("\(i1)public let rawValue: UInt32")
        lines.append("")
        lines.append("\(i1)public init(rawValue: UInt32) {")
        lines.append("\(i2)self.rawValue = rawValue")
        lines.append("\(i1)}")
        for entry in e.entries {
            lines.append("")
            lines += swiftDoc(entry.doc, indent: i1)
            lines.append("\(i1)public static let \(swiftName(entry.name)) = Self(rawValue: 1 << \(entry.value))")
        }
        lines.append("")
        lines.append("\(i1)/// Every flag the spec defines; other bits are refused by the kernel.")
        let all = e.entries.map { "." + lowerCamel($0.name) }.joined(separator: ", ")
        lines += wrap("\(i1)public static let all: Self = [\(all)]", width: 100, first: "", rest: i2)
        lines.append("")
        lines.append("\(i1)/// The spec names of the flags that are set, lowest bit first; unknown bits are left out.")
        lines.append("\(i1)public var specNames: [String] {")
        lines.append("\(i2)var names: [String] = []")
        for entry in e.entries {
            lines.append("\(i2)if contains(.\(lowerCamel(entry.name))) {")
            lines.append("\(i3)names.append(\(swiftString(entry.name)))")
            lines.append("\(i2)}")
        }
        lines.append("\(i2)return names")
        lines.append("\(i1)}")
        lines.append("}")
        return lines
    }

    private func swiftMemberType(_ m: StructMember) -> String {
        switch m.kind {
        case let .scalar(width, _): "UInt\(width.rawValue * 8)"
        case .binary: "[UInt8]"
        }
    }

    private func swiftStruct(_ s: Structure) -> [String] {
        let type = swiftType(s.name)
        var lines = swiftDoc(s.doc, indent: "")
        if s.doc != nil {
            lines.append("///")
        }
        lines.append("/// On the wire: \(s.size) bytes, \(describeOrder(s)).")
        lines.append("public struct \(type): Equatable, Sendable {")
        lines.append("\(i1)/// Bytes on the wire.")
        lines.append("\(i1)public static let size: Int = \(s.size)")
        for m in s.members {
            lines.append("")
            lines += swiftDoc(m.doc, indent: i1)
            if case let .binary(length) = m.kind {
                if m.doc != nil {
                    lines.append("\(i1)///")
                }
                lines.append("\(i1)/// Exactly \(length) bytes.")
            }
            lines.append("\(i1)public var \(swiftName(m.name)): \(swiftMemberType(m))")
        }

        lines.append("")
        let params = s.members.map { "\(swiftName($0.name)): \(swiftMemberType($0))" }
        let oneLine = "\(i1)public init(\(params.joined(separator: ", "))) {"
        if oneLine.count <= 100 {
            lines.append(oneLine)
        } else {
            lines.append("\(i1)public init(")
            lines += params.enumerated().map { "\(i2)\($1)\($0 < params.count - 1 ? "," : "")" }
            lines.append("\(i1)) {")
        }
        for m in s.members {
            lines.append("\(i2)self.\(lowerCamel(m.name)) = \(swiftName(m.name))")
        }
        lines.append("\(i1)}")

        lines.append("")
        lines.append("\(i1)/// The \(s.size) bytes on the wire.")
        lines.append("\(i1)public func encoded() -> [UInt8] {")
        for m in s.members {
            if case let .binary(length) = m.kind {
                let name = lowerCamel(m.name)
                lines.append("\(i2)precondition(\(name).count == \(length), \"\(s.name) \(m.name) must be \(length) bytes, not \\(\(name).count)\")")
            }
        }
        lines.append("\(i2)var bytes: [UInt8] = []")
        lines.append("\(i2)bytes.reserveCapacity(Self.size)")
        for m in s.members {
            let name = lowerCamel(m.name)
            switch m.kind {
            case let .scalar(_, order):
                let value = switch order {
                case .big: "\(name).bigEndian"
                case .little: "\(name).littleEndian"
                case .host: name
                }
                lines.append("\(i2)wireAppend(\(value), to: &bytes)")
            case .binary:
                lines.append("\(i2)bytes.append(contentsOf: \(name))")
            }
        }
        lines.append("\(i2)return bytes")
        lines.append("\(i1)}")

        lines.append("")
        lines.append("\(i1)/// Decodes the first \(s.size) bytes; the caller handles what follows.")
        lines.append("\(i1)public init(decoding bytes: some Collection<UInt8>) throws(\(swiftPrefix)DecodeError) {")
        lines.append("\(i2)let b = Array(bytes.prefix(Self.size))")
        lines.append("\(i2)guard b.count == Self.size else {")
        lines.append("\(i3)throw .truncated(type: \(swiftString(s.name)), needed: Self.size, got: b.count)")
        lines.append("\(i2)}")
        for m in s.members {
            let name = lowerCamel(m.name)
            switch m.kind {
            case let .scalar(width, order):
                let type = "UInt\(width.rawValue * 8)"
                let load = "wireLoad(b, at: \(m.offset))"
                let value = switch order {
                case .big: "\(type)(bigEndian: \(load))"
                case .little: "\(type)(littleEndian: \(load))"
                case .host: "\(load) as \(type)"
                }
                lines.append("\(i2)\(name) = \(value)")
            case let .binary(length):
                lines.append("\(i2)\(name) = Array(b[\(m.offset)..<\(m.offset + length)])")
            }
        }
        lines.append("\(i1)}")
        lines.append("}")
        return lines
    }

    private func describeOrder(_ s: Structure) -> String {
        var orders = Set<String>()
        for m in s.members {
            if case let .scalar(width, order) = m.kind, width != .u8 {
                switch order {
                case .big: orders.insert("big-endian")
                case .little: orders.insert("little-endian")
                case .host: orders.insert("host order")
                }
            }
        }
        return orders.count == 1 ? orders.first! : "mixed byte order"
    }

    private func swiftAttributes() -> [String] {
        var lines = [
            "/// The kind of value an attribute carries, with the limits the kernel's policy enforces.",
            "public enum \(swiftPrefix)AttrKind: Equatable, Sendable {",
            "\(i1)case u32",
            "\(i1)case u64",
            "\(i1)/// NUL-terminated; `maxLength` excludes the NUL.",
            "\(i1)case string(maxLength: Int?)",
            "\(i1)case binary(exactLength: Int?)",
            "\(i1)case flag",
        ]
        if attributeSet.attributes.contains(where: { $0.type == .pad }) {
            lines.append("\(i1)/// Alignment padding the kernel adds before a u64; never sent.")
            lines.append("\(i1)case pad")
        }
        lines += ["}", ""]
        lines += swiftDoc(attributeSet.doc ?? "Attributes of the \(name) family, one set for all commands.", indent: "")
        lines.append("public enum \(swiftPrefix)Attr: UInt16, CaseIterable, Sendable {")
        for (i, a) in attributeSet.attributes.enumerated() {
            lines += swiftDoc(a.doc, indent: i1)
            lines.append(i == 0 ? "\(i1)case \(swiftAttrCase(a)) = \(a.number)" : "\(i1)case \(swiftAttrCase(a))")
        }

        lines.append("")
        lines.append("\(i1)/// The attribute's name in the spec.")
        lines.append("\(i1)public var specName: String {")
        lines.append("\(i2)switch self {")
        for a in attributeSet.attributes {
            lines.append("\(i2)case .\(lowerCamel(a.name)): \(swiftString(a.name))")
        }
        lines.append("\(i2)}")
        lines.append("\(i1)}")

        lines.append("")
        lines.append("\(i1)/// The attribute's type, with the lengths the kernel's policy allows.")
        lines.append("\(i1)public var kind: \(swiftPrefix)AttrKind {")
        lines.append("\(i2)switch self {")
        for a in attributeSet.attributes {
            let kind = switch a.type {
            case .u32: ".u32"
            case .u64: ".u64"
            case .string: ".string(maxLength: \(swiftLimit(a.maxLength)))"
            case .binary: ".binary(exactLength: \(swiftLimit(a.exactLength)))"
            case .flag: ".flag"
            case .pad: ".pad"
            }
            lines.append("\(i2)case .\(lowerCamel(a.name)): \(kind)")
        }
        lines.append("\(i2)}")
        lines.append("\(i1)}")

        let ranged = attributeSet.attributes.filter { ($0.min != nil || $0.max != nil) && $0.enumeration == nil }
        lines.append("")
        lines.append("\(i1)/// The values the kernel accepts for an integer attribute with min or max checks.")
        lines.append("\(i1)public var valueRange: ClosedRange<UInt64>? {")
        lines.append("\(i2)switch self {")
        for a in ranged {
            let upper = a.type == .u32 ? "UInt64(UInt32.max)" : "UInt64.max"
            let low = a.min.map { swiftBound($0) } ?? "0"
            let high = a.max.map { swiftBound($0) } ?? upper
            lines.append("\(i2)case .\(lowerCamel(a.name)): \(low)...\(high)")
        }
        if ranged.count < attributeSet.attributes.count {
            lines.append("\(i2)default: nil")
        }
        lines.append("\(i2)}")
        lines.append("\(i1)}")
        lines.append("}")
        return lines
    }

    private func swiftLimit(_ bound: Bound?) -> String {
        guard let bound else {
            return "nil"
        }
        if let constant = bound.constant {
            return "\(swiftPrefix)Wire.\(swiftName(constant))"
        }
        return String(bound.value)
    }

    private func swiftBound(_ bound: Bound) -> String {
        if let constant = bound.constant {
            return "UInt64(\(swiftPrefix)Wire.\(swiftName(constant)))"
        }
        return String(bound.value)
    }

    private func swiftCommands() -> [String] {
        var lines = ["/// Commands of the \(name) family; notifications are sent to a multicast group."]
        lines.append("public enum \(swiftPrefix)Command: UInt8, CaseIterable, Sendable {")
        for (i, op) in operations.enumerated() {
            lines += swiftDoc(op.doc, indent: i1)
            lines.append(i == 0 ? "\(i1)case \(swiftName(op.name)) = \(op.number)" : "\(i1)case \(swiftName(op.name))")
        }

        lines.append("")
        lines.append("\(i1)/// The operation's name in the spec.")
        lines.append("\(i1)public var specName: String {")
        lines.append("\(i2)switch self {")
        for op in operations {
            lines.append("\(i2)case .\(lowerCamel(op.name)): \(swiftString(op.name))")
        }
        lines.append("\(i2)}")
        lines.append("\(i1)}")

        let admin = operations.filter(\.adminPerm)
        lines.append("")
        lines.append("\(i1)/// Whether the kernel requires CAP_NET_ADMIN.")
        lines.append("\(i1)public var requiresAdmin: Bool {")
        lines.append("\(i2)switch self {")
        if !admin.isEmpty {
            lines += wrap("\(i2)case " + admin.map { "." + lowerCamel($0.name) }.joined(separator: ", ") + ": true",
                          width: 100, first: "", rest: i3)
        }
        lines.append("\(i2)default: false")
        lines.append("\(i2)}")
        lines.append("\(i1)}")

        let events = operations.filter(\.isEvent)
        lines.append("")
        lines.append("\(i1)/// The multicast group a notification is sent to; nil for requests.")
        lines.append("\(i1)public var multicastGroup: String? {")
        lines.append("\(i2)switch self {")
        for op in events {
            lines.append("\(i2)case .\(lowerCamel(op.name)): \(swiftPrefix)Family.\(lowerCamel(op.mcgrp!))Group")
        }
        if events.count < operations.count {
            lines.append("\(i2)default: nil")
        }
        lines.append("\(i2)}")
        lines.append("\(i1)}")
        lines.append("}")
        return lines
    }

    private func swiftCodecHelpers() -> [String] {
        [
            "/// Appends the bytes of an integer as they lie in memory; callers pass `.bigEndian`.",
            "private func wireAppend<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {",
            "\(i1)withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }",
            "}",
            "",
            "/// Loads an integer from bytes as they lie in memory; callers convert with `init(bigEndian:)`.",
            "private func wireLoad<T: FixedWidthInteger>(_ bytes: [UInt8], at offset: Int) -> T {",
            "\(i1)var value: T = 0",
            "\(i1)withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: bytes[offset..<(offset + MemoryLayout<T>.size)]) }",
            "\(i1)return value",
            "}",
        ]
    }
}
