// SPDX-License-Identifier: GPL-2.0-only OR MIT
import CLibNL
import XCTest
@testable import DSTKit

/// Nested and repeated attributes: NLAttributes parsing, NLValue.payload
/// encoding, the generated nested structs, and libnl's bytes for the same.
final class NetlinkNestTests: XCTestCase {
    /// One attribute as the kernel lays it out: host-order header, payload,
    /// padding to 4 bytes.
    func tlv(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt16(4 + payload.count)) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: type) { bytes.append(contentsOf: $0) }
        return bytes + payload + Array(repeating: 0, count: (4 - payload.count % 4) % 4)
    }

    func u32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v) { Array($0) } }

    func testParsingKeepsOrderAndRepeatsAndMasksFlags() throws {
        let bytes = tlv(1, u32(7)) + tlv(3, Array("ab".utf8) + [0]) + tlv(1, u32(8))
            + tlv(UInt16(DSTConnAttr.readOnly.rawValue) | 0x8000 | 0x4000, [])
        let a = try XCTUnwrap(NLAttributes(parsing: bytes))
        XCTAssertEqual(a.map(\.type), [1, 3, 1, DSTConnAttr.readOnly.rawValue])
        XCTAssertEqual(a.u32s(DSTConnAttr.slot), [7, 8])
        XCTAssertEqual(a.u32(DSTConnAttr.slot), 8, "one value: the last, as nla_parse() keeps it")
        XCTAssertEqual(a.string(DSTConnAttr.peer), "ab")
        XCTAssertTrue(a.has(DSTConnAttr.readOnly))
        XCTAssertNil(a.u32(DSTConnAttr.generation))
        XCTAssertEqual(a.u32s(DSTConnAttr.generation), [])
    }

    func testParsingRefusesBadLengthsAndLeftovers() {
        XCTAssertEqual(NLAttributes(parsing: [])?.count, 0)
        XCTAssertNil(NLAttributes(parsing: tlv(1, u32(7)) + [0, 0]), "bytes left over")
        XCTAssertNil(NLAttributes(parsing: [3, 0, 1, 0]), "length below the header")
        XCTAssertNil(NLAttributes(parsing: [12, 0, 1, 0, 1, 2, 3, 4]), "length past the end")
        // The last attribute may come without its padding.
        XCTAssertEqual(NLAttributes(parsing: [5, 0, 2, 0, 9])?.binary(DSTConnAttr.generation), [9])
    }

    func testNestPayloadLayout() {
        let value = NLValue.nest([
            NLEntry(type: 1, value: .u32(5)),
            NLEntry(type: 3, value: .string("ab")),
            NLEntry(type: 7, value: .flag),
            NLEntry(type: 2, value: .nest([NLEntry(type: 1, value: .u64(1))])),
        ])
        XCTAssertEqual(value.payload, [8, 0, 1, 0, 5, 0, 0, 0]
            + [7, 0, 3, 0, 0x61, 0x62, 0, 0]
            + [4, 0, 7, 0]
            + [16, 0, 2, 0x80, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(NLValue.nest([]).payload, [])
    }

    func testNestRoundTripsThroughTheGeneratedStruct() throws {
        let conn = DSTConn(slot: 2, generation: 9, peer: "10.0.0.1:1025", identity: "client-a", tlsVersion: 0x0304,
                           tlsCipher: DSTTlsCipher.aes128Gcm.rawValue, readOnly: true, records: 1 << 40, recordErrors: 3)
        XCTAssertEqual(conn.attributes.map(\.0), [.slot, .generation, .peer, .identity, .tlsVersion, .tlsCipher, .readOnly,
                                                  .records, .recordErrors])
        let parsed = try XCTUnwrap(NLAttributes(parsing: NLValue.nesting(conn.attributes).payload))
        XCTAssertEqual(DSTConn(attributes: parsed), conn)
        XCTAssertEqual(DSTConn(attributes: [:]), DSTConn(), "an empty nest: every field absent")
    }

    func testRepeatedNestsInAReply() {
        let conns = [
            DSTConn(slot: 0, generation: 4, peer: "a:1", tlsVersion: 0, tlsCipher: 0),
            DSTConn(slot: 1, generation: 4, peer: "b:2", records: 5),
            DSTConn(),
        ]
        let m = NLMessage(command: .devGet, values: [(.devIndex, .u32(3))]
            + conns.map { (DSTAttr.conn, NLValue.nesting($0.attributes)) } + [(.state, .u32(1))])
        XCTAssertEqual(m.attributes.map(\.type), [DSTAttr.devIndex, .conn, .conn, .conn, .state].map(\.rawValue))
        let reply = DSTDevGetReply(message: m)
        XCTAssertEqual(reply.devIndex, 3)
        XCTAssertEqual(reply.state, 1)
        XCTAssertEqual(reply.conn, conns)
        XCTAssertEqual(DSTDevGetReply(message: NLMessage(command: .devGet, values: [(.devIndex, .u32(3))])).conn, [])
        XCTAssertEqual(DSTExportGetReply(message: m).conn, conns, "export-get carries the same nest")
    }

    func testMalformedNestIsLeftOut() {
        var m = NLMessage(command: .devGet, values: [(.conn, .nesting(DSTConn(slot: 1).attributes))])
        m.attributes.append(type: DSTAttr.conn.rawValue, payload: [9, 0, 1, 0, 1])
        XCTAssertEqual(m.nests(.conn).count, 1)
        XCTAssertEqual(DSTDevGetReply(message: m).conn, [DSTConn(slot: 1)])
        XCTAssertNil(NLMessage(command: 1, attributes: [DSTAttr.conn.rawValue: [1, 2]]).nest(.conn))
    }

    func testRepeatedScalarsAndTheSingleGetters() {
        var m = NLMessage(command: .devGet, values: [(.peer, .string("x")), (.devIndex, .u32(1)), (.peer, .string("y")),
                                                    (.size, .u64(1 << 33)), (.size, .u64(2))])
        XCTAssertEqual(m.strings(.peer), ["x", "y"])
        XCTAssertEqual(m.string(.peer), "y")
        XCTAssertEqual(m.u64s(.size), [1 << 33, 2])
        XCTAssertEqual(m.u32s(.devIndex), [1])
        XCTAssertEqual(m.binaries(.uuid), [])
        // Setting one value replaces the repeats where the first was.
        m.attributes[DSTAttr.peer.rawValue] = NLValue.string("z").payload
        XCTAssertEqual(m.strings(.peer), ["z"])
        XCTAssertEqual(m.attributes.map(\.type).first, DSTAttr.peer.rawValue)
        m.attributes[DSTAttr.size.rawValue] = nil
        XCTAssertFalse(m.has(.size))
        XCTAssertEqual(m.attributes.count, 2)
    }

    /// libnl builds the same bytes for nests (NLA_F_NESTED on each, empty
    /// ones kept) as NLValue.payload, which the tests and NLMessage use.
    func testLibNLEncodesNestsAsThePayloadEncoderDoes() throws {
        let entries = [
            NLEntry(type: DSTAttr.devIndex.rawValue, value: .u32(1)),
            NLEntry(type: DSTAttr.conn.rawValue, value: .nesting(DSTConn(slot: 0, peer: "a:1", readOnly: true,
                                                                         records: 7).attributes)),
            NLEntry(type: DSTAttr.conn.rawValue, value: .nesting(DSTConn().attributes)),
            NLEntry(type: DSTAttr.uuid.rawValue, value: .binary([1, 2, 3])),
        ]
        let msg = try XCTUnwrap(nlmsg_alloc())
        defer { nlmsg_free(msg) }
        for entry in entries {
            XCTAssertGreaterThanOrEqual(LibNLSocket.put(msg, entry.type, entry.value), 0)
        }
        let hdr = nlmsg_hdr(msg)!
        let length = Int(hdr.pointee.nlmsg_len) - Int(nlmsg_total_size(0))
        let libnl = Array(UnsafeRawBufferPointer(start: nlmsg_data(hdr), count: length))
        XCTAssertEqual(libnl, NLValue.nest(entries).payload)
        let top = try XCTUnwrap(NLAttributes(parsing: libnl))
        XCTAssertEqual(top.nests(DSTAttr.conn).map(DSTConn.init(attributes:)),
                       [DSTConn(slot: 0, peer: "a:1", readOnly: true, records: 7), DSTConn()])
    }
}
