// kmod/gen/dst.h: the uapi header, in the style of YNL's uapi output.

extension Family {
    /// The C name of the family prefix, "DST_".
    var cPrefix: String { cUpper(name) + "_" }

    func cName(of entry: EnumEntry, in e: Enumeration) -> String {
        cUpper(e.prefix + entry.name)
    }

    /// "__DST_OP_MAX" and "DST_OP_MAX" of an enum.
    func cMaxNames(prefix: String) -> (hidden: String, max: String) {
        let max = cUpper(prefix) + "MAX"
        return ("__" + max, max)
    }

    func cMaskName(of e: Enumeration) -> String {
        cPrefix + cUpper(e.name) + "_MASK"
    }

    func cEnumMaxName(of e: Enumeration) -> String {
        cMaxNames(prefix: e.prefix).max
    }

    func cName(of attr: AttributeModel) -> String {
        cUpper(attr.prefix + attr.name)
    }

    func cName(of op: OperationModel) -> String {
        cUpper(operationPrefix + op.name)
    }

    func cName(of constant: Constant) -> String {
        cPrefix + cUpper(constant.name)
    }

    func cSizeName(of s: Structure) -> String {
        cPrefix + cUpper(s.name) + "_SIZE"
    }

    func cGroupName(of group: GroupModel) -> String {
        cPrefix + "MCGRP_" + cUpper(group.name)
    }

    /// A limit as C source: the const's name when the spec used one.
    func cLimit(_ bound: Bound) -> String {
        if let constant = bound.constant {
            return cPrefix + cUpper(constant)
        }
        return String(bound.value)
    }
}

/// A C integer literal for a const: as written in the spec, with the suffix
/// its value needs.
func cLiteral(_ number: Number) -> String {
    if number.value > Int(UInt32.max) {
        return number.text + "ULL"
    }
    if number.value > Int(Int32.max) {
        return number.text + "U"
    }
    return number.text
}

/// A C comment block: one line if it fits, else the kernel's multi-line form.
func cComment(_ doc: String?, indent: String = "") -> [String] {
    let paras = paragraphs(doc)
    if paras.isEmpty {
        return []
    }
    if paras.count == 1 {
        let single = "\(indent)/* \(paras[0]) */"
        if wrap(single, width: 80, first: "", rest: "").count == 1 {
            return [single]
        }
    }
    var lines = ["\(indent)/*"]
    for (i, para) in paras.enumerated() {
        if i > 0 {
            lines.append("\(indent) *")
        }
        lines += wrap(para, width: 80, first: "\(indent) * ", rest: "\(indent) * ")
    }
    lines.append("\(indent) */")
    return lines
}

/// Kernel-doc for an enum or struct: the title line, then one tagged line per
/// member; continuation lines are indented by a tab.
func kernelDoc(title: String, members: [(tag: String, doc: String)], opener: String = "/**") -> [String] {
    var lines = [opener]
    lines += wrap(title, width: 80, first: " * ", rest: " * ")
    for member in members {
        lines += wrap("@\(member.tag): \(member.doc)", width: 80, first: " * ", rest: " *\t")
    }
    lines.append(" */")
    return lines
}

extension Family {
    func renderUAPIHeader() throws(SpecError) -> String {
        var out = Lines()
        var symbols = [cUpper(familyNameSymbol), cUpper(versionSymbol)]
        out.add("/* SPDX-License-Identifier: GPL-2.0-only OR MIT */")
        out.add("/* \(banner) */")
        out.add()
        out.add("#ifndef _UAPI_LINUX_\(cUpper(name))_H")
        out.add("#define _UAPI_LINUX_\(cUpper(name))_H")
        out.add()
        out.add("#include <linux/types.h>")
        out.add()
        out.add(cComment(doc))
        out.add("#define \(cUpper(familyNameSymbol)) \(cString(name))")
        out.add("#define \(cUpper(versionSymbol)) \(version)")
        for definition in definitions {
            out.add()
            out.add(uapiDefinition(definition, symbols: &symbols))
        }
        for set in attributeSets {
            out.add(uapiAttributes(set, symbols: &symbols))
        }
        out.add(uapiCommands(symbols: &symbols))
        out.add(uapiGroups(symbols: &symbols))
        out.add()
        out.add("#endif /* _UAPI_LINUX_\(cUpper(name))_H */")

        var seen = Set<String>()
        for symbol in symbols where !seen.insert(symbol).inserted {
            throw SpecError("two definitions produce the C name \(symbol)")
        }
        return out.text
    }

    /// A definition's #define, enum or struct; adds the C names it defines
    /// to `symbols`.
    private func uapiDefinition(_ definition: DefinitionModel, symbols: inout [String]) -> [String] {
        switch definition {
        case let .constant(c):
            symbols.append(cName(of: c))
            return cComment(c.doc) + ["#define \(cName(of: c)) \(cLiteral(c.value))"]
        case let .enumeration(e):
            return uapiEnum(e, symbols: &symbols)
        case let .structure(s):
            return uapiStruct(s, symbols: &symbols)
        }
    }

    private func uapiEnum(_ e: Enumeration, symbols: inout [String]) -> [String] {
        let cEnum = cLower(name) + "_" + cLower(e.name)
        let documented = e.entries.compactMap { entry in
            entry.doc.map { (tag: cName(of: entry, in: e), doc: oneLine($0)) }
        }
        var lines: [String] = []
        if e.doc != nil || !documented.isEmpty {
            lines += kernelDoc(title: "enum \(cEnum) - \(oneLine(e.doc ?? e.name))", members: documented)
        }
        lines.append("enum \(cEnum) {")
        for entry in e.entries {
            lines.append("\t\(cName(of: entry, in: e)) = \(e.userValue(entry)),")
            symbols.append(cName(of: entry, in: e))
        }
        if !e.isFlags {
            lines += cEnumMax(prefix: e.prefix, symbols: &symbols)
        }
        lines.append("};")
        if e.isFlags {
            lines += ["", "#define \(cMaskName(of: e)) 0x\(String(e.mask, radix: 16))"]
            symbols.append(cMaskName(of: e))
        }
        return lines
    }

    private func uapiStruct(_ s: Structure, symbols: inout [String]) -> [String] {
        let cStruct = cLower(name) + "_" + cLower(s.name)
        let members = s.members.map { m in
            (tag: cLower(m.name), doc: m.doc.map(oneLine) ?? describe(m))
        }
        symbols.append(cSizeName(of: s))
        return kernelDoc(title: "struct \(cStruct) - \(oneLine(s.doc ?? s.name))", members: members)
            + ["struct \(cStruct) {"] + s.members.map { "\t\(cDeclaration(of: $0));" } + ["};"]
            + ["", "#define \(cSizeName(of: s)) \(s.size)"]
    }

    /// The enum of an attribute set with its __MAX and MAX, as for the
    /// first set.
    private func uapiAttributes(_ set: AttributeSetModel, symbols: inout [String]) -> [String] {
        let tags = set.attributes.map { a in
            (tag: cName(of: a), doc: "(\(describeType(of: a))) " + oneLine(a.doc ?? a.name))
        }
        let title = set.doc.map(oneLine) ?? defaultDoc(of: set)
        return [""] + kernelDoc(title: title, members: tags, opener: "/*")
            + cNumberedEnum(set.attributes.map { (cName(of: $0), $0.number) }, prefix: set.prefix,
                            symbols: &symbols)
    }

    /// "u32"; "nest conn" for a nest; ", multi-attr" when it repeats.
    func describeType(of a: AttributeModel) -> String {
        let type = a.nested.map { "nest \($0)" } ?? a.type.rawValue
        return a.isMulti ? type + ", multi-attr" : type
    }

    /// What a set without a doc says of itself.
    func defaultDoc(of set: AttributeSetModel) -> String {
        if set.name == attributeSet.name {
            return "Attributes of the \(name) family, one set for all commands."
        }
        let nests = self.nests(of: set).map { cName(of: $0) }
        let nestedIn = nests.isEmpty ? "no attribute" : nests.joined(separator: ", ")
        return "Attributes of the set \(set.name), nested in \(nestedIn)."
    }

    private func uapiCommands(symbols: inout [String]) -> [String] {
        let tags = operations.map { op in
            (tag: cName(of: op), doc: oneLine(op.doc ?? op.name))
        }
        return [""] + kernelDoc(title: "Commands of the \(name) family; events are sent to multicast groups.",
                                members: tags, opener: "/*")
            + cNumberedEnum(operations.map { (cName(of: $0), $0.number) }, prefix: operationPrefix, symbols: &symbols)
    }

    private func uapiGroups(symbols: inout [String]) -> [String] {
        if groups.isEmpty {
            return []
        }
        symbols += groups.map { cGroupName(of: $0) }
        return [""] + groups.map { "#define \(cGroupName(of: $0)) \(cString($0.name))" }
    }

    /// An anonymous enum numbered from its first entry's number on, with
    /// the private __MAX and MAX of `prefix`.
    private func cNumberedEnum(_ entries: [(name: String, number: Int)], prefix: String,
                               symbols: inout [String]) -> [String] {
        var lines = ["enum {"]
        for (i, entry) in entries.enumerated() {
            lines.append(i == 0 ? "\t\(entry.name) = \(entry.number)," : "\t\(entry.name),")
            symbols.append(entry.name)
        }
        return lines + cEnumMax(prefix: prefix, symbols: &symbols) + ["};"]
    }

    /// The private __MAX and MAX entries that close an enum.
    private func cEnumMax(prefix: String, symbols: inout [String]) -> [String] {
        let names = cMaxNames(prefix: prefix)
        symbols += [names.hidden, names.max]
        return ["", "\t/* private: */", "\t\(names.hidden),", "\t\(names.max) = (\(names.hidden) - 1)"]
    }

    /// "__be32 magic" or "__u8 uuid[16]".
    func cDeclaration(of m: StructMember) -> String {
        switch m.kind {
        case let .scalar(width, order):
            let bits = width.rawValue * 8
            let type = switch order {
            case .big: width == .u8 ? "__u8" : "__be\(bits)"
            case .little: width == .u8 ? "__u8" : "__le\(bits)"
            case .host: "__u\(bits)"
            }
            return "\(type) \(cLower(m.name))"
        case let .binary(length):
            return "__u8 \(cLower(m.name))[\(length)]"
        }
    }

    /// Words for a struct member the spec does not document.
    func describe(_ m: StructMember) -> String {
        switch m.kind {
        case let .scalar(width, order):
            let type = "u\(width.rawValue * 8)"
            return switch order {
            case .big: "\(type), big-endian."
            case .little: "\(type), little-endian."
            case .host: "\(type)."
            }
        case let .binary(length):
            return "\(length) bytes."
        }
    }
}
