// Sources/DSTKit/Generated/DSTMessages.swift: one typed struct per request,
// reply and event of the family, its attributes as optional fields, so that
// dstctl and dstd neither list attributes by hand nor decode them by hand.
// Builds on DSTKit's NLValue and NLMessage.

private let i1 = "    "
private let i2 = "        "

extension Family {
    func renderSwiftMessages() -> String {
        var out = Lines()
        out.add("// \(banner)")
        var seen = Set<String>()
        for op in operations {
            for (kind, names) in messages(of: op) where !names.isEmpty {
                let type = swiftType(op.name) + kind
                guard seen.insert(type).inserted else { continue }
                out.add()
                out.add(messageStruct(type: type, op: op, kind: kind, names: names))
            }
        }
        return out.text
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
        for a in attrs {
            lines += swiftDoc(a.doc, indent: i1)
            lines.append("\(i1)public var \(lowerCamel(a.name)): \(fieldType(a))")
        }
        lines += messageInit(attrs)
        lines += kind == "Request" ? messageEncoder(attrs) : messageDecoder(attrs)
        lines.append("}")
        return lines
    }

    /// The memberwise init, every field optional (flags false).
    private func messageInit(_ attrs: [AttributeModel]) -> [String] {
        var lines = ["", "\(i1)public init("]
        for (n, a) in attrs.enumerated() {
            let comma = n + 1 < attrs.count ? "," : ""
            lines.append("\(i2)\(lowerCamel(a.name)): \(fieldType(a)) = \(a.type == .flag ? "false" : "nil")\(comma)")
        }
        lines.append("\(i1)) {")
        lines += attrs.map { "\(i2)self.\(lowerCamel($0.name)) = \(lowerCamel($0.name))" }
        return lines + ["\(i1)}"]
    }

    /// A request's `attributes`: what the caller set, to send.
    private func messageEncoder(_ attrs: [AttributeModel]) -> [String] {
        var lines = [
            "",
            "\(i1)/// The attributes that are set, in the spec's order.",
            "\(i1)public var attributes: [(\(swiftPrefix)Attr, NLValue)] {",
            "\(i2)var out: [(\(swiftPrefix)Attr, NLValue)] = []",
        ]
        for a in attrs {
            let name = lowerCamel(a.name)
            let value = nlAccessor(a.type).map { ".\($0)(\(name))" } ?? ".flag"
            let test = a.type == .flag ? "if \(name)" : "if let \(name)"
            lines.append("\(i2)\(test) { out.append((.\(swiftAttrCase(a)), \(value))) }")
        }
        return lines + ["\(i2)return out", "\(i1)}"]
    }

    /// A reply's or event's `init(message:)`: the fields from a message.
    private func messageDecoder(_ attrs: [AttributeModel]) -> [String] {
        var lines = [
            "",
            "\(i1)/// Decodes what `message` carries; absent attributes stay nil.",
            "\(i1)public init(message m: NLMessage) {",
        ]
        for a in attrs {
            lines.append("\(i2)\(lowerCamel(a.name)) = m.\(nlAccessor(a.type) ?? "has")(.\(swiftAttrCase(a)))")
        }
        return lines + ["\(i1)}"]
    }

    /// The NLValue case and NLMessage getter of an attribute type; nil for
    /// flags, which are there or not.
    private func nlAccessor(_ type: AttributeType) -> String? {
        switch type {
        case .u32: "u32"
        case .u64: "u64"
        case .string: "string"
        case .binary: "binary"
        case .flag, .pad: nil
        }
    }

    private func fieldType(_ a: AttributeModel) -> String {
        switch a.type {
        case .u32: "UInt32?"
        case .u64: "UInt64?"
        case .string: "String?"
        case .binary: "[UInt8]?"
        case .flag, .pad: "Bool"
        }
    }
}
