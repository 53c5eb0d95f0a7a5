// Specs the generator must refuse, each with a one-line error.

import XCTest
@testable import dst_nlgen

final class RefusalTests: XCTestCase {
    /// Asserts that generating from `yaml` fails with a one-line message
    /// containing `expected`.
    func assertRefused(_ yaml: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try Generator.generate(yaml: yaml)
            XCTFail("accepted; expected: \(expected)", file: file, line: line)
        } catch {
            XCTAssertTrue(error.message.contains(expected), "got: \(error.message)", file: file, line: line)
            XCTAssertFalse(error.message.contains("\n"), "not one line: \(error.message)", file: file, line: line)
        }
    }

    func testTheMiniSpecIsAccepted() throws {
        XCTAssertEqual(try Generator.generate(yaml: miniSpec()).count, 6)
    }

    func testUnknownAttributeInOperation() {
        assertRefused(miniSpec(operations: miniOperation(attributes: "index, colour")),
                      "operation 'get' do request names unknown attribute 'colour'")
    }

    /// A pre hook runs as a dump's start callback; a do has none.
    func testPreHook() {
        let doPre = """
                - name: get
                  attribute-set: tst
                  do:
                    pre: tst-start
                    request:
                      attributes: [index]
            """
        assertRefused(miniSpec(operations: doPre), "operation 'get': pre is supported for dumps only")
        let badName = """
                - name: get
                  attribute-set: tst
                  dump:
                    pre: "tst start"
                    reply:
                      attributes: [index]
            """
        assertRefused(miniSpec(operations: badName), "operation 'get': pre 'tst start' is not a C name")
    }

    func testUnknownAttributeInEvent() {
        assertRefused(miniSpec(operations: [
            miniOperation(part: "reply", attributes: "index"),
            miniEvent(attributes: "nope"),
        ].joined(separator: "\n")), "names unknown attribute 'nope'")
    }

    func testUnknownAttributeSet() {
        assertRefused(miniSpec(operations: miniOperation(set: "other", attributes: "index")),
                      "unknown attribute set 'other'")
    }

    func testUnknownMulticastGroup() {
        assertRefused(miniSpec(operations: [
            miniOperation(attributes: "index"),
            miniEvent(attributes: "index", group: "nope"),
        ].joined(separator: "\n")), "unknown multicast group 'nope'")
    }

    func testUnknownDefinitionType() {
        assertRefused(miniSpec(definitions: """
              - type: union
                name: thing
            """), "definition 'thing' has unknown type 'union'")
    }

    func testUnknownAttributeType() {
        assertRefused(miniSpec(attributes: """
                  - name: index
                    type: u31
            """), "attribute 'index' has unknown type 'u31'")
    }

    func testUnknownMemberType() {
        assertRefused(miniSpec(definitions: """
              - type: struct
                name: hdr
                members:
                  - name: x
                    type: s32
            """), "member 'x' of 'hdr' has unknown type 's32'")
    }

    func testDuplicateAttribute() {
        assertRefused(miniSpec(attributes: """
                  - name: index
                    type: u32
                  - name: index
                    type: u64
            """), "duplicate attribute 'index'")
    }

    func testDuplicateDefinition() {
        assertRefused(miniSpec(definitions: """
              - type: const
                name: thing
                value: 1
              - type: const
                name: thing
                value: 2
            """), "duplicate definition 'thing'")
    }

    func testDuplicateOperation() {
        assertRefused(miniSpec(operations: [
            miniOperation(attributes: "index"),
            miniOperation(mode: "dump", part: "reply", attributes: "index"),
        ].joined(separator: "\n")), "duplicate operation 'get'")
    }

    func testDuplicateEnumEntry() {
        assertRefused(miniSpec(definitions: """
              - type: enum
                name: colour
                entries: [red, red]
            """), "duplicate entry of 'colour' 'red'")
    }

    func testCNameCollision() {
        // "a-b" in enum "x" and "b" in enum "x-a" both become TST_X_A_B.
        assertRefused(miniSpec(definitions: """
              - type: enum
                name: x
                entries: [a-b]
              - type: enum
                name: x-a
                entries: [b]
            """), "C name TST_X_A_B")
    }

    func testStructNeedingPadding() {
        assertRefused(miniSpec(definitions: """
              - type: struct
                name: hdr
                members:
                  - name: a
                    type: u32
                    byte-order: big-endian
                  - name: b
                    type: u64
                    byte-order: big-endian
            """), "struct 'hdr' needs padding before 'b'")
        assertRefused(miniSpec(definitions: """
              - type: struct
                name: hdr
                members:
                  - name: a
                    type: u64
                  - name: b
                    type: u32
            """), "struct 'hdr' needs tail padding")
    }

    func testUnknownKey() {
        assertRefused(miniSpec(attributes: """
                  - name: index
                    type: u32
                    cheks:
                      max: 3
            """), "unknown key 'cheks' in attribute 'index'")
    }

    func testUnknownCheckAndMisplacedCheck() {
        assertRefused(miniSpec(attributes: """
                  - name: index
                    type: u32
                    checks:
                      maximum: 3
            """), "unknown key 'maximum'")
        assertRefused(miniSpec(attributes: """
                  - name: index
                    type: u32
                    checks:
                      max-len: 3
            """), "cannot have check 'max-len'")
    }

    func testPadAttributeInOperation() {
        assertRefused(miniSpec(attributes: """
                  - name: index
                    type: u32
                  - name: pad
                    type: pad
            """, operations: miniOperation(part: "reply", attributes: "index, pad")), "names pad attribute 'pad'")
    }

    func testUnknownEnumReference() {
        assertRefused(miniSpec(attributes: """
                  - name: index
                    type: u32
                    enum: shade
            """), "names unknown enum 'shade'")
    }

    func testUnknownConstInCheck() {
        assertRefused(miniSpec(attributes: """
                  - name: index
                    type: string
                    checks:
                      max-len: name-max
            """), "unknown const 'name-max'")
    }

    func testSplitProtocolAndPolicy() {
        assertRefused(miniSpec().replacingOccurrences(of: "genetlink-legacy", with: "genetlink"),
                      "protocol 'genetlink' is not supported")
        assertRefused(miniSpec().replacingOccurrences(of: "kernel-policy: global", with: "kernel-policy: per-op"),
                      "kernel-policy 'per-op' is not supported")
    }

    // MARK: Nested sets and multi-attr

    /// `yaml` without the lines that hold just `line`.
    func removingLine(_ line: String, from yaml: String) -> String {
        yaml.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { $0.trimmingCharacters(in: .whitespaces) != line }
            .joined(separator: "\n")
    }

    func testTheNestSpecIsAccepted() throws {
        XCTAssertEqual(try Generator.generate(yaml: nestSpec()).count, 6)
    }

    func testNestOfUnknownSet() {
        assertRefused(nestSpec(sets: """
              - name: summary
                name-prefix: tst-a-summary-
                attributes:
                  - name: count
                    type: u32
            """), "attribute 'item' nests unknown attribute set 'item'")
    }

    func testNestOfTheOperationsSet() {
        assertRefused(nestSpec(sets: """
              - name: summary
                name-prefix: tst-a-summary-
                attributes:
                  - name: back
                    type: nest
                    nested-attributes: tst
              - name: item
                name-prefix: tst-a-item-
                attributes:
                  - name: id
                    type: u32
            """), "attribute 'back' nests attribute set 'tst', which the operations use")
    }

    func testNestingCycle() {
        assertRefused(nestSpec(sets: """
              - name: item
                name-prefix: tst-a-item-
                attributes:
                  - name: detail
                    type: nest
                    nested-attributes: summary
              - name: summary
                name-prefix: tst-a-summary-
                attributes:
                  - name: again
                    type: nest
                    nested-attributes: item
            """), "attribute sets nest each other in a cycle: item -> summary -> item")
        assertRefused(nestSpec(sets: """
              - name: item
                name-prefix: tst-a-item-
                attributes:
                  - name: inner
                    type: nest
                    nested-attributes: item
              - name: summary
                name-prefix: tst-a-summary-
                attributes:
                  - name: count
                    type: u32
            """), "cycle: item -> item")
    }

    func testNestedSetWithoutOrWithASharedPrefix() {
        assertRefused(removingLine("name-prefix: tst-a-summary-", from: nestSpec()),
                      "attribute set 'summary' needs a name-prefix of its own")
        let sharedPrefix = nestSpec().replacingOccurrences(of: "name-prefix: tst-a-summary-", with: "name-prefix: tst-a-")
        assertRefused(sharedPrefix, "duplicate name-prefix of attribute sets 'tst-a-'")
    }

    func testNestWithoutSetAndSetWithoutNest() {
        assertRefused(removingLine("nested-attributes: item", from: nestSpec()),
                      "nest attribute 'item' has no nested-attributes")
        assertRefused(nestSpec(top: """
                  - name: index
                    type: u32
                    nested-attributes: item
            """, operations: miniOperation(attributes: "index")),
                      "attribute 'index' has nested-attributes but is not a nest")
    }

    func testMultiAttrFlagAndChecksOnNest() {
        assertRefused(nestSpec(top: """
                  - name: index
                    type: flag
                    multi-attr: true
            """, operations: miniOperation(attributes: "index")), "flag attribute 'index' cannot be multi-attr")
        assertRefused(nestSpec(top: """
                  - name: index
                    type: nest
                    nested-attributes: item
                    checks:
                      max: 3
            """, operations: miniOperation(attributes: "index")),
                      "attribute 'index' of type nest cannot have check 'max'")
    }

    func testOperationOnANestedSet() {
        assertRefused(nestSpec(operations: miniOperation(set: "item", attributes: "id")),
                      "operation 'get' uses attribute set 'item', which only nests use")
    }

    func testUnknownKeyInNestedSet() {
        assertRefused(nestSpec().replacingOccurrences(of: "multi-attr: true", with: "multi-atr: true"),
                      "unknown key 'multi-atr' in attribute")
    }

    func testSwiftTypeCollisionWithANestedSet() {
        assertRefused(nestSpec().replacingOccurrences(of: "attribute-sets:", with: """
            definitions:
              - type: enum
                name: item
                entries: [a]
            attribute-sets:
            """), "two definitions produce the Swift type TSTItem")
    }

    func testMalformedYAML() {
        assertRefused("name: [", "cannot parse the spec")
        assertRefused("name: tst\n", "missing key")
    }
}
