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
        cUpper(attributeSet.prefix + attr.name)
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
        var symbols: [String] = []
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
        symbols += [cUpper(familyNameSymbol), cUpper(versionSymbol)]

        for definition in definitions {
            out.add()
            switch definition {
            case let .constant(c):
                out.add(cComment(c.doc))
                out.add("#define \(cName(of: c)) \(cLiteral(c.value))")
                symbols.append(cName(of: c))

            case let .enumeration(e):
                let cEnum = cLower(name) + "_" + cLower(e.name)
                let documented = e.entries.compactMap { entry in
                    entry.doc.map { (tag: cName(of: entry, in: e), doc: oneLine($0)) }
                }
                if e.doc != nil || !documented.isEmpty {
                    let title = "enum \(cEnum) - \(oneLine(e.doc ?? e.name))"
                    out.add(kernelDoc(title: title, members: documented))
                }
                out.add("enum \(cEnum) {")
                for entry in e.entries {
                    out.add("\t\(cName(of: entry, in: e)) = \(e.userValue(entry)),")
                    symbols.append(cName(of: entry, in: e))
                }
                if !e.isFlags {
                    let names = cMaxNames(prefix: e.prefix)
                    out.add()
                    out.add("\t/* private: */")
                    out.add("\t\(names.hidden),")
                    out.add("\t\(names.max) = (\(names.hidden) - 1)")
                    symbols += [names.hidden, names.max]
                }
                out.add("};")
                if e.isFlags {
                    out.add()
                    out.add("#define \(cMaskName(of: e)) 0x\(String(e.mask, radix: 16))")
                    symbols.append(cMaskName(of: e))
                }

            case let .structure(s):
                let cStruct = cLower(name) + "_" + cLower(s.name)
                let members = s.members.map { m in
                    (tag: cLower(m.name), doc: m.doc.map(oneLine) ?? describe(m))
                }
                out.add(kernelDoc(title: "struct \(cStruct) - \(oneLine(s.doc ?? s.name))", members: members))
                out.add("struct \(cStruct) {")
                for m in s.members {
                    out.add("\t\(cDeclaration(of: m));")
                }
                out.add("};")
                out.add()
                out.add("#define \(cSizeName(of: s)) \(s.size)")
                symbols.append(cSizeName(of: s))
            }
        }

        out.add()
        let attrTags = attributeSet.attributes.map { a in
            (tag: cName(of: a), doc: "(\(a.type.rawValue)) " + oneLine(a.doc ?? a.name))
        }
        let setTitle = attributeSet.doc.map(oneLine) ?? "Attributes of the \(name) family, one set for all commands."
        out.add(kernelDoc(title: setTitle, members: attrTags, opener: "/*"))
        out.add("enum {")
        for (i, a) in attributeSet.attributes.enumerated() {
            out.add(i == 0 ? "\t\(cName(of: a)) = \(a.number)," : "\t\(cName(of: a)),")
            symbols.append(cName(of: a))
        }
        let attrMax = cMaxNames(prefix: attributeSet.prefix)
        out.add()
        out.add("\t/* private: */")
        out.add("\t\(attrMax.hidden),")
        out.add("\t\(attrMax.max) = (\(attrMax.hidden) - 1)")
        out.add("};")
        symbols += [attrMax.hidden, attrMax.max]

        out.add()
        let opTags = operations.map { op in
            (tag: cName(of: op), doc: oneLine(op.doc ?? op.name))
        }
        out.add(kernelDoc(title: "Commands of the \(name) family; events are sent to multicast groups.",
                          members: opTags, opener: "/*"))
        out.add("enum {")
        for (i, op) in operations.enumerated() {
            out.add(i == 0 ? "\t\(cName(of: op)) = \(op.number)," : "\t\(cName(of: op)),")
            symbols.append(cName(of: op))
        }
        let opMax = cMaxNames(prefix: operationPrefix)
        out.add()
        out.add("\t/* private: */")
        out.add("\t\(opMax.hidden),")
        out.add("\t\(opMax.max) = (\(opMax.hidden) - 1)")
        out.add("};")
        symbols += [opMax.hidden, opMax.max]

        if !groups.isEmpty {
            out.add()
            for group in groups {
                out.add("#define \(cGroupName(of: group)) \(cString(group.name))")
                symbols.append(cGroupName(of: group))
            }
        }

        out.add()
        out.add("#endif /* _UAPI_LINUX_\(cUpper(name))_H */")

        var seen = Set<String>()
        for symbol in symbols where !seen.insert(symbol).inserted {
            throw SpecError("two definitions produce the C name \(symbol)")
        }
        return out.text
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
