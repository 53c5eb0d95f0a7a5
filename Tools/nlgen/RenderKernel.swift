// kmod/gen/dst-nl-gen.h and dst-nl-gen.c: the global policy, the policies of
// the nested attribute sets, the handler prototypes, the genl_ops table and
// the multicast groups. struct genl_ops, not genl_split_ops, because Linux 6.1
// has no split ops; no .validate, so the new family gets strict validation
// (which also requires NLA_F_NESTED on every nest).

extension Family {
    /// "dst_nl", the prefix of the kernel symbols.
    var kernelPrefix: String { cLower(name) + "_nl" }

    var policyName: String { "\(kernelPrefix)_policy" }

    /// "dst_nl_policy" for the first set, "dst_conn_nl_policy" for the
    /// nested set conn.
    func policyName(of set: AttributeSetModel) -> String {
        set.name == attributeSet.name ? policyName : "\(cLower(name))_\(cLower(set.name))_nl_policy"
    }

    var opsName: String { "\(kernelPrefix)_ops" }
    var groupsName: String { "\(kernelPrefix)_mcgrps" }

    func doitName(of op: OperationModel) -> String {
        "\(kernelPrefix)_\(cLower(op.name))_doit"
    }

    func dumpitName(of op: OperationModel) -> String {
        "\(kernelPrefix)_\(cLower(op.name))_dumpit"
    }

    /// "DST_NLGRP_EVENTS": the group's index in the mcgrps table.
    func groupIndexName(of group: GroupModel) -> String {
        cUpper(name) + "_NLGRP_" + cUpper(group.name)
    }

    /// The name of the range a policy entry points to when its bounds do not
    /// fit the s16 min and max of struct nla_policy.
    func rangeName(of a: AttributeModel) -> String {
        cLower(cName(of: a)) + "_range"
    }

    var kernelHeaderGuard: String { "_\(cUpper(name))_NL_GEN_H" }

    func renderKernelHeader() -> String {
        var out = Lines()
        out.add("/* SPDX-License-Identifier: GPL-2.0-only OR MIT */")
        out.add("/* \(banner) */")
        out.add()
        out.add("#ifndef \(kernelHeaderGuard)")
        out.add("#define \(kernelHeaderGuard)")
        out.add()
        out.add("#include <net/netlink.h>")
        out.add("#include <net/genetlink.h>")
        out.add()
        out.add("#include \"\(name).h\"")
        out.add()
        out.add("/* Global policy: struct genl_family .policy, with .maxattr \(cMaxNames(prefix: attributeSet.prefix).max) */")
        out.add("extern const struct nla_policy \(policyName)[\(cMaxNames(prefix: attributeSet.prefix).max) + 1];")
        out.add()
        for set in nestedSets {
            let nests = self.nests(of: set).map { cName(of: $0) }.joined(separator: ", ")
            let max = cMaxNames(prefix: set.prefix).max
            out.add(cComment("Nested set \(set.name) (\(nests.isEmpty ? "in no attribute" : nests)): "
                + "for nla_parse_nested() with \(max)"))
            out.add("extern const struct nla_policy \(policyName(of: set))[\(max) + 1];")
            out.add()
        }
        out.add("/* Handlers, written by hand */")
        var starts: [String] = []
        for op in requestOperations {
            if op.hasDo {
                out.add("int \(doitName(of: op))(struct sk_buff *skb, struct genl_info *info);")
            }
            if op.hasDump {
                out.add("int \(dumpitName(of: op))(struct sk_buff *skb, struct netlink_callback *cb);")
            }
            if let start = op.dumpStart, !starts.contains(start) {
                starts.append(start)
            }
        }
        for start in starts {
            out.add("int \(start)(struct netlink_callback *cb);")
        }
        if !groups.isEmpty {
            out.add()
            out.add("enum {")
            for group in groups {
                out.add("\t\(groupIndexName(of: group)),")
            }
            out.add("};")
        }
        out.add()
        out.add("extern const struct genl_ops \(opsName)[\(requestOperations.count)];")
        if !groups.isEmpty {
            out.add("extern const struct genl_multicast_group \(groupsName)[\(groups.count)];")
        }
        out.add()
        out.add("#endif /* \(kernelHeaderGuard) */")
        return out.text
    }

    /// Whether a bound fits the s16 min/max of struct nla_policy.
    private func fitsPolicy(_ bound: Bound?) -> Bool {
        guard let bound else {
            return true
        }
        return bound.value <= Int(Int16.max)
    }

    /// Whether an integer attribute needs NLA_POLICY_FULL_RANGE.
    func needsFullRange(_ a: AttributeModel) -> Bool {
        (a.type == .u32 || a.type == .u64) && a.enumeration == nil
            && (a.min != nil || a.max != nil) && !(fitsPolicy(a.min) && fitsPolicy(a.max))
    }

    /// The policy entry of one attribute.
    func policy(of a: AttributeModel) -> String {
        switch a.type {
        case .u32, .u64:
            integerPolicy(of: a, nla: a.type == .u32 ? "NLA_U32" : "NLA_U64")
        case .string:
            if let max = a.maxLength {
                "{ .type = NLA_NUL_STRING, .len = \(cLimit(max)), }"
            } else {
                "{ .type = NLA_NUL_STRING, }"
            }
        case .binary:
            if let exact = a.exactLength {
                "NLA_POLICY_EXACT_LEN(\(cLimit(exact)))"
            } else {
                rangePolicy("NLA_BINARY", a.minLength, a.maxLength, min: { "NLA_POLICY_MIN_LEN(\($0))" },
                            max: { "{ .type = NLA_BINARY, .len = \($0), }" }, none: "{ .type = NLA_BINARY, }")
            }
        case .flag:
            "{ .type = NLA_FLAG, }"
        case .nest:
            "NLA_POLICY_NESTED(\(policyName(of: nestedSet(of: a))))"
        case .pad:
            preconditionFailure("pad attributes have no policy entry")
        }
    }

    /// A u32 or u64: the values of its enum, or its min and max checks.
    private func integerPolicy(of a: AttributeModel, nla: String) -> String {
        if let e = a.enumeration {
            if e.isFlags {
                return "NLA_POLICY_MASK(\(nla), \(cMaskName(of: e)))"
            }
            if e.lowest == 0 {
                return "NLA_POLICY_MAX(\(nla), \(cEnumMaxName(of: e)))"
            }
            let first = e.entries.first { $0.value == e.lowest }!
            return "NLA_POLICY_RANGE(\(nla), \(cName(of: first, in: e)), \(cEnumMaxName(of: e)))"
        }
        if needsFullRange(a) {
            return "NLA_POLICY_FULL_RANGE(\(nla), &\(rangeName(of: a)))"
        }
        return rangePolicy(nla, a.min, a.max, min: { "NLA_POLICY_MIN(\(nla), \($0))" },
                           max: { "NLA_POLICY_MAX(\(nla), \($0))" }, none: "{ .type = \(nla), }")
    }

    /// NLA_POLICY_RANGE for a lower and an upper bound; the entry for one of
    /// them, or for none, from the caller.
    private func rangePolicy(_ nla: String, _ min: Bound?, _ max: Bound?, min onlyMin: (String) -> String,
                             max onlyMax: (String) -> String, none: String) -> String {
        switch (min, max) {
        case let (min?, max?): "NLA_POLICY_RANGE(\(nla), \(cLimit(min)), \(cLimit(max)))"
        case let (min?, nil): onlyMin(cLimit(min))
        case let (nil, max?): onlyMax(cLimit(max))
        case (nil, nil): none
        }
    }

    func renderKernelSource() throws(SpecError) -> String {
        try refuseOversizedLengths()
        var out = Lines()
        out.add("// SPDX-License-Identifier: GPL-2.0-only OR MIT")
        out.add("/* \(banner) */")
        out.add()
        out.add("#include \"\(cLower(name))-nl-gen.h\"")
        out.add(kernelStructSizes())
        out.add(kernelRanges())
        for set in nestedSets {
            out.add(kernelPolicy(of: set))
        }
        out.add(kernelPolicy(of: attributeSet))
        out.add(kernelOps())
        out.add(kernelGroups())
        return out.text
    }

    /// Length checks struct nla_policy cannot hold.
    private func refuseOversizedLengths() throws(SpecError) {
        for a in allAttributes {
            for bound in [a.minLength, a.maxLength, a.exactLength].compactMap({ $0 }) where bound.value > Int(UInt16.max) {
                throw SpecError("length check of attribute '\(a.name)' exceeds the u16 len of struct nla_policy")
            }
            if a.type == .binary, let bound = a.exactLength ?? a.minLength, bound.value > Int(Int16.max) {
                throw SpecError("length check of attribute '\(a.name)' exceeds the s16 min of struct nla_policy")
            }
        }
    }

    private func kernelStructSizes() -> [String] {
        if structures.isEmpty {
            return []
        }
        let asserts = structures.map { s in
            "static_assert(sizeof(struct \(cLower(name))_\(cLower(s.name))) == \(cSizeName(of: s)));"
        }
        return ["", "/* The wire structs have no padding: their sizes are part of the protocol. */"] + asserts
    }

    /// The netlink_range_validation of each attribute whose bounds do not fit
    /// struct nla_policy.
    private func kernelRanges() -> [String] {
        let ranged = allAttributes.filter(needsFullRange)
        if ranged.isEmpty {
            return []
        }
        var lines = [
            "",
            "/*",
            " * Bounds beyond the s16 min and max of struct nla_policy. Not const: in",
            " * Linux 6.1 struct nla_policy points to a mutable one.",
            " */",
        ]
        for (i, a) in ranged.enumerated() {
            if i > 0 {
                lines.append("")
            }
            lines.append("static struct netlink_range_validation \(rangeName(of: a)) = {")
            if let min = a.min {
                lines.append("\t.min = \(min.constant.map { cPrefix + cUpper($0) } ?? "\(min.value)ULL"),")
            }
            if let max = a.max {
                lines.append("\t.max = \(max.constant.map { cPrefix + cUpper($0) } ?? "\(max.value)ULL"),")
            } else {
                lines.append("\t.max = \(a.type == .u32 ? "U32_MAX" : "U64_MAX"),")
            }
            lines.append("};")
        }
        return lines
    }

    /// The policy array of a set. Multi-attr needs nothing in it: nla_parse()
    /// checks every instance and keeps the last in tb[]; the comment above
    /// the array tells the handlers to walk them all.
    private func kernelPolicy(of set: AttributeSetModel) -> [String] {
        var lines = [""]
        let multi = set.valueAttributes.filter(\.isMulti).map { cName(of: $0) }
        if !multi.isEmpty {
            let walk = set.name == attributeSet.name
                ? "nla_for_each_attr() over the message" : "nla_for_each_nested()"
            lines += cComment("\(multi.joined(separator: ", ")) may repeat (multi-attr): the policy checks "
                + "each one, but nla_parse() keeps only the last in tb[], so handlers walk them all with \(walk).")
        }
        lines.append("const struct nla_policy \(policyName(of: set))[\(cMaxNames(prefix: set.prefix).max) + 1] = {")
        for a in set.valueAttributes {
            let entry = "\t[\(cName(of: a))] = \(policy(of: a)),"
            // Tabs count 8 columns; a long entry continues after its first
            // argument, if it has more than one.
            if entry.count + 7 > 100, let comma = entry.firstIndex(of: ","), comma != entry.indices.last {
                lines.append(String(entry[...comma]))
                lines.append("\t\t" + entry[entry.index(after: comma)...].drop { $0 == " " })
            } else {
                lines.append(entry)
            }
        }
        return lines + ["};"]
    }

    private func kernelOps() -> [String] {
        var lines = ["", "const struct genl_ops \(opsName)[\(requestOperations.count)] = {"]
        for op in requestOperations {
            lines.append("\t{")
            lines.append("\t\t.cmd\t\t= \(cName(of: op)),")
            if op.hasDo {
                lines.append("\t\t.doit\t\t= \(doitName(of: op)),")
            }
            if let start = op.dumpStart {
                lines.append("\t\t.start\t\t= \(start),")
            }
            if op.hasDump {
                lines.append("\t\t.dumpit\t\t= \(dumpitName(of: op)),")
            }
            if op.adminPerm {
                lines.append("\t\t.flags\t\t= GENL_ADMIN_PERM,")
            }
            lines.append("\t},")
        }
        return lines + ["};"]
    }

    private func kernelGroups() -> [String] {
        if groups.isEmpty {
            return []
        }
        return ["", "const struct genl_multicast_group \(groupsName)[\(groups.count)] = {"]
            + groups.map { "\t[\(groupIndexName(of: $0))] = { .name = \(cGroupName(of: $0)), }," }
            + ["};"]
    }
}
