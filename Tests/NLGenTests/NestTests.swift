// Nested attribute sets and multi-attr: a small spec with both, its rendered
// files, and its Swift messages compiled with DSTKit's NetlinkMessage.swift.

import XCTest
@testable import dst_nlgen

/// A small spec with a nested set: the top-level set `tst` carries a
/// repeated nest of `item`, repeated strings and a single nest of `summary`,
/// which `item` nests too. `sets` replaces the nested sets.
func nestSpec(top: String = """
                  - name: index
                    type: u32
                  - name: item
                    type: nest
                    nested-attributes: item
                    multi-attr: true
                  - name: label
                    type: string
                    multi-attr: true
                    checks:
                      max-len: 15
                  - name: summary
                    type: nest
                    nested-attributes: summary
              """,
              sets: String = """
                - name: item
                  name-prefix: tst-a-item-
                  doc: One item.
                  attributes:
                    - name: id
                      type: u32
                      checks:
                        max: 7
                    - name: bytes
                      type: u64
                    - name: tag
                      type: u32
                      multi-attr: true
                    - name: detail
                      type: nest
                      nested-attributes: summary
                    - name: pad
                      type: pad
                - name: summary
                  name-prefix: tst-a-summary-
                  attributes:
                    - name: count
                      type: u32
              """,
              operations: String = miniOperation(attributes: "index, item, label, summary")
                  + "\n" + miniOperation("put", part: "reply", attributes: "index, item, label, summary")) -> String {
    """
    name: tst
    protocol: genetlink-legacy
    kernel-policy: global
    attribute-sets:
      - name: tst
        name-prefix: tst-a-
        attributes:
    \(top)
    \(sets)
    operations:
      list:
    \(operations)
    """
}

final class NestTests: XCTestCase {
    var files: [GeneratedFile] = []

    override func setUpWithError() throws {
        files = try Generator.generate(yaml: nestSpec())
    }

    func assertContains(_ text: String, _ needles: [String], file: StaticString = #filePath, line: UInt = #line) {
        for needle in needles {
            XCTAssertTrue(text.contains(needle), "missing: \(needle)", file: file, line: line)
        }
    }

    func testUAPIEnumPerSet() throws {
        let uapi = try file("tst.h", of: files)
        assertContains(uapi, [
            " * @TST_A_ITEM: (nest item, multi-attr) item\n",
            " * @TST_A_LABEL: (string, multi-attr) label\n",
            " * @TST_A_SUMMARY: (nest summary) summary\n",
            "\tTST_A_SUMMARY,\n\n\t/* private: */\n\t__TST_A_MAX,\n\tTST_A_MAX = (__TST_A_MAX - 1)\n};",
            "/*\n * One item.\n * @TST_A_ITEM_ID: (u32) id\n",
            "enum {\n\tTST_A_ITEM_ID = 1,\n\tTST_A_ITEM_BYTES,\n\tTST_A_ITEM_TAG,\n\tTST_A_ITEM_DETAIL,\n\tTST_A_ITEM_PAD,\n"
                + "\n\t/* private: */\n\t__TST_A_ITEM_MAX,\n\tTST_A_ITEM_MAX = (__TST_A_ITEM_MAX - 1)\n};",
            " * Attributes of the set summary, nested in TST_A_SUMMARY, TST_A_ITEM_DETAIL.\n",
            "enum {\n\tTST_A_SUMMARY_COUNT = 1,\n\n\t/* private: */\n\t__TST_A_SUMMARY_MAX,\n",
        ])
        // The set enums come in spec order, before the commands.
        let order = ["TST_A_MAX =", "TST_A_ITEM_MAX =", "TST_A_SUMMARY_MAX =", "TST_CMD_GET ="]
            .map { uapi.range(of: $0)!.lowerBound }
        XCTAssertEqual(order, order.sorted())
    }

    func testKernelPolicies() throws {
        let header = try file("tst-nl-gen.h", of: files)
        assertContains(header, [
            "extern const struct nla_policy tst_nl_policy[TST_A_MAX + 1];\n",
            "/* Nested set item (TST_A_ITEM): for nla_parse_nested() with TST_A_ITEM_MAX */\n"
                + "extern const struct nla_policy tst_item_nl_policy[TST_A_ITEM_MAX + 1];\n",
            "extern const struct nla_policy tst_summary_nl_policy[TST_A_SUMMARY_MAX + 1];\n",
        ])
        let source = try file("tst-nl-gen.c", of: files)
        assertContains(source, [
            "const struct nla_policy tst_item_nl_policy[TST_A_ITEM_MAX + 1] = {\n"
                + "\t[TST_A_ITEM_ID] = NLA_POLICY_MAX(NLA_U32, 7),\n"
                + "\t[TST_A_ITEM_BYTES] = { .type = NLA_U64, },\n"
                + "\t[TST_A_ITEM_TAG] = { .type = NLA_U32, },\n"
                + "\t[TST_A_ITEM_DETAIL] = NLA_POLICY_NESTED(tst_summary_nl_policy),\n};",
            "const struct nla_policy tst_summary_nl_policy[TST_A_SUMMARY_MAX + 1] = {\n"
                + "\t[TST_A_SUMMARY_COUNT] = { .type = NLA_U32, },\n};",
            "\t[TST_A_ITEM] = NLA_POLICY_NESTED(tst_item_nl_policy),\n",
            "\t[TST_A_LABEL] = { .type = NLA_NUL_STRING, .len = 15, },\n",
            "\t[TST_A_SUMMARY] = NLA_POLICY_NESTED(tst_summary_nl_policy),\n",
            // multi-attr has no policy of its own, only a word for the handlers.
            " * TST_A_ITEM, TST_A_LABEL may repeat (multi-attr): the policy checks each",
            "nla_for_each_attr() over the message.\n */\nconst struct nla_policy tst_nl_policy[",
            " * TST_A_ITEM_TAG may repeat (multi-attr)",
            "nla_for_each_nested().\n */\nconst struct nla_policy tst_item_nl_policy[",
        ])
        XCTAssertFalse(source.contains("TST_A_ITEM_PAD"), "pad has no policy entry")
        XCTAssertLessThan(source.range(of: "tst_item_nl_policy[")!.lowerBound,
                          source.range(of: "tst_nl_policy[")!.lowerBound, "nested policies first")
    }

    func testSwiftAttributeEnums() throws {
        let swift = try file("TSTSpec.swift", of: files)
        assertContains(swift, [
            "public enum TSTAttr: UInt16, CaseIterable, Sendable {",
            "/// One item.\npublic enum TSTItemAttr: UInt16, CaseIterable, Sendable {\n    case id = 1\n",
            "public enum TSTSummaryAttr: UInt16, CaseIterable, Sendable {\n    case count = 1\n",
            "    /// Attributes of another set (the attribute's nested set), in a nested TLV run.\n    case nest\n",
            "        case .item: .nest\n",
            "        case .detail: .nest\n",
            "        case .id: 0...7\n",
        ])
    }

    func testSwiftMessageShapes() throws {
        let swift = try file("TSTMessages.swift", of: files)
        assertContains(swift, [
            "/// One item.\n///\n/// Nested in TSTAttr.item.\npublic struct TSTItem: Equatable, Sendable {\n",
            "    public var tag: [UInt32]\n    public var detail: TSTSummary?\n",
            "        tag: [UInt32] = [],\n",
            "    public var attributes: [(TSTItemAttr, NLValue)] {\n",
            "        for tag in self.tag { out.append((.tag, .u32(tag))) }\n",
            "        if let detail { out.append((.detail, .nesting(detail.attributes))) }\n",
            "    public init(attributes a: NLAttributes) {\n        id = a.u32(TSTItemAttr.id)\n",
            "        tag = a.u32s(TSTItemAttr.tag)\n",
            "        detail = a.nest(TSTItemAttr.detail).map(TSTSummary.init(attributes:))\n",
            "public struct TSTSummary: Equatable, Sendable {\n",
            "public struct TSTGetRequest: Equatable, Sendable {\n",
            "    public var item: [TSTItem]\n    public var label: [String]\n    public var summary: TSTSummary?\n",
            "        for item in self.item { out.append((.item, .nesting(item.attributes))) }\n",
            "        for label in self.label { out.append((.label, .string(label))) }\n",
            "        item = m.nests(.item).map(TSTItem.init(attributes:))\n",
            "        label = m.strings(.label)\n",
            "        summary = m.nest(.summary).map(TSTSummary.init(attributes:))\n",
        ])
        XCTAssertFalse(swift.contains("var pad"), "pad is no field")
    }

    func testPythonSets() throws {
        let python = try file("tst_spec.py", of: files)
        assertContains(python, [
            "    \"TST_A_ITEM\": \"nest\",\n",
            "ATTR_SETS = {\n    \"tst\": (\"TST_A_\", ATTR_TYPES),\n    \"item\": (\"TST_A_ITEM_\", {\n"
                + "        \"TST_A_ITEM_ID\": \"u32\",\n",
            "NESTS = {\n    \"TST_A_ITEM\": \"item\",\n    \"TST_A_SUMMARY\": \"summary\",\n"
                + "    \"TST_A_ITEM_DETAIL\": \"summary\",\n}\n",
            "MULTI_ATTR = frozenset({\n    \"TST_A_ITEM\",\n    \"TST_A_LABEL\",\n    \"TST_A_ITEM_TAG\",\n})\n",
            "    \"TST_A_ITEM_TAG\": 3,\n",
        ])
    }

    /// The generated messages with DSTKit's runtime: requests encode nests
    /// and repeats in order, replies decode them back. Fails where swiftc is
    /// not on PATH.
    func testMessagesCompileAndRoundTripWithTheRuntime() throws {
        guard let swiftc = findTool("swiftc") else {
            return XCTFail("no swiftc on PATH")
        }
        let dir = try temporaryDirectory()
        for generated in files where generated.path.hasSuffix(".swift") {
            let name = URL(fileURLWithPath: generated.path).lastPathComponent
            try generated.text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        // NetlinkMessage.swift names the real family's command and attribute enums.
        let runtime = try String(contentsOf: repoRoot.appendingPathComponent("Sources/DSTKit/NetlinkMessage.swift"),
                                 encoding: .utf8)
            .replacingOccurrences(of: "DSTCommand", with: "TSTCommand")
            .replacingOccurrences(of: "DSTAttr", with: "TSTAttr")
        try runtime.write(to: dir.appendingPathComponent("NetlinkMessage.swift"), atomically: true, encoding: .utf8)
        let driver = """
            import Foundation

            func check(_ ok: Bool, _ what: String, line: Int = #line) {
                if !ok { print("FAIL line \\(line): \\(what)"); exit(1) }
            }

            let first = TSTItem(id: 1, bytes: 1 << 40, tag: [3, 4], detail: TSTSummary(count: 2))
            let second = TSTItem(id: 2)
            let request = TSTGetRequest(index: 7, item: [first, second], label: ["a", "b"], summary: TSTSummary(count: 9))
            check(request.attributes.map(\\.0) == [.index, .item, .item, .label, .label, .summary], "order")
            let reply = TSTPutReply(message: NLMessage(command: .get, values: request.attributes))
            check(reply.index == 7, "index")
            check(reply.item == [first, second], "items")
            check(reply.label == ["a", "b"], "labels")
            check(reply.summary == TSTSummary(count: 9), "summary")
            check(TSTPutReply(message: NLMessage(command: .get, values: [])) == TSTPutReply(), "empty")
            check(first.attributes.map(\\.0) == [.id, .bytes, .tag, .tag, .detail], "item order")
            print("ok")
            """
        try driver.write(to: dir.appendingPathComponent("main.swift"), atomically: true, encoding: .utf8)
        let build = try runTool(swiftc, ["-warnings-as-errors", "-o", "nest", "main.swift", "TSTSpec.swift",
                                         "TSTMessages.swift", "NetlinkMessage.swift"], in: dir)
        XCTAssertEqual(build.status, 0, build.output)
        guard build.status == 0 else {
            return
        }
        let result = try runTool(dir.appendingPathComponent("nest").path, [], in: dir)
        XCTAssertEqual(result.output, "ok\n")
    }
}
