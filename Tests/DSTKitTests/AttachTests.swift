// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc
import XCTest
@testable import DSTKit

/// dstctl add-device's connections against a fake kernel and scripted servers.
final class AttachTests: XCTestCase {
    let session = DSTSession(bytes: Array(0xa0...0xaf))!
    let address = try! DSTAddress(parsing: "192.0.2.1:1025")
    let refused = DSTError.cannotConnect(address: "192.0.2.1:1025", errno: ECONNREFUSED)

    func testConnectionRange() {
        XCTAssertEqual(DSTAttach.connectionRange, 1...UInt32(DSTWire.devConnsMax))
    }

    func testDefaultConnectionsFollowTheCPUs() {
        XCTAssertEqual(DSTAttach.defaultConnections(onlineCPUs: 1), 1)
        XCTAssertEqual(DSTAttach.defaultConnections(onlineCPUs: 2), 2)
        XCTAssertEqual(DSTAttach.defaultConnections(onlineCPUs: 16), 16)
        XCTAssertEqual(DSTAttach.defaultConnections(onlineCPUs: 64), UInt32(DSTWire.devConnsMax))
        // sysconf failing (-1) or an impossible 0: one connection.
        XCTAssertEqual(DSTAttach.defaultConnections(onlineCPUs: 0), 1)
        XCTAssertEqual(DSTAttach.defaultConnections(onlineCPUs: -1), 1)
    }

    /// The server's ok reply, naming the export it chose.
    func accept(socket: Int32, size: UInt64 = 1 << 30) -> FakeConnection {
        FakeConnection(reply: DSTServerHandshake.acceptReply(export("disk", size: size), csum: .crc32c, clientFeatures: .all), socket: socket)
    }

    /// Runs add-device with `connections` against `dials`; dev-add answers
    /// index 3. `order` lists dials and netlink requests as they came.
    func attach(connections: UInt32, exportName: String? = nil, dials: [Result<FakeConnection, DSTError>],
                fake: FakeTransport = FakeTransport()) throws -> (DSTAttach.Result, [FakeConnection], FakeTransport, [String]) {
        var pending = dials
        var dialled: [FakeConnection] = []
        var order: [String] = []
        let answer = fake.answer
        fake.answer = { cmd, dump in
            order.append(cmd.specName)
            let replies = try answer(cmd, dump)
            if cmd == .devAdd, replies.isEmpty { return [NLMessage(command: .devAdd, values: [(.devIndex, .u32(3))])] }
            return replies
        }
        let request = DSTAttach(address: address, exportName: exportName, csum: .crc32c, index: nil,
                                policy: .defaults, connections: connections, session: session)
        let result = try request.run(netlink: DSTNetlink(transport: fake)) { _ in
            order.append("dial")
            let c = try pending.removeFirst().get()
            dialled.append(c)
            return c
        }
        return (result, dialled, fake, order)
    }

    func testOpensAllConnectionsThenAddsAndConnects() throws {
        let (result, dialled, fake, order) = try attach(connections: 3,
                                                        dials: [.success(accept(socket: 10)), .success(accept(socket: 11)),
                                                                .success(accept(socket: 12))])
        XCTAssertEqual(result, DSTAttach.Result(index: 3, live: 3))
        XCTAssertEqual(order, ["dial", "dial", "dial", "dev-add", "dev-connect", "dev-connect"],
                       "the device is never short while add-device works on it")
        let add = fake.trace[0].1
        XCTAssertEqual(add[.sockFd], .u32(10))
        XCTAssertEqual(add[.connCount], .u32(3))
        XCTAssertEqual(add[.session], .binary(session.bytes))
        XCTAssertEqual(add[.generation], .u32(1))
        XCTAssertEqual(add[.exportName], .string("disk"))
        XCTAssertEqual(fake.trace.dropFirst().map(\.1), [11, 12].map {
            [.devIndex: .u32(3), .sockFd: .u32($0), .generation: .u32(1)]
        })
        for (n, c) in dialled.enumerated() {
            XCTAssertTrue(c.prepared && c.closed)
            let hello = try c.hello()
            XCTAssertEqual(hello.session, session.bytes)
            XCTAssertEqual(hello.generation, 1)
            // The first asks for the only export; the others for the one
            // the server chose.
            XCTAssertEqual(Array(c.stream.output[48...]), n == 0 ? [] : Array("disk".utf8))
        }
    }

    func testOneConnectionByDefault() throws {
        let (result, _, fake, order) = try attach(connections: 1, exportName: "disk", dials: [.success(accept(socket: 10))])
        XCTAssertEqual(result, DSTAttach.Result(index: 3, live: 1))
        XCTAssertEqual(order, ["dial", "dev-add"])
        XCTAssertEqual(fake.trace[0].1[.connCount], .u32(1))
    }

    /// An extra connection that fails leaves the device with fewer; the
    /// connections after it are not tried.
    func testKeepsTheDeviceWhenAnExtraFails() throws {
        let (result, dialled, _, order) = try attach(connections: 4,
                                                     dials: [.success(accept(socket: 10)), .success(accept(socket: 11)),
                                                             .failure(refused), .success(accept(socket: 13))])
        XCTAssertEqual(result, DSTAttach.Result(index: 3, live: 2, failure: DSTAttach.Failure(
            number: 3, reason: "cannot connect to 192.0.2.1:1025: Connection refused")))
        XCTAssertEqual(order, ["dial", "dial", "dial", "dev-add", "dev-connect"])
        XCTAssertEqual(dialled.count, 2)
        XCTAssertTrue(dialled.allSatisfy { $0.prepared && $0.closed })
    }

    func testExtraToAnotherExportIsRefused() throws {
        let other = accept(socket: 11, size: 1 << 20)
        let (result, _, _, order) = try attach(connections: 2, dials: [.success(accept(socket: 10)), .success(other)])
        XCTAssertEqual(result.live, 1)
        XCTAssertEqual(result.failure, DSTAttach.Failure(
            number: 2, reason: "export shrank from 1073741824 to 1048576 bytes; a device never shrinks (remove it and add it again)"))
        XCTAssertEqual(order, ["dial", "dial", "dev-add"])
        XCTAssertTrue(other.closed && !other.prepared)
    }

    func testRefusedDevConnectClosesTheRest() throws {
        let fake = FakeTransport()
        fake.answer = { cmd, _ in
            if cmd == .devConnect { throw DSTError.kernel(operation: "dev-connect", message: nil, errno: EBADF) }
            return []
        }
        let (result, dialled, _, order) = try attach(connections: 3, dials: [
            .success(accept(socket: 10)), .success(accept(socket: 11)), .success(accept(socket: 12)),
        ], fake: fake)
        XCTAssertEqual(result, DSTAttach.Result(index: 3, live: 1, failure: DSTAttach.Failure(
            number: 2, reason: "dev-connect: Bad file descriptor")))
        XCTAssertEqual(order, ["dial", "dial", "dial", "dev-add", "dev-connect"])
        XCTAssertFalse(dialled[2].prepared)
        XCTAssertTrue(dialled.allSatisfy(\.closed))
    }

    func testFirstConnectionOrDevAddFailing() throws {
        XCTAssertThrowsError(try attach(connections: 2, dials: [.failure(refused)])) {
            XCTAssertEqual($0 as? DSTError, refused)
        }
        let fake = FakeTransport()
        fake.answer = { cmd, _ in throw DSTError.kernel(operation: cmd.specName, message: "index in use", errno: EEXIST) }
        let first = accept(socket: 10), second = accept(socket: 11)
        XCTAssertThrowsError(try attach(connections: 2, dials: [.success(first), .success(second)], fake: fake)) {
            XCTAssertEqual("\($0)", "index in use (File exists)")
        }
        XCTAssertEqual(fake.trace.map(\.0), [.devAdd])
        XCTAssertTrue(first.closed && second.closed)
        XCTAssertFalse(second.prepared)
    }
}
