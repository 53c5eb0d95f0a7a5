// Details of the rendered files, on the real spec and on small specs.

import XCTest
@testable import dst_nlgen

/// A small valid spec; `definitions`, `attributes` and `operations` replace
/// the defaults (YAML, indented as they are here).
func miniSpec(
    definitions: String = """
          - type: enum
            name: colour
            value-start: 3
            entries: [red, green]
        """,
    attributes: String = """
              - name: index
                type: u32
        """,
    operations: String = miniOperation(attributes: "index")
) -> String {
    """
    name: tst
    protocol: genetlink-legacy
    kernel-policy: global
    definitions:
    \(definitions)
    attribute-sets:
      - name: tst
        name-prefix: tst-a-
        attributes:
    \(attributes)
    operations:
      list:
    \(operations)
    mcast-groups:
      list:
        - name: events
    """
}

/// An operation of a small spec, as `operations` takes it: `mode` is do or
/// dump, `part` request or reply, `attributes` a YAML flow list's items.
func miniOperation(_ name: String = "get", set: String = "tst", mode: String = "do", part: String = "request",
                   attributes: String) -> String {
    """
        - name: \(name)
          attribute-set: \(set)
          \(mode):
            \(part):
              attributes: [\(attributes)]
    """
}

/// An event of a small spec, sent to `group`.
func miniEvent(_ name: String = "changed", attributes: String, group: String = "events") -> String {
    """
        - name: \(name)
          attribute-set: tst
          event:
            attributes: [\(attributes)]
          mcgrp: \(group)
    """
}

func file(_ suffix: String, of files: [GeneratedFile]) throws -> String {
    try XCTUnwrap(files.first { $0.path.hasSuffix(suffix) }?.text, suffix)
}

final class RenderTests: XCTestCase {
    var uapi = ""
    var kernelHeader = ""
    var kernelSource = ""
    var swift = ""

    override func setUpWithError() throws {
        let files = try generateFromRepoSpec()
        uapi = try file("kmod/gen/dst.h", of: files)
        kernelHeader = try file("dst-nl-gen.h", of: files)
        kernelSource = try file("dst-nl-gen.c", of: files)
        swift = try file("DSTSpec.swift", of: files)
    }

    func assertContains(_ text: String, _ needles: [String], file: StaticString = #filePath, line: UInt = #line) {
        for needle in needles {
            XCTAssertTrue(text.contains(needle), "missing: \(needle)", file: file, line: line)
        }
    }

    func testUAPIHeader() {
        assertContains(uapi, [
            "#ifndef _UAPI_LINUX_DST_H\n#define _UAPI_LINUX_DST_H\n\n#include <linux/types.h>\n",
            "#define DST_FAMILY_NAME \"dst\"\n#define DST_FAMILY_VERSION 1\n",
            "#define DST_PROTO_VERSION 1\n",
            "#define DST_HELLO_MAGIC 0x44535448454c4c4fULL\n",
            "#define DST_REQ_MAGIC 0x44535451\n",
            "enum dst_opcode {\n\tDST_OP_READ = 1,\n\tDST_OP_WRITE = 2,",
            "\tDST_OP_PING = 6,\n\tDST_OP_RESIZE = 7,\n\n\t/* private: */\n\t__DST_OP_MAX,\n\tDST_OP_MAX = (__DST_OP_MAX - 1)\n};",
            "enum dst_status {\n\tDST_ST_OK = 0,",
            "enum dst_dev_state {\n\tDST_STATE_CONNECTED = 1,",
            "enum dst_features {\n\tDST_FEAT_FLUSH = 1,\n\tDST_FEAT_FUA = 2,\n\tDST_FEAT_DISCARD = 4,",
            "#define DST_FEATURES_MASK 0xff\n",
            "#define DST_CMD_FLAGS_MASK 0x3\n",
            "struct dst_req_hdr {\n\t__be32 magic;\n\t__be16 opcode;\n\t__be16 flags;\n\t__be64 tag;\n",
            "\t__be32 msg_len;\n\t__u8 uuid[16];\n};",
            "#define DST_REQ_HDR_SIZE 40\n",
            "#define DST_REP_HDR_SIZE 32\n",
            "#define DST_CLIENT_HELLO_SIZE 48\n",
            "#define DST_SERVER_REPLY_SIZE 64\n",
            "#define DST_SERVER_LIMITS_SIZE 16\n",
            " * struct dst_req_hdr - Data request header;",
            " * @data_csum: Checksum of the data that follows (WRITE), else 0.\n",
            "enum {\n\tDST_A_DEV_INDEX = 1,\n\tDST_A_SOCK_FD,\n",
            "\tDST_A_CONN_COUNT,\n\tDST_A_EXPORT_STATE,\n\tDST_A_CHECK,\n\tDST_A_DATA_BYTES,\n",
            "\tDST_A_DISCARD_ALIGNMENT,\n\n\t/* private: */\n\t__DST_A_MAX,\n\tDST_A_MAX = (__DST_A_MAX - 1)\n};",
            "enum {\n\tDST_A_CONN_SLOT = 1,\n\tDST_A_CONN_GENERATION,\n",
            "\tDST_A_CONN_PAD,\n\tDST_A_CONN_PINGS,\n\tDST_A_CONN_PING_RTT_US,\n\tDST_A_CONN_PING_SRTT_US,\n\n\t/* private: */\n\t__DST_A_CONN_MAX,\n\tDST_A_CONN_MAX = (__DST_A_CONN_MAX - 1)\n};",
            "enum {\n\tDST_CMD_DEV_ADD = 1,\n\tDST_CMD_DEV_DEL,\n",
            "\tDST_CMD_DEV_CHANGE_NTF,\n\tDST_CMD_EXPORT_CHANGE_NTF,\n\tDST_CMD_DEV_SET,\n\tDST_CMD_EXPORT_SET,\n\tDST_CMD_EXPORT_RESIZE,\n\n\t/* private: */\n\t__DST_CMD_MAX,",
            "#define DST_MCGRP_EVENTS \"events\"\n",
        ])
        XCTAssertFalse(uapi.contains("DST_FEAT_MAX"), "flags have a mask, not a max")
    }

    func testKernelHeader() {
        assertContains(kernelHeader, [
            "#include <net/netlink.h>\n#include <net/genetlink.h>\n\n#include \"dst.h\"\n",
            "extern const struct nla_policy dst_nl_policy[DST_A_MAX + 1];\n",
            "extern const struct nla_policy dst_conn_nl_policy[DST_A_CONN_MAX + 1];\n",
            "int dst_nl_dev_add_doit(struct sk_buff *skb, struct genl_info *info);\n",
            "int dst_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);\n",
            "int dst_nl_export_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);\n",
            "int dst_nl_export_connect_doit(struct sk_buff *skb, struct genl_info *info);\n",
            "enum {\n\tDST_NLGRP_EVENTS,\n};\n",
            "extern const struct genl_ops dst_nl_ops[11];\n",
            "int dst_nl_dump_start(struct netlink_callback *cb);\n",
            "extern const struct genl_multicast_group dst_nl_mcgrps[1];\n",
        ])
        XCTAssertFalse(kernelHeader.contains("change_ntf"), "events have no handlers")
    }

    func testKernelPolicy() {
        assertContains(kernelSource, [
            "#include \"dst-nl-gen.h\"\n",
            "[DST_A_DEV_INDEX] = NLA_POLICY_MAX(NLA_U32, DST_DEV_INDEX_MAX),",
            "[DST_A_LOGICAL_BS] = NLA_POLICY_RANGE(NLA_U32, 512, 4096),",
            "[DST_A_SIZE] = { .type = NLA_U64, },",
            "[DST_A_FEATURES] = NLA_POLICY_MASK(NLA_U32, DST_FEATURES_MASK),",
            "[DST_A_CSUM] = NLA_POLICY_MAX(NLA_U32, DST_CSUM_MAX),",
            "[DST_A_STATE] = NLA_POLICY_RANGE(NLA_U32, DST_STATE_CONNECTED, DST_STATE_MAX),",
            "[DST_A_UUID] = NLA_POLICY_EXACT_LEN(16),",
            "[DST_A_EXPORT_NAME] = { .type = NLA_NUL_STRING, .len = DST_EXPORT_NAME_MAX, },",
            "[DST_A_READ_ONLY] = { .type = NLA_FLAG, },",
            "[DST_A_CLIENTS] = { .type = NLA_U32, },",
            // Beyond s16: the min and max of struct nla_policy cannot hold them.
            "[DST_A_MAX_XFER] = NLA_POLICY_FULL_RANGE(NLA_U32, &dst_a_max_xfer_range),",
            "static struct netlink_range_validation dst_a_max_xfer_range = {\n\t.min = 4096ULL,\n\t.max = DST_MAX_XFER_LIMIT,\n};",
            "static struct netlink_range_validation dst_a_sock_fd_range = {\n\t.max = 2147483647ULL,\n};",
            "static_assert(sizeof(struct dst_req_hdr) == DST_REQ_HDR_SIZE);",
            "[DST_A_CONN] = NLA_POLICY_NESTED(dst_conn_nl_policy),",
            "[DST_A_CONN_PEER] = { .type = NLA_NUL_STRING, .len = DST_PEER_MAX, },",
            "[DST_A_CONN_TLS_CIPHER] = NLA_POLICY_MAX(NLA_U32, DST_TLS_CIPHER_MAX),",
        ])
    }

    func testKernelOps() {
        assertContains(kernelSource, [
            "const struct genl_ops dst_nl_ops[11] = {\n\t{\n\t\t.cmd\t\t= DST_CMD_DEV_ADD,\n"
                + "\t\t.doit\t\t= dst_nl_dev_add_doit,\n\t\t.flags\t\t= GENL_ADMIN_PERM,\n\t},",
            "\t\t.cmd\t\t= DST_CMD_DEV_GET,\n\t\t.doit\t\t= dst_nl_dev_get_doit,\n"
                + "\t\t.start\t\t= dst_nl_dump_start,\n\t\t.dumpit\t\t= dst_nl_dev_get_dumpit,\n\t},",
            "const struct genl_multicast_group dst_nl_mcgrps[1] = {\n"
                + "\t[DST_NLGRP_EVENTS] = { .name = DST_MCGRP_EVENTS, },\n};",
        ])
        for forbidden in ["genl_split_ops", "pre_doit", ".validate", "DST_CMD_DEV_CHANGE_NTF"] {
            XCTAssertFalse(kernelSource.contains(forbidden), forbidden)
        }
    }

    func testKernelSourceLinesFitAndUseTabs() {
        for text in [uapi, kernelHeader, kernelSource] {
            for line in text.split(separator: "\n") {
                let width = line.reduce(0) { $1 == "\t" ? ($0 / 8 + 1) * 8 : $0 + 1 }
                XCTAssertLessThanOrEqual(width, 100, String(line))
                XCTAssertFalse(line.hasPrefix("    "), "spaces for indent: \(line)")
                XCTAssertFalse(line.hasSuffix(" ") || line.hasSuffix("\t"), "trailing space: \(line)")
            }
        }
    }

    func testSwiftBindings() {
        assertContains(swift, [
            "public enum DSTFamily {\n    public static let name = \"dst\"\n    public static let version: UInt8 = 1\n",
            "public static let eventsGroup = \"events\"",
            "public static let helloMagic: Int = 0x44535448454c4c4f\n",
            "public static let exportNameMax: Int = 64\n",
            "public enum DSTOpcode: UInt32, CaseIterable, Sendable {",
            "case writeZeroes = 5\n",
            "case .writeZeroes: \"write-zeroes\"",
            "public enum DSTHelloStatus: UInt32, CaseIterable, Sendable {",
            "case `internal` = 5\n",
            "public enum DSTDevState: UInt32, CaseIterable, Sendable {",
            "public struct DSTFeatures: OptionSet, Sendable, Hashable {",
            "public static let readOnly = Self(rawValue: 1 << 4)",
            "public struct DSTCmdFlags: OptionSet, Sendable, Hashable {",
            "public struct DSTReqHdr: Equatable, Sendable {",
            "public static let size: Int = 40\n",
            "public init(decoding bytes: some Collection<UInt8>) throws(DSTDecodeError) {",
            "throw .truncated(type: \"client-hello\", needed: Self.size, got: b.count)",
            "public enum DSTDecodeError: Error, Equatable, Sendable {",
            "public enum DSTAttr: UInt16, CaseIterable, Sendable {",
            "case devIndex = 1\n",
            "case .uuid: .binary(exactLength: 16)",
            "case .exportName: .string(maxLength: DSTWire.exportNameMax)",
            "case .readOnly: .flag",
            "public enum DSTCommand: UInt8, CaseIterable, Sendable {",
            "case devAdd = 1\n",
            "case exportChangeNtf\n",
        ])
    }

    func testSwiftIndentation() {
        var depth = 0
        for line in swift.split(separator: "\n", omittingEmptySubsequences: false) {
            let body = line.drop { $0 == " " }
            let indent = line.count - body.count
            XCTAssertEqual(indent % 4, 0, String(line))
            if body.hasPrefix("}") || body.hasPrefix(")") || body.hasPrefix("]") {
                depth -= 1
            }
            if !body.isEmpty, !body.hasPrefix("case "), !body.hasPrefix("default:") {
                XCTAssertEqual(indent, depth * 4, String(line))
            }
            // Prose in doc comments may open a parenthesis on one line and close it on the next.
            if body.hasPrefix("//") {
                continue
            }
            depth += body.filter { "{([".contains($0) }.count - body.filter { "})]".contains($0) }.count
            if body.hasPrefix("}") || body.hasPrefix(")") || body.hasPrefix("]") {
                depth += 1
            }
        }
        XCTAssertEqual(depth, 0)
    }

    func testEnumValueStartAndPrefixDefault() throws {
        let files = try Generator.generate(yaml: miniSpec())
        let uapi = try file("tst.h", of: files)
        assertContains(uapi, [
            "enum tst_colour {\n\tTST_COLOUR_RED = 3,\n\tTST_COLOUR_GREEN = 4,\n",
            "__TST_COLOUR_MAX,\n\tTST_COLOUR_MAX = (__TST_COLOUR_MAX - 1)",
            "enum {\n\tTST_CMD_GET = 1,\n",
        ])
        let swift = try file("TSTSpec.swift", of: files)
        assertContains(swift, ["case red = 3\n", "case green = 4\n"])
    }

    func testEnumPolicyWithValueStartIsARange() throws {
        let files = try Generator.generate(yaml: miniSpec(attributes: """
                  - name: colour
                    type: u32
                    enum: colour
            """, operations: miniOperation(attributes: "colour")))
        assertContains(try file("tst-nl-gen.c", of: files), [
            "[TST_A_COLOUR] = NLA_POLICY_RANGE(NLA_U32, TST_COLOUR_RED, TST_COLOUR_MAX),",
        ])
    }

    func testChecksMayNameAConst() throws {
        let files = try Generator.generate(yaml: miniSpec(definitions: """
              - type: const
                name: name-max
                value: 32
            """, attributes: """
                  - name: index
                    type: u32
                  - name: label
                    type: string
                    checks:
                      max-len: name-max
            """))
        assertContains(try file("tst-nl-gen.c", of: files), ["[TST_A_LABEL] = { .type = NLA_NUL_STRING, .len = TST_NAME_MAX, },"])
        assertContains(try file("TSTSpec.swift", of: files), ["case .label: .string(maxLength: TSTWire.nameMax)"])
    }

    func testOpsWithoutDumpOrAdminAndTheirCount() throws {
        let files = try Generator.generate(yaml: miniSpec(operations: [
            miniOperation(mode: "dump", part: "reply", attributes: "index"),
            miniEvent(attributes: "index"),
        ].joined(separator: "\n")))
        let source = try file("tst-nl-gen.c", of: files)
        assertContains(source, ["const struct genl_ops tst_nl_ops[1] = {\n\t{\n\t\t.cmd\t\t= TST_CMD_GET,\n\t\t.dumpit\t\t= tst_nl_get_dumpit,\n\t},\n};"])
        XCTAssertFalse(source.contains(".doit"))
        XCTAssertFalse(source.contains("GENL_ADMIN_PERM"))
        assertContains(try file("tst.h", of: files), ["TST_CMD_GET = 1,\n\tTST_CMD_CHANGED,\n"])
    }

    func testPadAttributeHasNoPolicy() throws {
        let files = try Generator.generate(yaml: miniSpec(attributes: """
                  - name: index
                    type: u32
                  - name: pad
                    type: pad
            """))
        assertContains(try file("tst.h", of: files), ["\tTST_A_INDEX = 1,\n\tTST_A_PAD,\n"])
        XCTAssertFalse(try file("tst-nl-gen.c", of: files).contains("TST_A_PAD"))
        assertContains(try file("TSTSpec.swift", of: files), ["    case pad\n}", "case .pad: .pad"])
    }

    func testWrapKeepsLinesShort() {
        let lines = wrap(String(repeating: "word ", count: 40), width: 30, first: " * ", rest: " * ")
        XCTAssertGreaterThan(lines.count, 1)
        XCTAssertTrue(lines.allSatisfy { $0.count <= 30 })
    }

    func testNames() {
        XCTAssertEqual(cUpper("dst-op-write-zeroes"), "DST_OP_WRITE_ZEROES")
        XCTAssertEqual(upperCamel("hello-status"), "HelloStatus")
        XCTAssertEqual(lowerCamel("write-zeroes"), "writeZeroes")
        XCTAssertEqual(lowerCamel("crc32c"), "crc32c")
        XCTAssertEqual(swiftName("internal"), "`internal`")
        XCTAssertEqual(cLiteral(Number(value: 0x4453_5451, text: "0x44535451")), "0x44535451")
        XCTAssertEqual(cLiteral(Number(value: 0xffff_ffff, text: "0xffffffff")), "0xffffffffU")
        XCTAssertEqual(cLiteral(Number(value: 1 << 40, text: "1099511627776")), "1099511627776ULL")
    }
}
