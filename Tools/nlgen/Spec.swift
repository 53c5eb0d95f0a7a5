// The YNL spec as written: Decodable value types that mirror the YAML, with
// hyphenated keys mapped explicitly. Unknown keys are refused, so a typo such
// as `cheks:` fails loudly instead of silently dropping a policy.

import Foundation
import Yams

/// A problem with the spec, reported as one line.
struct SpecError: Error, CustomStringConvertible, Equatable {
    let message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}

/// Any key, to list the keys a mapping really has.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) {
        return nil
    }
}

extension Decoder {
    /// Refuses keys of this mapping other than `known`.
    func refuseUnknownKeys<K: CodingKey & CaseIterable>(_: K.Type, in what: @autoclosure () -> String) throws {
        let known = Set(K.allCases.map(\.stringValue))
        let raw = try container(keyedBy: AnyKey.self)
        for key in raw.allKeys where !known.contains(key.stringValue) {
            throw SpecError("unknown key '\(key.stringValue)' in \(what())")
        }
    }
}

/// An integer as written in the spec; the text is kept so that 0x... stays hex
/// in the generated sources.
struct Number: Decodable, Equatable {
    let value: Int
    let text: String

    init(value: Int, text: String) {
        self.value = value
        self.text = text
    }

    init(from decoder: Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let number = Number(parsing: raw) else {
            throw SpecError("'\(raw)' is not an integer (at \(decoder.codingPath.specPath))")
        }
        self = number
    }

    init?(parsing raw: String) {
        let text = raw.trimmingCharacters(in: .whitespaces)
        var digits = Substring(text.replacingOccurrences(of: "_", with: ""))
        var negative = false
        if digits.hasPrefix("-") {
            negative = true
            digits = digits.dropFirst()
        }
        let radix: Int
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.hasPrefix("0o") {
            radix = 8
            digits = digits.dropFirst(2)
        } else if digits.hasPrefix("0b") {
            radix = 2
            digits = digits.dropFirst(2)
        } else {
            radix = 10
        }
        guard !digits.isEmpty, let magnitude = Int(digits, radix: radix) else {
            return nil
        }
        self.value = negative ? -magnitude : magnitude
        self.text = text.lowercased()
    }
}

/// A check limit: a number, or the name of a `const` definition.
enum Limit: Decodable, Equatable {
    case number(Number)
    case constant(String)

    init(from decoder: Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        if let number = Number(parsing: raw) {
            self = .number(number)
        } else {
            self = .constant(raw)
        }
    }
}

extension Array where Element == CodingKey {
    var specPath: String {
        if isEmpty {
            return "top level"
        }
        return map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}

struct Spec: Decodable {
    var name: String
    var `protocol`: String
    var version: Int?
    var doc: String?
    var kernelPolicy: String?
    var cFamilyName: String?
    var cVersionName: String?
    var uapiHeader: String?
    var definitions: [Definition]
    var attributeSets: [AttributeSet]
    var operations: Operations
    var mcastGroups: McastGroups?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, `protocol`, version, doc
        case kernelPolicy = "kernel-policy"
        case cFamilyName = "c-family-name"
        case cVersionName = "c-version-name"
        case uapiHeader = "uapi-header"
        case definitions
        case attributeSets = "attribute-sets"
        case operations
        case mcastGroups = "mcast-groups"
    }

    init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self, in: "the spec")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        self.protocol = try c.decode(String.self, forKey: .protocol)
        version = try c.decodeIfPresent(Int.self, forKey: .version)
        doc = try c.decodeIfPresent(String.self, forKey: .doc)
        kernelPolicy = try c.decodeIfPresent(String.self, forKey: .kernelPolicy)
        cFamilyName = try c.decodeIfPresent(String.self, forKey: .cFamilyName)
        cVersionName = try c.decodeIfPresent(String.self, forKey: .cVersionName)
        uapiHeader = try c.decodeIfPresent(String.self, forKey: .uapiHeader)
        definitions = try c.decodeIfPresent([Definition].self, forKey: .definitions) ?? []
        attributeSets = try c.decodeIfPresent([AttributeSet].self, forKey: .attributeSets) ?? []
        operations = try c.decode(Operations.self, forKey: .operations)
        mcastGroups = try c.decodeIfPresent(McastGroups.self, forKey: .mcastGroups)
    }

    /// Decodes a spec from YAML text; every failure becomes a SpecError.
    static func load(yaml: String) throws(SpecError) -> Spec {
        do {
            return try YAMLDecoder().decode(Spec.self, from: yaml)
        } catch let error as SpecError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw SpecError("missing key '\(key.stringValue)' at \(context.codingPath.specPath)")
        } catch let DecodingError.typeMismatch(_, context) {
            throw SpecError("wrong type at \(context.codingPath.specPath): \(context.debugDescription)")
        } catch let DecodingError.valueNotFound(_, context) {
            throw SpecError("missing value at \(context.codingPath.specPath)")
        } catch let DecodingError.dataCorrupted(context) {
            // Yams wraps what an init(from:) throws, and parse errors, here.
            if let error = context.underlyingError as? SpecError {
                throw error
            }
            if let error = context.underlyingError {
                throw SpecError("cannot parse the spec: \(oneLine(String(describing: error)))")
            }
            throw SpecError("bad value at \(context.codingPath.specPath): \(context.debugDescription)")
        } catch {
            throw SpecError("cannot parse the spec: \(oneLine(String(describing: error)))")
        }
    }
}

struct Definition: Decodable {
    var type: String
    var name: String
    var doc: String?
    var value: Number?
    var namePrefix: String?
    var valueStart: Int?
    var entries: [Entry]?
    var members: [Member]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, name, doc, value
        case namePrefix = "name-prefix"
        case valueStart = "value-start"
        case entries, members
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        try decoder.refuseUnknownKeys(CodingKeys.self, in: "definition '\(name)'")
        type = try c.decode(String.self, forKey: .type)
        doc = try c.decodeIfPresent(String.self, forKey: .doc)
        value = try c.decodeIfPresent(Number.self, forKey: .value)
        namePrefix = try c.decodeIfPresent(String.self, forKey: .namePrefix)
        valueStart = try c.decodeIfPresent(Int.self, forKey: .valueStart)
        entries = try c.decodeIfPresent([Entry].self, forKey: .entries)
        members = try c.decodeIfPresent([Member].self, forKey: .members)
    }
}

/// An enum or flags entry: a bare name, or a mapping with a doc.
struct Entry: Decodable {
    var name: String
    var doc: String?
    var value: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, doc, value
    }

    init(from decoder: Decoder) throws {
        if let bare = try? decoder.singleValueContainer().decode(String.self) {
            name = bare
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        try decoder.refuseUnknownKeys(CodingKeys.self, in: "entry '\(name)'")
        doc = try c.decodeIfPresent(String.self, forKey: .doc)
        value = try c.decodeIfPresent(Int.self, forKey: .value)
    }
}

struct Member: Decodable {
    var name: String
    var type: String
    var byteOrder: String?
    /// A number, or the name of a const defined before the struct.
    var len: Limit?
    var doc: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, type
        case byteOrder = "byte-order"
        case len, doc
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        try decoder.refuseUnknownKeys(CodingKeys.self, in: "member '\(name)'")
        type = try c.decode(String.self, forKey: .type)
        byteOrder = try c.decodeIfPresent(String.self, forKey: .byteOrder)
        if let n = try? c.decodeIfPresent(Int.self, forKey: .len) {
            len = .number(Number(value: n, text: String(n)))
        } else {
            len = try c.decodeIfPresent(Limit.self, forKey: .len)
        }
        doc = try c.decodeIfPresent(String.self, forKey: .doc)
    }
}

struct AttributeSet: Decodable {
    var name: String
    var namePrefix: String?
    var doc: String?
    var attributes: [Attribute]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name
        case namePrefix = "name-prefix"
        case doc, attributes
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        try decoder.refuseUnknownKeys(CodingKeys.self, in: "attribute set '\(name)'")
        namePrefix = try c.decodeIfPresent(String.self, forKey: .namePrefix)
        doc = try c.decodeIfPresent(String.self, forKey: .doc)
        attributes = try c.decode([Attribute].self, forKey: .attributes)
    }
}

struct Attribute: Decodable {
    var name: String
    var type: String
    var doc: String?
    var checks: Checks?
    var `enum`: String?
    var enumAsFlags: Bool?
    /// The attribute may repeat in one message or nest.
    var multiAttr: Bool?
    /// For a nest: the attribute set of its payload.
    var nestedAttributes: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, type, doc, checks
        case `enum`
        case enumAsFlags = "enum-as-flags"
        case multiAttr = "multi-attr"
        case nestedAttributes = "nested-attributes"
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        try decoder.refuseUnknownKeys(CodingKeys.self, in: "attribute '\(name)'")
        type = try c.decode(String.self, forKey: .type)
        doc = try c.decodeIfPresent(String.self, forKey: .doc)
        checks = try c.decodeIfPresent(Checks.self, forKey: .checks)
        self.enum = try c.decodeIfPresent(String.self, forKey: .enum)
        enumAsFlags = try c.decodeIfPresent(Bool.self, forKey: .enumAsFlags)
        multiAttr = try c.decodeIfPresent(Bool.self, forKey: .multiAttr)
        nestedAttributes = try c.decodeIfPresent(String.self, forKey: .nestedAttributes)
    }
}

struct Checks: Decodable {
    var min: Limit?
    var max: Limit?
    var minLen: Limit?
    var maxLen: Limit?
    var exactLen: Limit?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case min, max
        case minLen = "min-len"
        case maxLen = "max-len"
        case exactLen = "exact-len"
    }

    init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self, in: "checks at \(decoder.codingPath.specPath)")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        min = try c.decodeIfPresent(Limit.self, forKey: .min)
        max = try c.decodeIfPresent(Limit.self, forKey: .max)
        minLen = try c.decodeIfPresent(Limit.self, forKey: .minLen)
        maxLen = try c.decodeIfPresent(Limit.self, forKey: .maxLen)
        exactLen = try c.decodeIfPresent(Limit.self, forKey: .exactLen)
    }
}

struct Operations: Decodable {
    var namePrefix: String?
    var list: [Operation]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case namePrefix = "name-prefix"
        case list
    }

    init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self, in: "operations")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        namePrefix = try c.decodeIfPresent(String.self, forKey: .namePrefix)
        list = try c.decode([Operation].self, forKey: .list)
    }
}

struct Operation: Decodable {
    var name: String
    var doc: String?
    var attributeSet: String?
    var flags: [String]?
    var `do`: OperationMode?
    var dump: OperationMode?
    var event: AttributeList?
    var mcgrp: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, doc
        case attributeSet = "attribute-set"
        case flags
        case `do`, dump, event, mcgrp
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        try decoder.refuseUnknownKeys(CodingKeys.self, in: "operation '\(name)'")
        doc = try c.decodeIfPresent(String.self, forKey: .doc)
        attributeSet = try c.decodeIfPresent(String.self, forKey: .attributeSet)
        flags = try c.decodeIfPresent([String].self, forKey: .flags)
        self.do = try c.decodeIfPresent(OperationMode.self, forKey: .do)
        dump = try c.decodeIfPresent(OperationMode.self, forKey: .dump)
        event = try c.decodeIfPresent(AttributeList.self, forKey: .event)
        mcgrp = try c.decodeIfPresent(String.self, forKey: .mcgrp)
    }
}

struct OperationMode: Decodable {
    var request: AttributeList?
    var reply: AttributeList?
    /// The kernel function run first: a dump's start callback.
    var pre: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case request, reply, pre
    }

    init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self, in: "\(decoder.codingPath.specPath)")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        request = try c.decodeIfPresent(AttributeList.self, forKey: .request)
        reply = try c.decodeIfPresent(AttributeList.self, forKey: .reply)
        pre = try c.decodeIfPresent(String.self, forKey: .pre)
    }
}

struct AttributeList: Decodable {
    var attributes: [String]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case attributes
    }

    init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self, in: "\(decoder.codingPath.specPath)")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        attributes = try c.decodeIfPresent([String].self, forKey: .attributes) ?? []
    }
}

struct McastGroups: Decodable {
    var list: [McastGroup]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case list
    }

    init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self, in: "mcast-groups")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        list = try c.decode([McastGroup].self, forKey: .list)
    }
}

struct McastGroup: Decodable {
    var name: String
    var doc: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, doc
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        try decoder.refuseUnknownKeys(CodingKeys.self, in: "mcast group '\(name)'")
        doc = try c.decodeIfPresent(String.self, forKey: .doc)
    }
}
