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

    func testMalformedYAML() {
        assertRefused("name: [", "cannot parse the spec")
        assertRefused("name: tst\n", "missing key")
    }
}
