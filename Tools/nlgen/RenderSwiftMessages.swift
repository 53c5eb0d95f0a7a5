// Sources/DSTKit/Generated/DSTMessages.swift: one typed struct per request,
// reply and event of the family, its attributes as optional fields, so that
// dstctl and dstd neither list attributes by hand nor decode them by hand;
// and one struct per nested attribute set, which a nest attribute holds
// (optional, or an array when it repeats). Repeated scalars are arrays.
// Builds on DSTKit's NLValue, NLAttributes and NLMessage.

private let i1 = "    "
private let i2 = "        "
private let i3 = "            "

extension Family {
    func renderSwiftMessages() -> String {
        var out = Lines()
        out.add("// \(banner)")
        for set in nestedSets {
            out.add()
            out.add(nestStruct(set))
        }
        for (type, op, kind, names) in messageTypes {
            out.add()
            out.add(messageStruct(type: type, op: op, kind: kind, names: names))
        }
        return out.text
    }

    /// The names of the message structs, for collision checks.
    var swiftMessageTypes: [String] {
        messageTypes.map(\.type)
    }

    /// Each message struct once: (type, operation, Request|Reply|Event,
    /// attribute names).
    private var messageTypes: [(type: String, op: OperationModel, kind: String, names: [String])] {
        var seen = Set<String>()
        var out: [(type: String, op: OperationModel, kind: String, names: [String])] = []
        for op in operations {
            for (kind, names) in messages(of: op) where !names.isEmpty {
                let type = swiftType(op.name) + kind
                if seen.insert(type).inserted {
                    out.append((type, op, kind, names))
                }
            }
        }
        return out
    }

    /// (Request|Reply|Event, attribute names) of an operation; a dump's
    /// reply is the do's.
    private func messages(of op: OperationModel) -> [(String, [String])] {
        if let event = op.event {
            return [("Event", event)]
        }
        return [("Request", op.doRequest), ("Reply", op.hasDo ? op.doReply : op.dumpReply)]
    }

    private func messageStruct(type: String, op: OperationModel, kind: String, names: [String]) -> [String] {
        let attrs = names.compactMap { attributeSet.attribute(named: $0) }
        var lines = swiftDoc("\(op.name) \(kind.lowercased()): \(oneLine(op.doc))", indent: "")
        lines.append("public struct \(type): Equatable, Sendable {")
        lines += fields(attrs)
        lines += messageInit(attrs)
        lines += kind == "Request" ? messageEncoder(attrs, set: attributeSet) : messageDecoder(attrs)
        lines.append("}")
        return lines
    }

    /// A nested set's struct: every attribute but pad, an encoder for
    /// requests and a decoder for replies.
    private func nestStruct(_ set: AttributeSetModel) -> [String] {
        let attrs = set.valueAttributes
        let nests = self.nests(of: set).map { "\(swiftAttrType(of: attributeSet(containing: $0))).\(swiftAttrCase($0))" }
        var lines = swiftDoc(set.doc ?? "Attributes of the set \(set.name).", indent: "")
        lines.append("///")
        let nestedIn = nests.isEmpty ? "no attribute" : nests.joined(separator: ", ")
        lines += swiftDoc("Nested in \(nestedIn).", indent: "")
        lines.append("public struct \(swiftNestType(of: set)): Equatable, Sendable {")
        lines += fields(attrs)
        lines += messageInit(attrs)
        lines += messageEncoder(attrs, set: set)
        lines += nestDecoder(attrs, set: set)
        lines.append("}")
        return lines
    }

    /// The set an attribute belongs to.
    private func attributeSet(containing a: AttributeModel) -> AttributeSetModel {
        attributeSets.first { $0.prefix == a.prefix }!
    }

    private func fields(_ attrs: [AttributeModel]) -> [String] {
        var lines: [String] = []
        for a in attrs {
            lines += swiftDoc(a.doc, indent: i1)
            lines.append("\(i1)public var \(lowerCamel(a.name)): \(fieldType(a))")
        }
        return lines
    }

    /// The memberwise init, every field optional (flags false, repeated
    /// attributes empty).
    private func messageInit(_ attrs: [AttributeModel]) -> [String] {
        var lines = ["", "\(i1)public init("]
        for (n, a) in attrs.enumerated() {
            let comma = n + 1 < attrs.count ? "," : ""
            let empty = a.isMulti ? "[]" : a.type == .flag ? "false" : "nil"
            lines.append("\(i2)\(lowerCamel(a.name)): \(fieldType(a)) = \(empty)\(comma)")
        }
        lines.append("\(i1)) {")
        lines += attrs.map { "\(i2)self.\(lowerCamel($0.name)) = \(lowerCamel($0.name))" }
        return lines + ["\(i1)}"]
    }

    /// A request's or nest's `attributes`: what the caller set, to send;
    /// each element of a repeated attribute in order.
    private func messageEncoder(_ attrs: [AttributeModel], set: AttributeSetModel) -> [String] {
        let element = "(\(swiftAttrType(of: set)), NLValue)"
        var lines = [
            "",
            "\(i1)/// The attributes that are set, in the spec's order.",
            "\(i1)public var attributes: [\(element)] {",
            "\(i2)var out: [\(element)] = []",
        ]
        for a in attrs {
            let name = lowerCamel(a.name)
            let attr = ".\(swiftAttrCase(a))"
            if a.isMulti {
                // Each element under the attribute's own name: no name to collide with.
                lines.append("\(i2)for \(name) in self.\(name) { out.append((\(attr), \(nlValue(a, name)))) }")
            } else if a.type == .flag {
                lines.append("\(i2)if \(name) { out.append((\(attr), .flag)) }")
            } else {
                lines.append("\(i2)if let \(name) { out.append((\(attr), \(nlValue(a, name)))) }")
            }
        }
        return lines + ["\(i2)return out", "\(i1)}"]
    }

    /// The NLValue of one value of an attribute; a nest's from the nested
    /// struct's own `attributes`.
    private func nlValue(_ a: AttributeModel, _ value: String) -> String {
        switch a.type {
        case .u32, .u64, .string, .binary: ".\(a.type.rawValue)(\(value))"
        case .nest: ".nesting(\(value).attributes)"
        case .flag, .pad: ".flag"
        }
    }

    /// A reply's or event's `init(message:)`: the fields from a message.
    private func messageDecoder(_ attrs: [AttributeModel]) -> [String] {
        let empty = attrs.contains(where: \.isMulti) ? " (repeated ones empty)" : ""
        var lines = [
            "",
            "\(i1)/// Decodes what `message` carries; absent attributes stay nil\(empty).",
            "\(i1)public init(message m: NLMessage) {",
        ]
        for a in attrs {
            lines.append("\(i2)\(lowerCamel(a.name)) = \(decoded(a, from: "m", attr: ".\(swiftAttrCase(a))"))")
        }
        return lines + ["\(i1)}"]
    }

    /// A nested struct's `init(attributes:)`: the fields from a parsed
    /// nest. NLAttributes' getters take any attribute enum, so the cases
    /// are spelled out.
    private func nestDecoder(_ attrs: [AttributeModel], set: AttributeSetModel) -> [String] {
        let empty = attrs.contains(where: \.isMulti) ? " (repeated ones empty)" : ""
        var lines = [""]
        lines += wrap("\(i1)/// Decodes a nest's attributes (`NLAttributes(parsing:)` of its payload); absent ones "
                      + "stay nil\(empty).", width: 100, first: "", rest: "\(i1)/// ")
        lines.append("\(i1)public init(attributes a: NLAttributes) {")
        for a in attrs {
            let attr = "\(swiftAttrType(of: set)).\(swiftAttrCase(a))"
            let line = "\(i2)\(lowerCamel(a.name)) = \(decoded(a, from: "a", attr: attr))"
            lines += line.count <= 100 ? [line]
                : ["\(i2)\(lowerCamel(a.name)) =", "\(i3)\(decoded(a, from: "a", attr: attr))"]
        }
        return lines + ["\(i1)}"]
    }

    /// The expression that reads attribute `attr` from `source`, an
    /// NLMessage or NLAttributes: getters for one value, plurals for
    /// repeated ones, nests through the nested struct.
    private func decoded(_ a: AttributeModel, from source: String, attr: String) -> String {
        switch (a.type, a.isMulti) {
        case (.nest, false): "\(source).nest(\(attr)).map(\(swiftNestType(of: nestedSet(of: a))).init(attributes:))"
        case (.nest, true): "\(source).nests(\(attr)).map(\(swiftNestType(of: nestedSet(of: a))).init(attributes:))"
        case (.flag, _), (.pad, _): "\(source).has(\(attr))"
        case (.u32, false), (.u64, false), (.string, false), (.binary, false):
            "\(source).\(a.type.rawValue)(\(attr))"
        case (.u32, true), (.u64, true): "\(source).\(a.type.rawValue)s(\(attr))"
        case (.string, true): "\(source).strings(\(attr))"
        case (.binary, true): "\(source).binaries(\(attr))"
        }
    }

    private func fieldType(_ a: AttributeModel) -> String {
        let element = switch a.type {
        case .u32: "UInt32"
        case .u64: "UInt64"
        case .string: "String"
        case .binary: "[UInt8]"
        case .nest: swiftNestType(of: nestedSet(of: a))
        case .flag, .pad: "Bool"
        }
        if a.type == .flag || a.type == .pad {
            return element
        }
        return a.isMulti ? "[\(element)]" : element + "?"
    }
}
