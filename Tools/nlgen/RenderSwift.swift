// Sources/DSTKit/Generated/DSTSpec.swift: the Swift side of the spec, for
// dstctl and dstd: family names, wire constants, enums, flags, the wire
// structs with their big-endian codecs, attributes (an enum per attribute
// set) and commands.

extension Family {
    /// "DST", the prefix of the Swift types.
    var swiftPrefix: String { cUpper(name) }

    func swiftType(_ specName: String) -> String {
        swiftPrefix + upperCamel(specName)
    }

    func swiftAttrCase(_ a: AttributeModel) -> String { swiftName(a.name) }

    /// The attribute enum of a set: "DSTAttr" for the first, "DSTConnAttr"
    /// for the nested set conn.
    func swiftAttrType(of set: AttributeSetModel) -> String {
        set.name == attributeSet.name ? "\(swiftPrefix)Attr" : swiftType(set.name) + "Attr"
    }

    /// The struct of a nested set's attributes (DSTMessages.swift): "DSTConn".
    func swiftNestType(of set: AttributeSetModel) -> String {
        swiftType(set.name)
    }
}

/// `///` doc lines at an indent, wrapped at 100 columns.
func swiftDoc(_ doc: String?, indent: String) -> [String] {
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
        try refuseSwiftTypeCollisions()
        var parts = [swiftFamily(), swiftWire(), swiftDecodeError()]
        parts += definitions.compactMap(swiftDefinition)
        parts.append(swiftAttrKind())
        parts += attributeSets.map(swiftAttributes)
        parts.append(swiftCommands())
        if !structures.isEmpty {
            parts.append(swiftCodecHelpers())
        }
        var out = Lines()
        out.add("// \(banner)")
        for part in parts {
            out.add()
            out.add(part)
        }
        return out.text
    }

    /// Two spec names may map to one Swift type name ("attr" and the
    /// attribute enum, a nested set and a definition); the files would not
    /// compile.
    private func refuseSwiftTypeCollisions() throws(SpecError) {
        var seen = Set<String>()
        let types = ["Family", "Wire", "DecodeError", "Attr", "AttrKind", "Command"].map { swiftPrefix + $0 }
            + definitions.compactMap { if case .constant = $0 { nil } else { swiftType($0.name) } }
            + nestedSets.flatMap { [swiftAttrType(of: $0), swiftNestType(of: $0)] }
            + swiftMessageTypes
        for type in types where !seen.insert(type).inserted {
            throw SpecError("two definitions produce the Swift type \(type)")
        }
    }

    /// The type of a definition; constants live in the Wire enum.
    private func swiftDefinition(_ definition: DefinitionModel) -> [String]? {
        switch definition {
        case .constant: nil
        case let .enumeration(e) where e.isFlags: swiftFlags(e)
        case let .enumeration(e): swiftEnum(e)
        case let .structure(s): swiftStruct(s)
        }
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
            lines += swiftDeclaration(group.doc ?? "The multicast group \"\(group.name)\".",
                                      "public static let \(lowerCamel(group.name))Group = \(swiftString(group.name))")
        }
        lines.append("}")
        return lines
    }

    private func swiftWire() -> [String] {
        let members = constants.map { c in
            swiftDoc(c.doc, indent: i1) + ["\(i1)public static let \(swiftName(c.name)): Int = \(c.value.text)"]
        }
        return ["/// Constants of the wire protocol and the netlink API.", "public enum \(swiftPrefix)Wire {"]
            + Array(members.joined(separator: [""])) + ["}"]
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
        lines += swiftSpecNames("entry", e.entries.map(\.name))
        lines.append("}")
        return lines
    }

    private func swiftFlags(_ e: Enumeration) -> [String] {
        var lines = swiftDoc(e.doc, indent: "") + [
            "public struct \(swiftType(e.name)): OptionSet, Sendable, Hashable {",
            "\(i1)public let rawValue: UInt32",
            "",
            "\(i1)public init(rawValue: UInt32) {",
            "\(i2)self.rawValue = rawValue",
            "\(i1)}",
        ]
        for entry in e.entries {
            let flag = "public static let \(swiftName(entry.name)) = Self(rawValue: 1 << \(entry.value))"
            lines += swiftDeclaration(entry.doc, flag)
        }
        lines.append("")
        lines.append("\(i1)/// Every flag the spec defines; other bits are refused by the kernel.")
        let all = e.entries.map { "." + lowerCamel($0.name) }.joined(separator: ", ")
        let oneLine = "\(i1)public static let all: Self = [\(all)]"
        if oneLine.count <= 100 {
            lines.append(oneLine)
        } else {
            lines.append("\(i1)public static let all: Self = [")
            lines += wrap(i2 + all, width: 100, first: "", rest: i2)
            lines.append("\(i1)]")
        }
        lines.append("")
        lines.append("\(i1)/// The spec names of the flags that are set, lowest bit first; unknown bits are left out.")
        lines.append("\(i1)public var specNames: [String] {")
        lines.append("\(i2)var names: [String] = []")
        for entry in e.entries {
            lines += ["\(i2)if contains(.\(lowerCamel(entry.name))) {", "\(i3)names.append(\(swiftString(entry.name)))",
                      "\(i2)}"]
        }
        return lines + ["\(i2)return names", "\(i1)}", "}"]
    }

    // MARK: Wire structs

    private func swiftMemberType(_ m: StructMember) -> String {
        switch m.kind {
        case let .scalar(width, _): "UInt\(width.rawValue * 8)"
        case .binary: "[UInt8]"
        }
    }

    /// A struct with its fields, memberwise init, encoder and decoder.
    private func swiftStruct(_ s: Structure) -> [String] {
        swiftStructFields(s) + swiftStructInit(s) + swiftStructEncoder(s) + swiftStructDecoder(s) + ["}"]
    }

    private func swiftStructFields(_ s: Structure) -> [String] {
        var lines = swiftDoc(s.doc, indent: "")
        if s.doc != nil {
            lines.append("///")
        }
        lines += [
            "/// On the wire: \(s.size) bytes, \(describeOrder(s)).",
            "public struct \(swiftType(s.name)): Equatable, Sendable {",
            "\(i1)/// Bytes on the wire.",
            "\(i1)public static let size: Int = \(s.size)",
        ]
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
        return lines
    }

    private func swiftStructInit(_ s: Structure) -> [String] {
        var lines = [""]
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
        return lines
    }

    private func swiftStructEncoder(_ s: Structure) -> [String] {
        var lines = ["", "\(i1)/// The \(s.size) bytes on the wire.", "\(i1)public func encoded() -> [UInt8] {"]
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
        return lines + ["\(i2)return bytes", "\(i1)}"]
    }

    private func swiftStructDecoder(_ s: Structure) -> [String] {
        var lines = [
            "",
            "\(i1)/// Decodes the first \(s.size) bytes; the caller handles what follows.",
            "\(i1)public init(decoding bytes: some Collection<UInt8>) throws(\(swiftPrefix)DecodeError) {",
            "\(i2)let b = Array(bytes.prefix(Self.size))",
            "\(i2)guard b.count == Self.size else {",
            "\(i3)throw .truncated(type: \(swiftString(s.name)), needed: Self.size, got: b.count)",
            "\(i2)}",
        ]
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

    // MARK: Attributes and commands

    private func swiftAttrKind() -> [String] {
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
        if allAttributes.contains(where: { $0.type == .pad }) {
            lines.append("\(i1)/// Alignment padding the kernel adds before a u64; never sent.")
            lines.append("\(i1)case pad")
        }
        if allAttributes.contains(where: { $0.type == .nest }) {
            lines.append("\(i1)/// Attributes of another set (the attribute's nested set), in a nested TLV run.")
            lines.append("\(i1)case nest")
        }
        lines.append("}")
        return lines
    }

    /// The attribute enum of a set; a nested set's cases are the type
    /// numbers inside its nest.
    private func swiftAttributes(_ set: AttributeSetModel) -> [String] {
        let attributes = set.attributes
        var lines = swiftDoc(set.doc ?? defaultDoc(of: set), indent: "")
        lines.append("public enum \(swiftAttrType(of: set)): UInt16, CaseIterable, Sendable {")
        lines += swiftNumberedCases(attributes.map { ($0.name, $0.doc, $0.number) })
        lines += swiftSpecNames("attribute", attributes.map(\.name))
        lines += swiftSwitchProperty("The attribute's type, with the lengths the kernel's policy allows.",
                                     "kind: \(swiftPrefix)AttrKind",
                                     cases: attributes.map { swiftCase($0.name, swiftKind($0)) })
        let ranged = attributes.filter { ($0.min != nil || $0.max != nil) && $0.enumeration == nil }
        lines += swiftSwitchProperty("The values the kernel accepts for an integer attribute with min or max checks.",
                                     "valueRange: ClosedRange<UInt64>?",
                                     cases: ranged.map { swiftCase($0.name, swiftRange($0)) },
                                     default: ranged.count < attributes.count ? "nil" : nil)
        lines.append("}")
        return lines
    }

    private func swiftKind(_ a: AttributeModel) -> String {
        switch a.type {
        case .u32: ".u32"
        case .u64: ".u64"
        case .string: ".string(maxLength: \(swiftLimit(a.maxLength)))"
        case .binary: ".binary(exactLength: \(swiftLimit(a.exactLength)))"
        case .flag: ".flag"
        case .pad: ".pad"
        case .nest: ".nest"
        }
    }

    private func swiftRange(_ a: AttributeModel) -> String {
        let upper = a.type == .u32 ? "UInt64(UInt32.max)" : "UInt64.max"
        let low = a.min.map { swiftBound($0) } ?? "0"
        let high = a.max.map { swiftBound($0) } ?? upper
        return "\(low)...\(high)"
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
        lines += swiftNumberedCases(operations.map { ($0.name, $0.doc, $0.number) })
        lines += swiftSpecNames("operation", operations.map(\.name))
        let admin = operations.filter(\.adminPerm).map { "." + lowerCamel($0.name) }
        let adminCases = admin.isEmpty ? []
            : wrap("\(i2)case " + admin.joined(separator: ", ") + ": true", width: 100, first: "", rest: i3)
        lines += swiftSwitchProperty("Whether the kernel requires CAP_NET_ADMIN.", "requiresAdmin: Bool",
                                     cases: adminCases, default: "false")
        let events = operations.filter(\.isEvent)
        let groupCases = events.map { swiftCase($0.name, "\(swiftPrefix)Family.\(lowerCamel($0.mcgrp!))Group") }
        lines += swiftSwitchProperty("The multicast group a notification is sent to; nil for requests.",
                                     "multicastGroup: String?", cases: groupCases,
                                     default: events.count < operations.count ? "nil" : nil)
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

// MARK: - Pieces of types

/// A member after a blank line, with its doc.
private func swiftDeclaration(_ doc: String?, _ declaration: String) -> [String] {
    [""] + swiftDoc(doc, indent: i1) + ["\(i1)\(declaration)"]
}

/// The cases of an enum numbered from the first one's number on, each with
/// its doc: (spec name, doc, number).
private func swiftNumberedCases(_ items: [(name: String, doc: String?, number: Int)]) -> [String] {
    var lines: [String] = []
    for (i, item) in items.enumerated() {
        lines += swiftDoc(item.doc, indent: i1)
        let name = swiftName(item.name)
        lines.append(i == 0 ? "\(i1)case \(name) = \(item.number)" : "\(i1)case \(name)")
    }
    return lines
}

/// One case of a switch over self: `case .name: value`.
private func swiftCase(_ specName: String, _ value: String) -> String {
    "\(i2)case .\(lowerCamel(specName)): \(value)"
}

/// A computed property of an enum that switches over self, after a blank
/// line: the `cases` lines, then `default:` if given.
func swiftSwitchProperty(_ doc: String, _ declaration: String, cases: [String],
                         default fallback: String? = nil) -> [String] {
    var lines = ["", "\(i1)/// \(doc)", "\(i1)public var \(declaration) {", "\(i2)switch self {"] + cases
    if let fallback {
        lines.append("\(i2)default: \(fallback)")
    }
    return lines + ["\(i2)}", "\(i1)}"]
}

/// `specName`: each case's name in the spec; `what` names a case ("entry").
private func swiftSpecNames(_ what: String, _ names: [String]) -> [String] {
    swiftSwitchProperty("The \(what)'s name in the spec.", "specName: String",
                        cases: names.map { swiftCase($0, swiftString($0)) })
}
