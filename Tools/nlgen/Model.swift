// The checked model the renderers work from: every reference resolved, every
// enum value, struct offset, attribute and command number computed once.

/// A limit from `checks`, with the const it names, if any.
struct Bound: Equatable {
    let value: Int
    /// Name of the `const` definition the spec refers to, if it does.
    let constant: String?
}

struct Constant {
    let name: String
    let doc: String?
    let value: Number
}

struct EnumEntry {
    let name: String
    let doc: String?
    /// The entry's value; for flags the bit number.
    let value: Int
}

struct Enumeration {
    let name: String
    let doc: String?
    /// Prefix of the C names of the entries, e.g. "dst-op-".
    let prefix: String
    let isFlags: Bool
    let entries: [EnumEntry]

    /// The value of an entry as C and Swift see it (1 << bit for flags).
    func userValue(_ entry: EnumEntry) -> Int {
        isFlags ? 1 << entry.value : entry.value
    }

    var lowest: Int { entries.map(userValue).min() ?? 0 }
    var highest: Int { entries.map(userValue).max() ?? 0 }

    /// Every flag bit, for flags.
    var mask: Int { entries.reduce(0) { $0 | userValue($1) } }

    /// True when the values leave no gap, so a range check covers them.
    var isContiguous: Bool {
        let values = Set(entries.map(\.value))
        return values.count == entries.count && highest - lowest + 1 == entries.count
    }
}

enum ByteOrder {
    case big, little, host
}

enum ScalarWidth: Int {
    case u8 = 1, u16 = 2, u32 = 4, u64 = 8
}

struct StructMember {
    enum Kind {
        case scalar(ScalarWidth, ByteOrder)
        case binary(length: Int)
    }

    let name: String
    let doc: String?
    let kind: Kind
    let offset: Int

    var size: Int {
        switch kind {
        case let .scalar(width, _): width.rawValue
        case let .binary(length): length
        }
    }

    var alignment: Int {
        switch kind {
        case let .scalar(width, _): width.rawValue
        case .binary: 1
        }
    }
}

struct Structure {
    let name: String
    let doc: String?
    let members: [StructMember]
    let size: Int
}

enum DefinitionModel {
    case constant(Constant)
    case enumeration(Enumeration)
    case structure(Structure)

    var name: String {
        switch self {
        case let .constant(c): c.name
        case let .enumeration(e): e.name
        case let .structure(s): s.name
        }
    }
}

enum AttributeType: String {
    /// `pad` only fills for nla_put_u64_64bit(); it has no policy entry, so
    /// the kernel refuses it in requests. `nest` carries attributes of another
    /// set (its `nested-attributes`).
    case u32, u64, string, binary, flag, pad, nest
}

struct AttributeModel {
    let name: String
    let doc: String?
    /// Prefix of the C name, its set's: "dst-a-".
    let prefix: String
    /// The netlink attribute type number, from 1.
    let number: Int
    let type: AttributeType
    /// For a nest: the name of the attribute set of its payload.
    let nested: String?
    /// The attribute may repeat (multi-attr): a message or nest carries it
    /// any number of times, in order.
    let isMulti: Bool
    /// The `checks`: bounds of an integer's value, of a string's or binary's length.
    let min, max: Bound?
    let minLength, maxLength, exactLength: Bound?
    /// The enum or flags definition the value takes its values from.
    let enumeration: Enumeration?
}

struct AttributeSetModel {
    let name: String
    let doc: String?
    /// Prefix of the C names, e.g. "dst-a-".
    let prefix: String
    let attributes: [AttributeModel]

    func attribute(named name: String) -> AttributeModel? {
        attributes.first { $0.name == name }
    }

    /// The attributes a message or nest can carry: all but pad.
    var valueAttributes: [AttributeModel] {
        attributes.filter { $0.type != .pad }
    }
}

struct OperationModel {
    let name: String
    let doc: String?
    /// The command number, from 1.
    let number: Int
    let adminPerm: Bool
    let hasDo: Bool
    let hasDump: Bool
    let doRequest: [String]
    let doReply: [String]
    let dumpRequest: [String]
    let dumpReply: [String]
    /// The C function that starts a dump (netlink_callback start), if any.
    let dumpStart: String?
    let event: [String]?
    let mcgrp: String?

    var isEvent: Bool { event != nil }
}

struct GroupModel {
    let name: String
    let doc: String?
}

/// The whole family, checked.
struct Family {
    let name: String
    let version: Int
    let doc: String?
    let familyNameSymbol: String
    let versionSymbol: String
    let definitions: [DefinitionModel]
    /// The first set: the attributes of every operation, the global policy.
    let attributeSet: AttributeSetModel
    /// The other sets, in spec order: only ever inside a nest attribute.
    let nestedSets: [AttributeSetModel]
    let operationPrefix: String
    let operations: [OperationModel]
    let groups: [GroupModel]

    var constants: [Constant] {
        definitions.compactMap { if case let .constant(c) = $0 { c } else { nil } }
    }

    var enumerations: [Enumeration] {
        definitions.compactMap { if case let .enumeration(e) = $0 { e } else { nil } }
    }

    var structures: [Structure] {
        definitions.compactMap { if case let .structure(s) = $0 { s } else { nil } }
    }

    /// Operations the kernel handles: those with do or dump.
    var requestOperations: [OperationModel] {
        operations.filter { $0.hasDo || $0.hasDump }
    }

    /// Every attribute set, the operations' first.
    var attributeSets: [AttributeSetModel] {
        [attributeSet] + nestedSets
    }

    /// The set a nest attribute carries; checked to exist.
    func nestedSet(of a: AttributeModel) -> AttributeSetModel {
        guard let name = a.nested, let set = nestedSets.first(where: { $0.name == name }) else {
            preconditionFailure("attribute '\(a.name)' is not a checked nest")
        }
        return set
    }

    /// The nest attributes, of any set, that carry `set`.
    func nests(of set: AttributeSetModel) -> [AttributeModel] {
        allAttributes.filter { $0.nested == set.name }
    }

    /// Every attribute of every set.
    var allAttributes: [AttributeModel] {
        attributeSets.flatMap(\.attributes)
    }
}

// MARK: - Checking

private func refuseDuplicates(_ names: [String], what: String) throws(SpecError) {
    var seen = Set<String>()
    for name in names {
        if !seen.insert(name).inserted {
            throw SpecError("duplicate \(what) '\(name)'")
        }
    }
}

private func checkName(_ name: String, what: String) throws(SpecError) {
    let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
    guard let first = name.first, first.isLetter, first.isLowercase,
          name.allSatisfy({ allowed.contains($0) }), !name.hasSuffix("-"), !name.contains("--")
    else {
        throw SpecError("\(what) name '\(name)' is not lowercase words joined by '-'")
    }
}

private extension AttributeModel {
    /// The same attribute, taking its values from `enumeration`.
    func taking(_ enumeration: Enumeration?) -> AttributeModel {
        AttributeModel(name: name, doc: doc, prefix: prefix, number: number, type: type, nested: nested,
                       isMulti: isMulti, min: min, max: max, minLength: minLength, maxLength: maxLength,
                       exactLength: exactLength, enumeration: enumeration)
    }
}

/// Refuses keys that a definition of its type cannot have: (key, present).
private func refuseKeys(_ keys: [(String, Bool)], of d: Definition) throws(SpecError) {
    for (key, present) in keys where present {
        throw SpecError("\(d.type) '\(d.name)' cannot have '\(key)'")
    }
}

extension Family {
    /// Checks a decoded spec and computes the model.
    init(checking spec: Spec) throws(SpecError) {
        try Self.checkHeader(spec)
        name = spec.name
        version = spec.version ?? 1
        doc = spec.doc
        familyNameSymbol = spec.cFamilyName ?? "\(spec.name)-family-name"
        versionSymbol = spec.cVersionName ?? "\(spec.name)-family-version"
        if let header = spec.uapiHeader, header != "\(spec.name).h", header != "linux/\(spec.name).h" {
            throw SpecError("uapi-header '\(header)' is not supported (only \(spec.name).h)")
        }
        definitions = try Self.checkDefinitions(spec)
        (attributeSet, nestedSets) = try Self.checkAttributeSets(spec, definitions: definitions)
        groups = try Self.checkGroups(spec)
        operationPrefix = spec.operations.namePrefix ?? "\(spec.name)-cmd-"
        operations = try Self.checkOperations(spec, set: attributeSet, nested: nestedSets, groups: groups)
    }

    /// The protocol and policy this generator writes, and the family name.
    private static func checkHeader(_ spec: Spec) throws(SpecError) {
        guard spec.protocol == "genetlink-legacy" else {
            throw SpecError("protocol '\(spec.protocol)' is not supported (genetlink-legacy: Linux 6.1 has no split ops)")
        }
        guard spec.kernelPolicy == "global" else {
            throw SpecError("kernel-policy '\(spec.kernelPolicy ?? "split")' is not supported (only global)")
        }
        try checkName(spec.name, what: "family")
    }

    private static func checkDefinitions(_ spec: Spec) throws(SpecError) -> [DefinitionModel] {
        try refuseDuplicates(spec.definitions.map(\.name), what: "definition")
        var definitions: [DefinitionModel] = []
        for definition in spec.definitions {
            try checkName(definition.name, what: "definition")
            definitions.append(try check(definition, family: spec.name, before: definitions))
        }
        return definitions
    }

    private static func checkGroups(_ spec: Spec) throws(SpecError) -> [GroupModel] {
        let groups = (spec.mcastGroups?.list ?? []).map { GroupModel(name: $0.name, doc: $0.doc) }
        try refuseDuplicates(groups.map(\.name), what: "multicast group")
        for group in groups {
            try checkName(group.name, what: "multicast group")
        }
        return groups
    }

    private static func checkOperations(_ spec: Spec, set: AttributeSetModel, nested: [AttributeSetModel],
                                        groups: [GroupModel]) throws(SpecError) -> [OperationModel] {
        try refuseDuplicates(spec.operations.list.map(\.name), what: "operation")
        var operations: [OperationModel] = []
        for (index, op) in spec.operations.list.enumerated() {
            try checkName(op.name, what: "operation")
            operations.append(try check(op, number: index + 1, set: set, nested: nested, groups: groups))
        }
        guard !operations.isEmpty else {
            throw SpecError("the spec has no operations")
        }
        return operations
    }

    // MARK: Definitions

    /// `before`: the definitions above this one, which a struct's len may name.
    private static func check(_ d: Definition, family: String,
                              before: [DefinitionModel]) throws(SpecError) -> DefinitionModel {
        switch d.type {
        case "const": .constant(try checkConstant(d))
        case "enum", "flags": .enumeration(try checkEnumeration(d, family: family))
        case "struct": .structure(try checkStructure(d, before: before))
        default: throw SpecError("definition '\(d.name)' has unknown type '\(d.type)'")
        }
    }

    private static func checkConstant(_ d: Definition) throws(SpecError) -> Constant {
        try refuseKeys([("entries", d.entries != nil), ("members", d.members != nil),
                        ("name-prefix", d.namePrefix != nil), ("value-start", d.valueStart != nil)], of: d)
        guard let value = d.value else {
            throw SpecError("const '\(d.name)' has no value")
        }
        guard value.value >= 0 else {
            throw SpecError("const '\(d.name)' is negative")
        }
        return Constant(name: d.name, doc: d.doc, value: value)
    }

    private static func checkEnumeration(_ d: Definition, family: String) throws(SpecError) -> Enumeration {
        try refuseKeys([("value", d.value != nil), ("members", d.members != nil)], of: d)
        let isFlags = d.type == "flags"
        guard let raw = d.entries, !raw.isEmpty else {
            throw SpecError("\(d.type) '\(d.name)' has no entries")
        }
        try refuseDuplicates(raw.map(\.name), what: "entry of '\(d.name)'")
        var next = d.valueStart ?? 0
        var entries: [EnumEntry] = []
        for entry in raw {
            try checkName(entry.name, what: "entry")
            let value = entry.value ?? next
            guard value >= 0, !isFlags || value < 32 else {
                throw SpecError("entry '\(entry.name)' of '\(d.name)' has value \(value) outside \(isFlags ? "bits 0..31" : "0..UINT32_MAX")")
            }
            entries.append(EnumEntry(name: entry.name, doc: entry.doc, value: value))
            next = value + 1
        }
        try refuseDuplicates(entries.map { String($0.value) }, what: "value in '\(d.name)'")
        let prefix = d.namePrefix ?? "\(family)-\(d.name)-"
        return Enumeration(name: d.name, doc: d.doc, prefix: prefix, isFlags: isFlags, entries: entries)
    }

    /// Members laid out in order, each at its natural alignment, with no
    /// padding anywhere: the layout is the wire format.
    private static func checkStructure(_ d: Definition, before: [DefinitionModel]) throws(SpecError) -> Structure {
        try refuseKeys([("value", d.value != nil), ("entries", d.entries != nil),
                        ("name-prefix", d.namePrefix != nil), ("value-start", d.valueStart != nil)], of: d)
        guard let raw = d.members, !raw.isEmpty else {
            throw SpecError("struct '\(d.name)' has no members")
        }
        try refuseDuplicates(raw.map(\.name), what: "member of '\(d.name)'")
        var members: [StructMember] = []
        var offset = 0
        var alignment = 1
        for m in raw {
            try checkName(m.name, what: "member")
            let member = StructMember(name: m.name, doc: m.doc, kind: try memberKind(m, of: d, before: before),
                                      offset: offset)
            guard offset % member.alignment == 0 else {
                throw SpecError("struct '\(d.name)' needs padding before '\(m.name)' (offset \(offset), alignment \(member.alignment))")
            }
            members.append(member)
            offset += member.size
            alignment = max(alignment, member.alignment)
        }
        guard offset % alignment == 0 else {
            throw SpecError("struct '\(d.name)' needs tail padding (size \(offset), alignment \(alignment))")
        }
        return Structure(name: d.name, doc: d.doc, members: members, size: offset)
    }

    private static func memberKind(_ m: Member, of d: Definition,
                                   before: [DefinitionModel]) throws(SpecError) -> StructMember.Kind {
        switch m.type {
        case "u8", "u16", "u32", "u64":
            return try scalarKind(m, of: d)
        case "binary":
            guard let len = try memberLength(m, of: d, before: before), len > 0 else {
                throw SpecError("binary member '\(m.name)' of '\(d.name)' needs a positive len")
            }
            guard m.byteOrder == nil else {
                throw SpecError("binary member '\(m.name)' of '\(d.name)' cannot have a byte-order")
            }
            return .binary(length: len)
        default:
            throw SpecError("member '\(m.name)' of '\(d.name)' has unknown type '\(m.type)'")
        }
    }

    private static func scalarKind(_ m: Member, of d: Definition) throws(SpecError) -> StructMember.Kind {
        guard m.len == nil else {
            throw SpecError("member '\(m.name)' of '\(d.name)' is \(m.type) and cannot have len")
        }
        let width: ScalarWidth = switch m.type {
        case "u8": .u8
        case "u16": .u16
        case "u32": .u32
        default: .u64
        }
        let order: ByteOrder
        switch m.byteOrder {
        case nil: order = .host
        case "big-endian": order = .big
        case "little-endian": order = .little
        case let other?:
            throw SpecError("member '\(m.name)' of '\(d.name)' has unknown byte-order '\(other)'")
        }
        if width == .u8, order != .host {
            throw SpecError("member '\(m.name)' of '\(d.name)' is u8 and cannot have a byte-order")
        }
        return .scalar(width, order)
    }

    /// A binary member's len: a number, or a const defined before the struct.
    private static func memberLength(_ m: Member, of d: Definition,
                                     before: [DefinitionModel]) throws(SpecError) -> Int? {
        switch m.len {
        case let .number(n)?:
            return n.value
        case let .constant(name)?:
            for case let .constant(c) in before where c.name == name {
                return c.value.value
            }
            throw SpecError("member '\(m.name)' of '\(d.name)' names unknown const '\(name)'")
        case nil:
            return nil
        }
    }

    // MARK: Attributes

    /// The first set, which the operations use (kernel-policy global), and
    /// the others, which only nest attributes carry: each with a name-prefix
    /// of its own, nested by known sets other than the first, without cycles.
    private static func checkAttributeSets(
        _ spec: Spec, definitions: [DefinitionModel]
    ) throws(SpecError) -> (AttributeSetModel, [AttributeSetModel]) {
        guard let first = spec.attributeSets.first else {
            throw SpecError("the spec has no attribute set")
        }
        try refuseDuplicates(spec.attributeSets.map(\.name), what: "attribute set")
        let topPrefix = first.namePrefix ?? "\(spec.name)-a-\(first.name)-"
        let top = try check(first, prefix: topPrefix, definitions: definitions)
        var nested: [AttributeSetModel] = []
        for set in spec.attributeSets.dropFirst() {
            guard let prefix = set.namePrefix else {
                throw SpecError("attribute set '\(set.name)' needs a name-prefix of its own "
                                + "(only the first set has a default)")
            }
            nested.append(try check(set, prefix: prefix, definitions: definitions))
        }
        try refuseDuplicates(([top] + nested).map(\.prefix), what: "name-prefix of attribute sets")
        try checkNesting(top: top, nested: nested)
        return (top, nested)
    }

    private static func check(_ set: AttributeSet, prefix: String,
                              definitions: [DefinitionModel]) throws(SpecError) -> AttributeSetModel {
        try checkName(set.name, what: "attribute set")
        try refuseDuplicates(set.attributes.map(\.name), what: "attribute")
        guard !set.attributes.isEmpty else {
            throw SpecError("attribute set '\(set.name)' is empty")
        }
        var attributes: [AttributeModel] = []
        for (index, a) in set.attributes.enumerated() {
            attributes.append(try check(a, prefix: prefix, number: index + 1, definitions: definitions))
        }
        return AttributeSetModel(name: set.name, doc: set.doc, prefix: prefix, attributes: attributes)
    }

    /// Each nest names a set other than the first, and following nests from
    /// any set never leads back to it.
    private static func checkNesting(top: AttributeSetModel, nested: [AttributeSetModel]) throws(SpecError) {
        for set in [top] + nested {
            for a in set.attributes {
                guard let target = a.nested else { continue }
                if target == top.name {
                    throw SpecError("attribute '\(a.name)' nests attribute set '\(target)', "
                                    + "which the operations use")
                }
                guard nested.contains(where: { $0.name == target }) else {
                    throw SpecError("attribute '\(a.name)' nests unknown attribute set '\(target)'")
                }
            }
        }
        // Depth first from each set; a set met again on the path is a cycle.
        func visit(_ set: AttributeSetModel, path: [String]) throws(SpecError) {
            if path.contains(set.name) {
                let cycle = path.drop { $0 != set.name } + [set.name]
                throw SpecError("attribute sets nest each other in a cycle: \(cycle.joined(separator: " -> "))")
            }
            for a in set.attributes {
                if let target = a.nested, let inner = nested.first(where: { $0.name == target }) {
                    try visit(inner, path: path + [set.name])
                }
            }
        }
        for set in nested {
            try visit(set, path: [])
        }
    }

    private static func check(_ a: Attribute, prefix: String, number: Int,
                              definitions: [DefinitionModel]) throws(SpecError) -> AttributeModel {
        try checkName(a.name, what: "attribute")
        guard let type = AttributeType(rawValue: a.type) else {
            throw SpecError("attribute '\(a.name)' has unknown type '\(a.type)'")
        }
        if type == .nest, a.nestedAttributes == nil {
            throw SpecError("nest attribute '\(a.name)' has no nested-attributes")
        }
        if type != .nest, a.nestedAttributes != nil {
            throw SpecError("attribute '\(a.name)' has nested-attributes but is not a nest")
        }
        if a.multiAttr == true, type == .flag || type == .pad {
            throw SpecError("\(type.rawValue) attribute '\(a.name)' cannot be multi-attr")
        }
        func bound(_ limit: Limit?, _ key: String) throws(SpecError) -> Bound? {
            try checkBound(limit, key, of: a.name, definitions: definitions)
        }
        let limited = AttributeModel(
            name: a.name, doc: a.doc, prefix: prefix, number: number, type: type, nested: a.nestedAttributes,
            isMulti: a.multiAttr ?? false,
            min: try bound(a.checks?.min, "min"), max: try bound(a.checks?.max, "max"),
            minLength: try bound(a.checks?.minLen, "min-len"), maxLength: try bound(a.checks?.maxLen, "max-len"),
            exactLength: try bound(a.checks?.exactLen, "exact-len"), enumeration: nil)
        try checkLimits(limited)
        return limited.taking(try enumeration(of: a, limited, definitions))
    }

    /// A check's limit: a number, or a const the spec defines.
    private static func checkBound(_ limit: Limit?, _ key: String, of attr: String,
                                   definitions: [DefinitionModel]) throws(SpecError) -> Bound? {
        switch limit {
        case nil:
            return nil
        case let .number(n)?:
            guard n.value >= 0 else {
                throw SpecError("check '\(key)' of attribute '\(attr)' is negative")
            }
            return Bound(value: n.value, constant: nil)
        case let .constant(name)?:
            for case let .constant(c) in definitions where c.name == name {
                return Bound(value: c.value.value, constant: name)
            }
            throw SpecError("check '\(key)' of attribute '\(attr)' names unknown const '\(name)'")
        }
    }

    /// The checks an attribute's type allows, and their consistency.
    private static func checkLimits(_ a: AttributeModel) throws(SpecError) {
        func allow(_ present: [(String, Bool)]) throws(SpecError) {
            for (key, isPresent) in present where isPresent {
                throw SpecError("attribute '\(a.name)' of type \(a.type.rawValue) cannot have check '\(key)'")
            }
        }
        switch a.type {
        case .u32, .u64:
            try allow([("min-len", a.minLength != nil), ("max-len", a.maxLength != nil), ("exact-len", a.exactLength != nil)])
            let limit = a.type == .u32 ? Int(UInt32.max) : Int.max
            if let max = a.max, max.value > limit {
                throw SpecError("check 'max' of attribute '\(a.name)' exceeds \(a.type.rawValue)")
            }
            if let min = a.min, let max = a.max, min.value > max.value {
                throw SpecError("attribute '\(a.name)' has min above max")
            }
        case .string:
            try allow([("min", a.min != nil), ("max", a.max != nil), ("exact-len", a.exactLength != nil),
                       ("min-len", a.minLength != nil)])
        case .binary:
            try allow([("min", a.min != nil), ("max", a.max != nil)])
            if a.exactLength != nil, a.minLength != nil || a.maxLength != nil {
                throw SpecError("attribute '\(a.name)' has exact-len with min-len or max-len")
            }
        case .flag, .pad, .nest:
            try allow([("min", a.min != nil), ("max", a.max != nil), ("min-len", a.minLength != nil),
                       ("max-len", a.maxLength != nil), ("exact-len", a.exactLength != nil)])
        }
    }

    /// The enum or flags an attribute takes its values from, if it names one.
    private static func enumeration(of a: Attribute, _ limited: AttributeModel,
                                    _ definitions: [DefinitionModel]) throws(SpecError) -> Enumeration? {
        if limited.type == .pad, a.enum != nil || a.enumAsFlags != nil {
            throw SpecError("pad attribute '\(a.name)' cannot have an enum")
        }
        guard let name = a.enum else {
            if a.enumAsFlags != nil {
                throw SpecError("attribute '\(a.name)' has enum-as-flags but no enum")
            }
            return nil
        }
        guard limited.type == .u32 else {
            throw SpecError("attribute '\(a.name)' has an enum but is not u32")
        }
        guard limited.min == nil, limited.max == nil else {
            throw SpecError("attribute '\(a.name)' has both an enum and min/max checks")
        }
        var found: Enumeration?
        for case let .enumeration(e) in definitions where e.name == name {
            found = e
        }
        guard let found else {
            throw SpecError("attribute '\(a.name)' names unknown enum '\(name)'")
        }
        if a.enumAsFlags == true, !found.isFlags {
            throw SpecError("attribute '\(a.name)': enum-as-flags on enum '\(name)' is not supported, make it flags")
        }
        if !found.isFlags, !found.isContiguous {
            throw SpecError("attribute '\(a.name)': enum '\(name)' has gaps, a policy range cannot check it")
        }
        return found
    }

    // MARK: Operations

    private static func check(_ op: Operation, number: Int, set: AttributeSetModel, nested: [AttributeSetModel],
                              groups: [GroupModel]) throws(SpecError) -> OperationModel {
        guard let setName = op.attributeSet else {
            throw SpecError("operation '\(op.name)' has no attribute-set")
        }
        if nested.contains(where: { $0.name == setName }) {
            throw SpecError("operation '\(op.name)' uses attribute set '\(setName)', which only nests use "
                            + "(operations use '\(set.name)')")
        }
        guard setName == set.name else {
            throw SpecError("operation '\(op.name)' uses unknown attribute set '\(setName)'")
        }
        func checked(_ list: AttributeList?, _ what: String) throws(SpecError) -> [String] {
            try checkAttributeList(list, what, of: op, set: set)
        }
        let adminPerm = try checkFlags(op)
        try checkKind(op, adminPerm: adminPerm, groups: groups)
        return OperationModel(
            name: op.name, doc: op.doc, number: number, adminPerm: adminPerm,
            hasDo: op.do != nil, hasDump: op.dump != nil,
            doRequest: try checked(op.do?.request, "do request"),
            doReply: try checked(op.do?.reply, "do reply"),
            dumpRequest: try checked(op.dump?.request, "dump request"),
            dumpReply: try checked(op.dump?.reply, "dump reply"),
            dumpStart: try checkPre(op),
            event: op.event != nil ? try checked(op.event, "event") : nil,
            mcgrp: op.mcgrp)
    }

    /// A dump's pre hook, which the kernel runs as its start callback: a C
    /// name. A do's pre hook is not supported.
    private static func checkPre(_ op: Operation) throws(SpecError) -> String? {
        if op.do?.pre != nil {
            throw SpecError("operation '\(op.name)': pre is supported for dumps only")
        }
        guard let pre = op.dump?.pre else { return nil }
        guard let first = pre.first, first.isLetter || first == "_",
              pre.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw SpecError("operation '\(op.name)': pre '\(pre)' is not a C name")
        }
        return cLower(pre)
    }

    /// The attribute names of a request, reply or event: known, not pad.
    private static func checkAttributeList(_ list: AttributeList?, _ what: String, of op: Operation,
                                           set: AttributeSetModel) throws(SpecError) -> [String] {
        let names = list?.attributes ?? []
        try refuseDuplicates(names, what: "attribute in \(what) of operation '\(op.name)'")
        for name in names {
            guard let attribute = set.attribute(named: name) else {
                throw SpecError("operation '\(op.name)' \(what) names unknown attribute '\(name)'")
            }
            if attribute.type == .pad {
                throw SpecError("operation '\(op.name)' \(what) names pad attribute '\(name)'")
            }
        }
        return names
    }

    /// Whether the operation needs CAP_NET_ADMIN, its only flag.
    private static func checkFlags(_ op: Operation) throws(SpecError) -> Bool {
        var adminPerm = false
        for flag in op.flags ?? [] {
            switch flag {
            case "admin-perm": adminPerm = true
            default: throw SpecError("operation '\(op.name)' has unknown flag '\(flag)'")
            }
        }
        return adminPerm
    }

    /// An event goes to a multicast group; a request has do or dump.
    private static func checkKind(_ op: Operation, adminPerm: Bool, groups: [GroupModel]) throws(SpecError) {
        guard op.event != nil else {
            guard op.do != nil || op.dump != nil else {
                throw SpecError("operation '\(op.name)' has neither do, dump nor event")
            }
            guard op.mcgrp == nil else {
                throw SpecError("operation '\(op.name)' has mcgrp but is not an event")
            }
            return
        }
        guard op.do == nil, op.dump == nil else {
            throw SpecError("operation '\(op.name)' is an event and cannot have do or dump")
        }
        guard !adminPerm else {
            throw SpecError("event '\(op.name)' cannot have flags")
        }
        guard let group = op.mcgrp else {
            throw SpecError("event '\(op.name)' has no mcgrp")
        }
        guard groups.contains(where: { $0.name == group }) else {
            throw SpecError("event '\(op.name)' names unknown multicast group '\(group)'")
        }
    }
}
