// Tests/vm/dst_spec.py: the spec for the VM tests' Python peers and netlink
// client: every name of the uapi header with its value, attribute types (per
// attribute set, with nests and multi-attr), and the frame layouts as
// struct.Struct formats.

extension Family {
    func renderPython() -> String {
        var out = Lines()
        out.add("# SPDX-License-Identifier: GPL-2.0-only OR MIT")
        out.add("# Do not edit directly, auto-generated from \(Generator.specPath) by Tools/nlgen.")
        out.add("\"\"\"The \(name) netlink family and wire protocol v\(protocolVersion), for the Python")
        out.add("test peers: CONSTANTS has every name of the uapi header (kmod/gen/\(name).h) with")
        out.add("its value, ATTR_TYPES each attribute's type (ATTR_SETS, NESTS and MULTI_ATTR")
        out.add("for nested sets and repeated attributes), STRUCTS each frame layout.\"\"\"")
        out.add()
        out.add("import struct")
        out.add()
        out.add("CONSTANTS = {")
        for (cname, value) in pythonConstants() {
            out.add("    \(pythonString(cname)): \(value),")
        }
        out.add("}")
        out.add()
        out.add("# The type of each attribute: u32 u64 string binary flag pad nest.")
        out.add("ATTR_TYPES = {")
        for a in attributeSet.attributes {
            out.add("    \(pythonString(cName(of: a))): \(pythonString(a.type.rawValue)),")
        }
        out.add("}")
        out.add()
        out.add(pythonSets())
        out.add()
        out.add("# Frame layouts: a struct.Struct and its member names, in order.")
        out.add("STRUCTS = {")
        for s in structures {
            let names = s.members.map { pythonString(cLower($0.name)) }.joined(separator: ", ")
            out.add("    \(pythonString(cLower(s.name))): (struct.Struct(\(pythonString(structFormat(s)))), (\(names),)),")
        }
        out.add("}")
        out.add()
        out.add("# The multicast groups by name.")
        out.add("GROUPS = (\(groups.map { pythonString($0.name) }.joined(separator: ", ")),)")
        return out.text
    }

    /// ATTR_SETS, NESTS and MULTI_ATTR: what a client needs to encode and
    /// decode nests and repeated attributes.
    private func pythonSets() -> [String] {
        var lines = [
            "# Every attribute set by name, the commands' (ATTR_TYPES) first: the C name",
            "# prefix of its attributes and the type of each.",
            "ATTR_SETS = {",
            "    \(pythonString(attributeSet.name)): (\(pythonString(cUpper(attributeSet.prefix))), ATTR_TYPES),",
        ]
        for set in nestedSets {
            lines.append("    \(pythonString(set.name)): (\(pythonString(cUpper(set.prefix))), {")
            for a in set.attributes {
                lines.append("        \(pythonString(cName(of: a))): \(pythonString(a.type.rawValue)),")
            }
            lines.append("    }),")
        }
        lines += ["}", "", "# The attribute set each nest attribute carries."]
        let nests = allAttributes.filter { $0.nested != nil }
        lines += pythonCollection("NESTS", open: "{", close: "}",
                                  nests.map { "\(pythonString(cName(of: $0))): \(pythonString($0.nested!))" })
        lines += ["", "# The attributes that may repeat (multi-attr)."]
        let multi = allAttributes.filter(\.isMulti).map { pythonString(cName(of: $0)) }
        lines += multi.isEmpty ? ["MULTI_ATTR = frozenset()"]
            : pythonCollection("MULTI_ATTR", open: "frozenset({", close: "})", multi)
        return lines
    }

    /// `name = {` items one a line `}`, or `name = {}` without items.
    private func pythonCollection(_ name: String, open: String, close: String, _ items: [String]) -> [String] {
        if items.isEmpty {
            return ["\(name) = \(open)\(close)"]
        }
        return ["\(name) = \(open)"] + items.map { "    \($0)," } + [close]
    }

    private var protocolVersion: Int {
        constants.first { $0.name == "proto-version" }?.value.value ?? 1
    }

    /// Every (C name, Python literal) the uapi header defines, in its order.
    private func pythonConstants() -> [(String, String)] {
        var out: [(String, String)] = [
            (cUpper(familyNameSymbol), pythonString(name)),
            (cUpper(versionSymbol), String(version)),
        ]
        for d in definitions {
            switch d {
            case let .constant(c):
                out.append((cName(of: c), c.value.text))
            case let .enumeration(e):
                out += e.entries.map { (cName(of: $0, in: e), String(e.userValue($0))) }
                if e.isFlags {
                    out.append((cMaskName(of: e), "0x" + String(e.mask, radix: 16)))
                } else {
                    out.append((cEnumMaxName(of: e), String(e.highest)))
                }
            case let .structure(s):
                out.append((cSizeName(of: s), String(s.size)))
            }
        }
        out += allAttributes.map { (cName(of: $0), String($0.number)) }
        out += operations.map { (cName(of: $0), String($0.number)) }
        return out
    }

    /// The struct module's format of a layout: one byte order for the whole.
    private func structFormat(_ s: Structure) -> String {
        var order = "="
        var format = ""
        for m in s.members {
            switch m.kind {
            case let .scalar(width, byteOrder):
                if width != .u8 {
                    order = byteOrder == .big ? ">" : byteOrder == .little ? "<" : "="
                }
                format += ["B", "H", "", "I", "", "", "", "Q"][width.rawValue - 1]
            case let .binary(length):
                format += "\(length)s"
            }
        }
        return order + format
    }
}

/// A Python string literal.
func pythonString(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}
