// SPDX-License-Identifier: GPL-2.0-only OR MIT
import XCTest
@testable import DSTKit

/// A ByteStream over fixed input that records what is written.
final class ScriptedStream: ByteStream {
    var input: [UInt8]
    var output: [UInt8] = []

    init(_ input: [UInt8]) { self.input = input }

    func read(exactly count: Int) throws -> [UInt8] {
        let n = min(count, input.count)
        defer { input.removeFirst(n) }
        return Array(input.prefix(n))
    }

    func write(all bytes: [UInt8]) throws { output += bytes }
}

let listen = "192.0.2.1:1025"
let uuid = DSTUUID(bytes: Array(1...16))!
let clientSession = DSTSession(bytes: Array(0xa0...0xaf))!

func export(_ name: String, size: UInt64 = 1 << 30, listen: String = listen,
            features: DSTFeatures = [.flush, .fua, .discard]) -> DSTExport {
    DSTExport(name: name, size: size, logicalBs: 512, physicalBs: 4096, maxXfer: 1 << 20,
              features: features, uuid: uuid, listen: listen)
}

func goodReply(size: UInt64 = 1 << 30, lbs: UInt32 = 512, pbs: UInt32 = 4096, maxXfer: UInt32 = 1 << 20,
               features: UInt32 = 0b111, csum: UInt32 = 1, status: UInt32 = 0, version: UInt32 = 1,
               magic: UInt64 = UInt64(DSTWire.replyMagic), msgLen: UInt32 = 0) -> DSTServerReply {
    DSTServerReply(magic: magic, version: version, status: status, size: size, logicalBs: lbs, physicalBs: pbs,
                   maxXfer: maxXfer, features: features, csum: csum, msgLen: msgLen, uuid: uuid.bytes)
}

final class ClientHelloTests: XCTestCase {
    func testHelloLayout() throws {
        let bytes = try DSTClientHandshake.hello(exportName: "disk", csum: .crc32c, session: clientSession,
                                                 generation: 0x01020304)
        XCTAssertEqual(bytes.count, 48 + 4)
        XCTAssertEqual(Array(bytes[0..<8]), Array("DSTHELLO".utf8))
        XCTAssertEqual(Array(bytes[8..<12]), [0, 0, 0, 1])
        XCTAssertEqual(Array(bytes[12..<16]), [0, 0, 0, 0xff])
        XCTAssertEqual(Array(bytes[16..<20]), [0, 0, 0, 1])
        XCTAssertEqual(Array(bytes[20..<24]), [0, 0, 0, 4])
        XCTAssertEqual(Array(bytes[24..<40]), Array(0xa0...0xaf))
        XCTAssertEqual(Array(bytes[40..<44]), [1, 2, 3, 4])
        XCTAssertEqual(Array(bytes[44..<48]), [0, 0, 0, 0], "reserved")
        XCTAssertEqual(Array(bytes[48...]), Array("disk".utf8))
    }

    func testEmptyNameAndLimits() throws {
        XCTAssertEqual(try DSTClientHandshake.hello(exportName: "", csum: .none, session: clientSession, generation: 1).count, 48)
        let max = String(repeating: "a", count: 64)
        XCTAssertEqual(try DSTClientHandshake.hello(exportName: max, csum: .none, session: clientSession, generation: 1).count, 112)
        XCTAssertThrowsError(try DSTClientHandshake.hello(exportName: max + "a", csum: .none, session: clientSession, generation: 1)) {
            XCTAssertEqual($0 as? DSTError, .invalidExportName(max + "a"))
        }
    }

    func testSession() throws {
        XCTAssertTrue(DSTSession.none.isNone)
        XCTAssertEqual(DSTSession.none.description, String(repeating: "0", count: 32))
        XCTAssertEqual(clientSession.description, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf")
        XCTAssertNil(DSTSession(bytes: [1, 2, 3]))
        var seen = Set<DSTSession>()
        for _ in 0..<32 {
            let s = try DSTSession.random()
            XCTAssertFalse(s.isNone)
            XCTAssertEqual(s.bytes.count, 16)
            seen.insert(s)
        }
        XCTAssertEqual(seen.count, 32)
    }
}

final class ServerHandshakeTests: XCTestCase {
    func hello(magic: UInt64 = UInt64(DSTWire.helloMagic), version: UInt32 = 1, csum: UInt32 = 1,
               nameLen: UInt32 = 4, session: [UInt8] = clientSession.bytes, generation: UInt32 = 7,
               reserved: UInt32 = 0) -> [UInt8] {
        DSTClientHello(magic: magic, version: version, features: DSTFeatures.all.rawValue, csum: csum, nameLen: nameLen,
                       session: session, generation: generation, reserved: reserved).encoded()
    }

    func refusal<T>(_ r: Result<T, DSTRefusal>) -> DSTRefusal? {
        if case let .failure(f) = r { return f }
        return nil
    }

    func testEveryTruncatedHeaderIsRefused() {
        let full = hello()
        for n in 0..<DSTClientHello.size {
            let r = refusal(DSTServerHandshake.parseHeader(full.prefix(n)))
            XCTAssertEqual(r?.status, .badRequest, "length \(n)")
            XCTAssertEqual(r?.message, "short hello (\(n) of 48 bytes)")
        }
        XCTAssertNil(refusal(DSTServerHandshake.parseHeader(full)))
    }

    func testHeaderChecks() {
        XCTAssertEqual(refusal(DSTServerHandshake.parseHeader(hello(magic: 0x1234)))?.status, .badRequest)
        XCTAssertEqual(refusal(DSTServerHandshake.parseHeader(hello(magic: 0x1234)))?.message, "bad hello magic 0x1234")
        XCTAssertEqual(refusal(DSTServerHandshake.parseHeader(hello(version: 2))),
                       DSTRefusal(.badVersion, "protocol version 2 is not supported; this server speaks 1"))
        XCTAssertEqual(refusal(DSTServerHandshake.parseHeader(hello(version: 0)))?.status, .badVersion)
        XCTAssertNil(refusal(DSTServerHandshake.parseHeader(hello(nameLen: 64))))
        XCTAssertEqual(refusal(DSTServerHandshake.parseHeader(hello(nameLen: 65))),
                       DSTRefusal(.badRequest, "export name of 65 bytes exceeds 64"))
        XCTAssertEqual(refusal(DSTServerHandshake.parseHeader(hello(nameLen: .max)))?.status, .badRequest)
        XCTAssertEqual(refusal(DSTServerHandshake.parseHeader(hello(csum: 2))),
                       DSTRefusal(.badChecksum, "checksum 2 is not supported; use one of none, crc32c"))
        XCTAssertNil(refusal(DSTServerHandshake.parseHeader(hello(csum: 0))))
    }

    func testReservedMustBeZero() {
        XCTAssertEqual(refusal(DSTServerHandshake.parseHeader(hello(reserved: 1))),
                       DSTRefusal(.badRequest, "reserved field of the hello is 0x1, not 0"))
        XCTAssertEqual(refusal(DSTServerHandshake.parseHeader(hello(reserved: 0xdead_beef))),
                       DSTRefusal(.badRequest, "reserved field of the hello is 0xdeadbeef, not 0"))
        // A future version may use the field: the version is refused first.
        XCTAssertEqual(refusal(DSTServerHandshake.parseHeader(hello(version: 2, reserved: 1)))?.status, .badVersion)
    }

    func testGeneration() throws {
        XCTAssertEqual(refusal(DSTServerHandshake.parseHeader(hello(generation: 0))),
                       DSTRefusal(.badRequest, "generation 0 is invalid; the generations of a session start at 1"))
        // Without a session there is no fencing, and the generation is ignored.
        let none = [UInt8](repeating: 0, count: 16)
        let h = try DSTServerHandshake.parseHeader(hello(session: none, generation: 0)).get()
        XCTAssertEqual(try DSTServerHandshake.parseName(h, Array("disk".utf8)).get(),
                       DSTHelloRequest(version: 1, features: .all, csum: .crc32c, exportName: "disk",
                                       session: .none, generation: 0))
        let h2 = try DSTServerHandshake.parseHeader(hello(session: none, generation: 9)).get()
        XCTAssertEqual(try DSTServerHandshake.parseName(h2, Array("disk".utf8)).get().generation, 0)
        let h3 = try DSTServerHandshake.parseHeader(hello(generation: .max)).get()
        let r3 = try DSTServerHandshake.parseName(h3, Array("disk".utf8)).get()
        XCTAssertEqual(r3.session, clientSession)
        XCTAssertEqual(r3.generation, .max)
    }

    func testNameChecks() throws {
        let h = try DSTClientHello(decoding: hello(nameLen: 4))
        guard case let .success(req) = DSTServerHandshake.parseName(h, Array("disk".utf8)) else {
            return XCTFail("valid name refused")
        }
        XCTAssertEqual(req.exportName, "disk")
        XCTAssertEqual(req.csum, .crc32c)
        XCTAssertEqual(refusal(DSTServerHandshake.parseName(h, Array("dis".utf8)))?.status, .badRequest)
        XCTAssertEqual(refusal(DSTServerHandshake.parseName(h, [0x64, 0xff, 0xfe, 0x6b])),
                       DSTRefusal(.badRequest, "export name is not printable UTF-8"))
        XCTAssertEqual(refusal(DSTServerHandshake.parseName(h, [0x64, 0x0a, 0x73, 0x6b]))?.status, .badRequest)
        XCTAssertEqual(refusal(DSTServerHandshake.parseName(h, [0x64, 0x00, 0x73, 0x6b]))?.status, .badRequest)
    }

    func request(_ name: String, csum: DSTChecksum = .crc32c) -> DSTHelloRequest {
        DSTHelloRequest(version: 1, features: .all, csum: csum, exportName: name, session: clientSession, generation: 1)
    }

    func testChooseExport() {
        let a = export("a"), b = export("b"), elsewhere = export("c", listen: "[::1]:1025")
        func chosen(_ r: Result<(DSTExport, DSTChecksum), DSTRefusal>) -> String? {
            if case let .success((e, _)) = r { return e.name }
            return nil
        }
        XCTAssertEqual(chosen(DSTServerHandshake.choose(request("a"), exports: [a, b], listen: listen)), "a")
        XCTAssertEqual(chosen(DSTServerHandshake.choose(request("b"), exports: [a, b], listen: listen)), "b")
        XCTAssertEqual(chosen(DSTServerHandshake.choose(request(""), exports: [a, elsewhere], listen: listen)), "a")
        XCTAssertEqual(refusal(DSTServerHandshake.choose(request("foo"), exports: [a, b], listen: listen)),
                       DSTRefusal(.unknownExport, "no export \"foo\" on 192.0.2.1:1025"))
        XCTAssertEqual(refusal(DSTServerHandshake.choose(request("c"), exports: [a, elsewhere], listen: listen))?.status,
                       .unknownExport)
        XCTAssertEqual(refusal(DSTServerHandshake.choose(request(""), exports: [a, b], listen: listen)),
                       DSTRefusal(.unknownExport, "2 exports on 192.0.2.1:1025; name one of a, b"))
        XCTAssertEqual(refusal(DSTServerHandshake.choose(request(""), exports: [elsewhere], listen: listen)),
                       DSTRefusal(.unknownExport, "no exports on 192.0.2.1:1025"))
    }

    /// Every proposal against every set of server checksums: honoured when
    /// supported, bad-checksum otherwise.
    func testChecksumMatrix() {
        let supportSets: [[DSTChecksum]] = [[], [.none], [.crc32c], [.none, .crc32c]]
        for proposal in DSTChecksum.allCases {
            for supported in supportSets {
                let r = DSTServerHandshake.choose(request("a", csum: proposal), exports: [export("a")],
                                                  listen: listen, supported: supported)
                switch r {
                case let .success((_, csum)):
                    XCTAssertTrue(supported.contains(proposal))
                    XCTAssertEqual(csum, proposal)
                case let .failure(f):
                    XCTAssertFalse(supported.contains(proposal))
                    XCTAssertEqual(f.status, .badChecksum)
                }
            }
        }
    }

    func testRefusalMessageIsCapped() throws {
        let long = String(repeating: "é", count: 600)  // 1200 bytes
        let bytes = DSTServerHandshake.refusalReply(DSTRefusal(.internal, long))
        let reply = try DSTServerReply(decoding: bytes)
        XCTAssertEqual(reply.msgLen, 1024)
        XCTAssertEqual(bytes.count, 64 + 1024)
        XCTAssertEqual(String(decoding: bytes[64...], as: UTF8.self), String(repeating: "é", count: 512))
        XCTAssertEqual(reply.status, DSTHelloStatus.internal.rawValue)
    }
}

final class ClientReplyTests: XCTestCase {
    func finish(_ r: DSTServerReply, message: [UInt8] = [], csum: DSTChecksum = .crc32c) throws -> DSTNegotiated {
        try DSTClientHandshake.finish(reply: r, message: message, proposed: csum, peer: listen)
    }

    func assertReason(_ r: DSTServerReply, _ reason: String, csum: DSTChecksum = .crc32c,
                      file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try finish(r, csum: csum), file: file, line: line) {
            XCTAssertEqual($0 as? DSTError, .handshake(peer: listen, reason: reason), file: file, line: line)
        }
    }

    func testOkReplyNamesTheExport() throws {
        var r = goodReply()
        r.msgLen = 4
        XCTAssertEqual(try finish(r, message: Array("disk".utf8)).exportName, "disk")
        r.msgLen = 3
        XCTAssertThrowsError(try finish(r, message: Array("a/b".utf8))) {
            XCTAssertEqual($0 as? DSTError, .handshake(peer: listen, reason: "malformed export name in the reply"))
        }
    }

    func testAccepted() throws {
        let n = try finish(goodReply())
        XCTAssertEqual(n, DSTNegotiated(size: 1 << 30, logicalBs: 512, physicalBs: 4096, maxXfer: 1 << 20,
                                        features: [.flush, .fua, .discard], csum: .crc32c, uuid: uuid))
    }

    func testEveryTruncatedReplyIsRejected() {
        let full = goodReply().encoded()
        for n in 0..<DSTServerReply.size {
            XCTAssertThrowsError(try DSTClientHandshake.replyHeader(full.prefix(n), peer: listen), "length \(n)") {
                XCTAssertEqual($0 as? DSTError, .handshake(peer: listen, reason: "short reply (\(n) of 64 bytes)"))
            }
        }
        XCTAssertNoThrow(try DSTClientHandshake.replyHeader(full, peer: listen))
    }

    func testHeaderChecks() {
        XCTAssertThrowsError(try DSTClientHandshake.replyHeader(goodReply(magic: 0xdead).encoded(), peer: listen)) {
            XCTAssertEqual($0 as? DSTError, .handshake(peer: listen, reason: "not a DST server (bad reply magic 0xdead)"))
        }
        XCTAssertThrowsError(try DSTClientHandshake.replyHeader(goodReply(msgLen: 1025).encoded(), peer: listen)) {
            XCTAssertEqual($0 as? DSTError, .handshake(peer: listen, reason: "reply message of 1025 bytes exceeds 1024"))
        }
        XCTAssertNoThrow(try DSTClientHandshake.replyHeader(goodReply(msgLen: 1024).encoded(), peer: listen))
    }

    func testRefusals() throws {
        for status in DSTHelloStatus.allCases where status != .ok {
            let msg = Array("no export \"foo\" on 192.0.2.1:1025".utf8)
            XCTAssertThrowsError(try finish(goodReply(status: status.rawValue, msgLen: UInt32(msg.count)), message: msg)) {
                XCTAssertEqual($0 as? DSTError, .refused(status: status, message: "no export \"foo\" on 192.0.2.1:1025"))
            }
        }
        // Refusals are reported whatever version the server speaks.
        XCTAssertThrowsError(try finish(goodReply(status: 1, version: 7))) {
            XCTAssertEqual($0 as? DSTError, .refused(status: .badVersion, message: ""))
        }
        // Control characters from the server never reach the terminal.
        let evil = Array("a\u{1b}[2Jb".utf8)
        XCTAssertThrowsError(try finish(goodReply(status: 5, msgLen: UInt32(evil.count)), message: evil)) {
            XCTAssertEqual($0 as? DSTError, .refused(status: .internal, message: "a?[2Jb"))
        }
        assertReason(goodReply(status: 99), "unknown hello status 99")
    }

    func testParameterChecks() {
        assertReason(goodReply(version: 2), "server speaks protocol version 2, we speak 1")
        assertReason(goodReply(size: 0), "export size 0 is not a positive multiple of the logical block size 512")
        assertReason(goodReply(size: 1000), "export size 1000 is not a positive multiple of the logical block size 512")
        assertReason(goodReply(size: 4096 + 512, lbs: 4096, pbs: 4096),
                     "export size 4608 is not a positive multiple of the logical block size 4096")
        for lbs: UInt32 in [0, 256, 768, 8192, 1 << 31] {
            assertReason(goodReply(lbs: lbs), "logical block size \(lbs) is not a power of two from 512 to 4096")
        }
        for pbs: UInt32 in [0, 256, 1536, 131072] {
            assertReason(goodReply(lbs: 512, pbs: pbs), "physical block size \(pbs) is not a power of two from 512 to 65536")
        }
        assertReason(goodReply(lbs: 4096, pbs: 512), "physical block size 512 is not a power of two from 4096 to 65536")
        for maxXfer: UInt32 in [0, 2048, 4096 + 512 * 3 + 1, 4194304 + 512] {
            assertReason(goodReply(maxXfer: maxXfer), "max transfer \(maxXfer) is not a multiple of 512 from 4096 to 4194304")
        }
        assertReason(goodReply(lbs: 4096, pbs: 4096, maxXfer: 4096 + 512),
                     "max transfer 4608 is not a multiple of 4096 from 4096 to 4194304")
        assertReason(goodReply(features: 1 << 8 | 1), "unknown feature bits 0x100")
        assertReason(goodReply(features: DSTFeatures.limits.rawValue | 1), "the limits feature and the limits block disagree")
        assertReason(goodReply(csum: 0), "server chose checksum 0, we proposed crc32c")
        assertReason(goodReply(csum: 1), "server chose checksum 1, we proposed none", csum: .none)
    }

    func testLimitsAccepted() throws {
        XCTAssertNoThrow(try finish(goodReply(size: 512, lbs: 512, pbs: 512, maxXfer: 4096)))
        XCTAssertNoThrow(try finish(goodReply(size: 4096, lbs: 4096, pbs: 65536, maxXfer: 4194304)))
        XCTAssertNoThrow(try finish(goodReply(features: DSTFeatures.all.subtracting(.limits).rawValue, csum: 0),
                                    csum: .none))
    }

    func geometry(_ ioMin: UInt32, _ ioOpt: UInt32, _ granularity: UInt32, _ alignment: UInt32) -> DSTServerLimits {
        DSTServerLimits(ioMin: ioMin, ioOpt: ioOpt, discardGranularity: granularity, discardAlignment: alignment)
    }

    /// The geometry reaches the device without the protocol's limits bit.
    func testGeometryAccepted() throws {
        let reply = goodReply(features: DSTFeatures([.flush, .fua, .discard, .limits]).rawValue)
        let limits = geometry(65536, 3 * 65536, 1 << 20, 4096)
        let n = try DSTClientHandshake.finish(reply: reply, limits: limits, message: [], proposed: .crc32c, peer: listen)
        XCTAssertEqual(n.limits, limits)
        XCTAssertEqual(n.features, [.flush, .fua, .discard])
        XCTAssertNoThrow(try DSTClientHandshake.finish(reply: reply, limits: .unspecified, message: [], proposed: .crc32c,
                                                       peer: listen))
    }

    func testGeometryChecks() {
        let discard = goodReply(features: DSTFeatures([.discard, .limits]).rawValue)
        let noDiscard = goodReply(features: DSTFeatures.limits.rawValue)
        let cases: [(DSTServerReply, DSTServerLimits, String)] = [
            (discard, geometry(4097, 0, 0, 0), "io-min 4097 is not a multiple of 512 up to 1073741824"),
            (discard, geometry(0, 1 << 31, 0, 0), "io-opt 2147483648 is not a multiple of 512 up to 1073741824"),
            (discard, geometry(0, 0, 100, 0), "discard granularity 100 is not a multiple of 512 up to 1073741824"),
            (discard, geometry(0, 0, 8192, 8192), "discard alignment 8192 is not below the granularity"),
            (discard, geometry(0, 0, 0, 4096), "discard alignment 4096 is not below the granularity"),
            (noDiscard, geometry(0, 0, 4096, 0), "discard geometry for an export without discard"),
        ]
        for (reply, limits, reason) in cases {
            XCTAssertThrowsError(try DSTClientHandshake.finish(reply: reply, limits: limits, message: [],
                                                               proposed: .crc32c, peer: listen)) {
                XCTAssertEqual($0 as? DSTError, .handshake(peer: listen, reason: reason))
            }
        }
        XCTAssertThrowsError(try DSTClientHandshake.finish(reply: goodReply(), limits: .unspecified, message: [],
                                                           proposed: .crc32c, peer: listen)) {
            XCTAssertEqual($0 as? DSTError,
                           .handshake(peer: listen, reason: "the limits feature and the limits block disagree"))
        }
    }
}

final class HandshakeRoundTripTests: XCTestCase {
    /// Client hello through the server and its reply back through the client.
    func roundTrip(name: String, csum: DSTChecksum, exports: [DSTExport], session: DSTSession = clientSession,
                   generation: UInt32 = 1) throws -> (DSTServerOutcome, Result<DSTNegotiated, DSTError>) {
        let hello = try DSTClientHandshake.hello(exportName: name, csum: csum, session: session, generation: generation)
        let server = ScriptedStream(hello)
        let outcome = try DSTServerHandshake.perform(on: server, listen: listen) { exports }
        let client = ScriptedStream(server.output)
        let result: Result<DSTNegotiated, DSTError>
        do {
            result = .success(try DSTClientHandshake.perform(on: client, exportName: name, csum: csum, session: session,
                                                             generation: generation, peer: listen))
        } catch let e as DSTError {
            result = .failure(e)
        }
        XCTAssertEqual(client.output, hello)
        XCTAssertTrue(client.input.isEmpty, "reply not consumed exactly")
        return (outcome, result)
    }

    func testAcceptedBothChecksums() throws {
        for csum in DSTChecksum.allCases {
            let e = export("disk")
            let (outcome, result) = try roundTrip(name: "disk", csum: csum, exports: [e, export("other")])
            XCTAssertEqual(outcome, .accepted(export: e, csum: csum,
                                              request: DSTHelloRequest(version: 1, features: .all, csum: csum, exportName: "disk",
                                                                       session: clientSession, generation: 1)))
            XCTAssertEqual(try result.get(), DSTNegotiated(size: e.size, logicalBs: 512, physicalBs: 4096, maxXfer: 1 << 20,
                                                           features: e.features.union(.resize), csum: csum, uuid: uuid,
                                                           exportName: "disk"))
        }
    }

    /// The export's geometry crosses in the limits block; a read-only
    /// presentation of the export carries none of its discard geometry.
    func testGeometryCrosses() throws {
        var e = export("disk")
        e.limits = DSTServerLimits(ioMin: 65536, ioOpt: 131072, discardGranularity: 1 << 20, discardAlignment: 4096)
        let (_, result) = try roundTrip(name: "disk", csum: .none, exports: [e])
        XCTAssertEqual(try result.get().limits, e.limits)

        var readOnly = e
        readOnly.features = [.readOnly]
        let bytes = DSTServerHandshake.acceptReply(readOnly, csum: .none, clientFeatures: .all)
        XCTAssertEqual(bytes.count, DSTServerReply.size + DSTServerLimits.size + 4)
        XCTAssertEqual(try DSTServerLimits(decoding: bytes[DSTServerReply.size...]),
                       DSTServerLimits(ioMin: 65536, ioOpt: 131072, discardGranularity: 0, discardAlignment: 0))
    }

    /// A client that does not read the limits block gets none.
    func testNoGeometryForAnOlderClient() throws {
        var e = export("disk")
        e.limits = DSTServerLimits(ioMin: 65536, ioOpt: 0, discardGranularity: 0, discardAlignment: 0)
        let bytes = DSTServerHandshake.acceptReply(e, csum: .none, clientFeatures: [])
        XCTAssertEqual(bytes.count, DSTServerReply.size + 4)
        XCTAssertFalse(DSTFeatures(rawValue: try DSTServerReply(decoding: bytes).features).contains(.limits))
    }

    /// The reply has the resize feature only for a client that asked, and
    /// the client keeps it in the features it hands its kernel.
    func testResizeFeatureIsNegotiated() throws {
        let e = export("disk")
        let old = DSTServerHandshake.acceptReply(e, csum: .none, clientFeatures: [])
        XCTAssertFalse(DSTFeatures(rawValue: try DSTServerReply(decoding: old).features).contains(.resize))
        let (_, result) = try roundTrip(name: "disk", csum: .none, exports: [e])
        XCTAssertTrue(try result.get().features.contains(.resize))
        XCTAssertFalse(try result.get().features.contains(.limits))
    }

    /// The server learns the session and generation the client sent, to
    /// pass them to export-connect.
    func testSessionAndGenerationReachTheServer() throws {
        let (outcome, result) = try roundTrip(name: "disk", csum: .crc32c, exports: [export("disk")], generation: 42)
        guard case let .accepted(_, _, request) = outcome else { return XCTFail("refused") }
        XCTAssertEqual(request.session, clientSession)
        XCTAssertEqual(request.generation, 42)
        XCTAssertNoThrow(try result.get())
        let (noSession, _) = try roundTrip(name: "disk", csum: .crc32c, exports: [export("disk")], session: .none,
                                           generation: 0)
        guard case let .accepted(_, _, r2) = noSession else { return XCTFail("refused") }
        XCTAssertEqual(r2.session, .none)
        XCTAssertEqual(r2.generation, 0)
    }

    func testReservedRefusedOnTheWire() throws {
        let bytes = hello(reserved: 5) + Array("disk".utf8)
        let server = ScriptedStream(bytes)
        let outcome = try DSTServerHandshake.perform(on: server, listen: listen) { XCTFail("dumped"); return [] }
        XCTAssertEqual(outcome, .refused(DSTRefusal(.badRequest, "reserved field of the hello is 0x5, not 0")))
        let client = ScriptedStream(server.output)
        XCTAssertThrowsError(try DSTClientHandshake.perform(on: client, exportName: "disk", csum: .crc32c,
                                                            session: clientSession, generation: 1, peer: listen)) {
            XCTAssertEqual("\($0)", "server refused the connection: bad-request: reserved field of the hello is 0x5, not 0")
        }
    }

    func hello(reserved: UInt32) -> [UInt8] {
        DSTClientHello(magic: UInt64(DSTWire.helloMagic), version: 1, features: 0, csum: 1, nameLen: 4,
                       session: clientSession.bytes, generation: 1, reserved: reserved).encoded()
    }

    func testEmptyNameChoosesOnlyExport() throws {
        let (outcome, result) = try roundTrip(name: "", csum: .none, exports: [export("only", features: .readOnly)])
        guard case let .accepted(e, _, _) = outcome else { return XCTFail("refused") }
        XCTAssertEqual(e.name, "only")
        XCTAssertEqual(try result.get().features, [.readOnly, .resize])
        XCTAssertEqual(try result.get().exportName, "only", "the ok reply names the chosen export")
    }

    func testUnknownExportRefused() throws {
        let (outcome, result) = try roundTrip(name: "foo", csum: .crc32c, exports: [export("disk")])
        XCTAssertEqual(outcome, .refused(DSTRefusal(.unknownExport, "no export \"foo\" on 192.0.2.1:1025")))
        XCTAssertEqual(result, .failure(.refused(status: .unknownExport, message: "no export \"foo\" on 192.0.2.1:1025")))
        XCTAssertEqual(try? result.get(), nil)
        if case let .failure(e) = result {
            XCTAssertEqual(e.description, "server refused the connection: unknown-export: no export \"foo\" on 192.0.2.1:1025")
        }
    }

    func testBadVersionAnsweredWithoutReadingName() throws {
        var hello = DSTClientHello(magic: UInt64(DSTWire.helloMagic), version: 9, features: 0, csum: 0, nameLen: 4,
                                   session: clientSession.bytes, generation: 1, reserved: 0).encoded()
        hello += Array("disk".utf8)
        let server = ScriptedStream(hello)
        let outcome = try DSTServerHandshake.perform(on: server, listen: listen) { XCTFail("dumped"); return [] }
        XCTAssertEqual(outcome, .refused(DSTRefusal(.badVersion, "protocol version 9 is not supported; this server speaks 1")))
        XCTAssertEqual(server.input, Array("disk".utf8))
        XCTAssertEqual(try DSTServerReply(decoding: server.output).status, DSTHelloStatus.badVersion.rawValue)
    }

    func testClientClosingEarlyGetsNoReply() throws {
        let full = try DSTClientHandshake.hello(exportName: "disk", csum: .none, session: clientSession, generation: 1)
        for n in 0..<full.count {
            let server = ScriptedStream(Array(full.prefix(n)))
            let outcome = try DSTServerHandshake.perform(on: server, listen: listen) { [export("disk")] }
            guard case let .refused(r) = outcome else { return XCTFail("accepted at \(n)") }
            XCTAssertEqual(r.status, .badRequest)
            XCTAssertTrue(server.output.isEmpty, "replied to a truncated hello of \(n) bytes")
        }
    }

    func testServerClosingEarly() throws {
        let full = DSTServerHandshake.refusalReply(DSTRefusal(.busy, "later"))
        for n in 0..<full.count {
            let client = ScriptedStream(Array(full.prefix(n)))
            XCTAssertThrowsError(try DSTClientHandshake.perform(on: client, exportName: "", csum: .none, session: clientSession,
                                                                generation: 1, peer: listen)) {
                guard case .handshake = $0 as? DSTError else { return XCTFail("\($0) at \(n)") }
            }
        }
    }

    /// The kernel's refusal (export-connect with check) goes to the client
    /// as the reply, and nothing is accepted.
    func testAdmissionRefusal() throws {
        let server = ScriptedStream(try DSTClientHandshake.hello(exportName: "disk", csum: .none, session: clientSession,
                                                                 generation: 3))
        var asked: (String, UInt32)?
        let refusal = DSTRefusal(.busy, "from 192.0.2.3:4000: peer has the maximum number of connections to the export")
        let outcome = try DSTServerHandshake.perform(on: server, listen: listen, exports: { [export("disk")] },
                                                     admit: { e, _, request in
                                                         asked = (e.name, request.generation)
                                                         return .failure(refusal)
                                                     })
        XCTAssertEqual(outcome, .refused(refusal))
        XCTAssertEqual(asked?.0, "disk")
        XCTAssertEqual(asked?.1, 3)
        let client = ScriptedStream(server.output)
        XCTAssertThrowsError(try DSTClientHandshake.perform(on: client, exportName: "disk", csum: .none,
                                                            session: clientSession, generation: 3, peer: listen)) {
            XCTAssertEqual("\($0)", "server refused the connection: busy: from 192.0.2.3:4000: "
                + "peer has the maximum number of connections to the export")
        }
    }

    /// An export being removed is no longer offered.
    func testRemovingExportIsUnknown() {
        var going = export("disk")
        going.state = .removing
        let request = DSTHelloRequest(version: 1, features: [], csum: .none, exportName: "", session: .none, generation: 0)
        guard case let .failure(refusal) = DSTServerHandshake.choose(request, exports: [going], listen: listen) else {
            return XCTFail("a removing export was chosen")
        }
        XCTAssertEqual(refusal.status, .unknownExport)
    }

    func testListingFailureIsInternal() throws {
        struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
        let server = ScriptedStream(try DSTClientHandshake.hello(exportName: "disk", csum: .none, session: clientSession,
                                                                 generation: 1))
        let outcome = try DSTServerHandshake.perform(on: server, listen: listen) { throw Boom() }
        XCTAssertEqual(outcome, .refused(DSTRefusal(.internal, "cannot list exports: boom")))
    }

    /// Random input never crashes either side and never yields an accepted
    /// handshake from garbage.
    func testRandomInput() throws {
        var rng = SplitMix(seed: 0x5eed)
        for _ in 0..<2000 {
            let n = Int(rng.next() % 144)
            var bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if rng.next() % 2 == 0, bytes.count >= 8 {
                // Valid magic now and then, to get past the first check.
                bytes.replaceSubrange(0..<8, with: Array("DSTHELLO".utf8))
            }
            _ = try DSTServerHandshake.perform(on: ScriptedStream(bytes), listen: listen) { [export("a")] }
            var reply = bytes
            if reply.count >= 8 { reply.replaceSubrange(0..<8, with: Array("DSTREPLY".utf8)) }
            XCTAssertThrowsError(try DSTClientHandshake.perform(on: ScriptedStream(reply), exportName: "a",
                                                                csum: .crc32c, session: clientSession, generation: 1,
                                                                peer: listen))
        }
    }
}

/// A small deterministic PRNG for the random-input tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e3779b97f4a7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58476d1ce4e5b9
        z = (z ^ (z >> 27)) &* 0x94d049bb133111eb
        return z ^ (z >> 31)
    }
}
