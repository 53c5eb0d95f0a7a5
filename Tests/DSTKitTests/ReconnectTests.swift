// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc
import XCTest
@testable import DSTKit

final class BackoffTests: XCTestCase {
    func testNominalSchedule() {
        let b = DSTBackoff(first: 500, max: 10_000)
        XCTAssertEqual((0..<8).map { b.nominal($0) }, [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000])
        XCTAssertEqual(b.nominal(10_000), 10_000)
        XCTAssertEqual(DSTBackoff(first: 3000, max: 1000).nominal(5), 3000, "the cap is never below the first delay")
        XCTAssertEqual(DSTBackoff(first: 10, max: 3_600_000).nominal(40), 3_600_000)
    }

    /// Jitter takes up to a quarter off the nominal delay, chosen by the
    /// injected random values.
    func testJitterIsDeterministic() {
        var b = DSTBackoff(first: 500, max: 10_000)
        let randoms: [UInt64] = [0, 250, 7, 1001, 2002, 2500, 0, .max]
        let delays = randoms.map { b.next(random: $0) }
        XCTAssertEqual(delays, [500, 750, 1993, 4000, 7999, 7500, 10_000, 10_000 - UInt64.max % 2501])
        XCTAssertEqual(b.attempt, 8)
    }

    func testJitterBounds() {
        var rng = SplitMix(seed: 42)
        var b = DSTBackoff(first: 10, max: 3_600_000)
        for n in 0..<64 {
            let nominal = b.nominal(n)
            let d = b.next(random: rng.next())
            XCTAssertLessThanOrEqual(d, nominal)
            XCTAssertGreaterThanOrEqual(d, nominal - nominal / 4)
            XCTAssertLessThanOrEqual(d, 3_600_000)
        }
    }

    func testPolicyUpdateKeepsAttempt() {
        var b = DSTBackoff(policy: DSTDevicePolicy())
        XCTAssertEqual(b, DSTBackoff(first: 500, max: 10_000), "defaults")
        _ = b.next(random: 0)
        _ = b.next(random: 0)
        b.update(DSTDevicePolicy(reconnectDelay: DSTMillis(100), reconnectDelayMax: DSTMillis(300)))
        XCTAssertEqual(b.next(random: 0), 300)
        b.update(DSTDevicePolicy(reconnectDelay: DSTMillis(2000), reconnectDelayMax: DSTMillis(1000)))
        XCTAssertEqual(b.max, 2000, "a maximum below the first delay counts as the first delay")
    }
}

/// A dialled connection over a scripted server reply.
final class FakeConnection: DSTConnection {
    let stream: ScriptedStream
    let socket: Int32
    var prepared = false
    var closed = false

    init(reply: [UInt8], socket: Int32 = 42) {
        stream = ScriptedStream(reply)
        self.socket = socket
    }

    func read(exactly count: Int) throws -> [UInt8] { try stream.read(exactly: count) }
    func write(all bytes: [UInt8]) throws { try stream.write(all: bytes) }
    func prepareForKernel() throws { prepared = true }
    func close() { closed = true }

    /// The hello this connection sent.
    func hello() throws -> DSTClientHello { try DSTClientHello(decoding: stream.output) }
}

final class ReconnectTests: XCTestCase {
    let session = DSTSession(bytes: Array(0xa0...0xaf))!

    /// A device as dev-get reports it.
    func device(_ state: DSTDevState, generation: UInt32 = 1, downTime: UInt64 = 2000,
                giveUp: UInt32 = UInt32(DSTWire.timeoutForever), lastError: String = "",
                connections: UInt32? = nil, connCount: UInt32? = nil) -> NLMessage {
        var m = NLMessage(command: .devGet, values: [
            (.devIndex, .u32(0)), (.state, .u32(state.rawValue)), (.remote, .string("192.0.2.1:1025")),
            (.exportName, .string("disk")), (.csum, .u32(1)), (.uuid, .binary(Array(1...16))), (.size, .u64(1 << 30)),
            (.session, .binary(session.bytes)), (.generation, .u32(generation)), (.reconnectDelay, .u32(500)),
            (.reconnectDelayMax, .u32(10_000)), (.reconnectGiveUp, .u32(giveUp)), (.downTime, .u64(downTime)),
            (.lastError, .string(lastError)),
        ])
        let live = connections ?? (state == .connected ? 1 : 0)
        m.attributes[DSTAttr.connections.rawValue] = NLValue.u32(live).payload
        if let connCount { m.attributes[DSTAttr.connCount.rawValue] = NLValue.u32(connCount).payload }
        return m
    }

    /// A kernel whose dev-get answers come from `devices` in turn (the last
    /// one repeats), and whose other answers come from `others`.
    final class Kernel {
        let fake = FakeTransport()
        var devices: [Result<NLMessage, DSTError>] = []
        var others: [DSTCommand: DSTError] = [:]
        /// Dials and requests other than dev-get, in the order they came.
        var order: [String] = []

        init() {
            fake.answer = { [unowned self] cmd, _ in
                if cmd != .devGet { self.order.append(cmd.specName) }
                if cmd == .devGet {
                    let next = self.devices.count > 1 ? self.devices.removeFirst() : self.devices[0]
                    return [try next.get()]
                }
                if let error = self.others[cmd] { throw error }
                return []
            }
        }

        /// Commands other than dev-get, with their attributes.
        var changes: [(DSTCommand, [DSTAttr: NLValue])] { fake.trace.filter { $0.0 != .devGet } }
    }

    struct World {
        var dials: [Result<FakeConnection, DSTError>] = []
        var dialled: [FakeConnection] = []
        var sleeps: [UInt64] = []
        var lines: [String] = []
    }

    func run(_ kernel: Kernel, _ world: inout World) -> DSTReconnect.Outcome {
        let box = Box(world)
        let env = DSTReconnectEnvironment(
            dial: { address in
                XCTAssertEqual(address.description, "192.0.2.1:1025")
                kernel.order.append("dial")
                guard !box.value.dials.isEmpty else { throw DSTError.cannotConnect(address: "192.0.2.1:1025", errno: ECONNREFUSED) }
                let c = try box.value.dials.removeFirst().get()
                box.value.dialled.append(c)
                return c
            },
            sleep: { box.value.sleeps.append($0) },
            random: { 0 },
            log: { level, line in box.value.lines.append("\(level): \(line)") })
        let outcome = DSTReconnect(index: 0, netlink: DSTNetlink(transport: kernel.fake), environment: env).run()
        world = box.value
        return outcome
    }

    final class Box<T> {
        var value: T
        init(_ v: T) { value = v }
    }

    func accept(uuid: DSTUUID = DSTUUID(bytes: Array(1...16))!, size: UInt64 = 1 << 30,
                socket: Int32 = 42) -> FakeConnection {
        var e = export("disk", size: size)
        e.uuid = uuid
        return FakeConnection(reply: DSTServerHandshake.acceptReply(e, csum: .crc32c, clientFeatures: .all), socket: socket)
    }

    func testReconnectsWithNextGenerationAfterBackoff() throws {
        let kernel = Kernel()
        kernel.devices = [.success(device(.disconnected, generation: 3))]
        var world = World()
        world.dials = [.failure(.cannotConnect(address: "192.0.2.1:1025", errno: ECONNREFUSED)), .success(accept())]
        let outcome = run(kernel, &world)
        XCTAssertEqual(outcome, .reconnected(generation: 4, connections: 1, attempts: 2))
        XCTAssertEqual(world.sleeps, [500, 1000], "first delay, then doubled")
        let changes = kernel.changes
        XCTAssertEqual(changes.map(\.0), [.devSet, .devSet, .devConnect])
        XCTAssertEqual(changes[0].1, [.devIndex: .u32(0), .state: .u32(DSTDevState.reconnecting.rawValue)])
        XCTAssertEqual(changes[1].1, [.devIndex: .u32(0),
                                      .lastError: .string("cannot connect to 192.0.2.1:1025: Connection refused")])
        XCTAssertEqual(changes[2].1, [.devIndex: .u32(0), .sockFd: .u32(42), .generation: .u32(4), .size: .u64(1 << 30)])
        let c = try XCTUnwrap(world.dialled.first)
        XCTAssertTrue(c.prepared)
        XCTAssertTrue(c.closed, "our copy of the socket is closed once the kernel has it")
        let hello = try DSTClientHello(decoding: c.stream.output)
        XCTAssertEqual(hello.session, session.bytes)
        XCTAssertEqual(hello.generation, 4)
        XCTAssertEqual(hello.reserved, 0)
        XCTAssertEqual(Array(c.stream.output[48...]), Array("disk".utf8))
    }

    func testRefusesChangedExportAndGivesUp() throws {
        let kernel = Kernel()
        let other = DSTUUID(bytes: Array(2...17))!
        kernel.devices = [
            .success(device(.failed)),  // start
            .success(device(.failed)),  // attempt 1: another UUID
            .success(device(.failed, lastError: "export UUID changed: was 01020304-0506-0708-090a-0b0c0d0e0f10, now 02030405-0607-0809-0a0b-0c0d0e0f1011")),
            .success(device(.failed, downTime: 59_999, giveUp: 60_000)),  // attempt 3: same UUID, other size
            .success(device(.failed, downTime: 60_000, giveUp: 60_000)),
        ]
        var world = World()
        world.dials = [.success(accept(uuid: other)), .success(accept(uuid: other)), .success(accept(size: 1 << 20))]
        let outcome = run(kernel, &world)
        XCTAssertEqual(outcome, .gaveUp("gave up reconnecting after 60 s", new: true))
        XCTAssertEqual(world.dialled.count, 3)
        XCTAssertTrue(world.dialled.allSatisfy { $0.closed && !$0.prepared }, "refused connections are closed, not handed in")
        XCTAssertEqual(kernel.changes.map { $0.1[.lastError] }, [
            nil,  // state reconnecting
            .string("export UUID changed: was 01020304-0506-0708-090a-0b0c0d0e0f10, now 02030405-0607-0809-0a0b-0c0d0e0f1011"),
            // the same reason again is not set again
            .string("export shrank from 1073741824 to 1048576 bytes; a device never shrinks (remove it and add it again)"),
            .string("gave up reconnecting after 60 s"),
        ])
        XCTAssertFalse(kernel.changes.contains { $0.0 == .devConnect })
        XCTAssertEqual(world.sleeps, [500, 1000, 2000, 4000])
    }

    func testGivesUpAtOnceFromDownTimeAfterRestart() {
        let kernel = Kernel()
        kernel.devices = [.success(device(.reconnecting, downTime: 3_600_000, giveUp: 300_000))]
        var world = World()
        XCTAssertEqual(run(kernel, &world), .gaveUp("gave up reconnecting after 300 s", new: true))
        XCTAssertEqual(kernel.changes.map(\.0), [.devSet])
        XCTAssertTrue(world.dialled.isEmpty)
        XCTAssertTrue(world.sleeps.isEmpty)

        // Said so already (a dstd that gave up and was restarted): nothing to set.
        let again = Kernel()
        again.devices = [.success(device(.failed, downTime: 400_000, giveUp: 300_000,
                                         lastError: "gave up reconnecting after 300 s"))]
        XCTAssertEqual(run(again, &world), .gaveUp("gave up reconnecting after 300 s", new: false))
        XCTAssertTrue(again.changes.isEmpty)
        XCTAssertNil(DSTReconnect.givenUp(DSTDevice(index: 0)))
    }

    func testForeverNeverGivesUp() {
        let kernel = Kernel()
        kernel.devices = [.success(device(.disconnected, downTime: UInt64(UInt32.max) * 10)),
                          .success(device(.disconnected, downTime: UInt64(UInt32.max) * 10)),
                          .success(device(.connected))]
        var world = World()
        world.dials = [.failure(.cannotConnect(address: "192.0.2.1:1025", errno: ETIMEDOUT))]
        XCTAssertEqual(run(kernel, &world), .connected)
        XCTAssertEqual(world.sleeps, [500, 1000])
    }

    func testStaleGenerationRereadsTheDevice() {
        let kernel = Kernel()
        kernel.devices = [.success(device(.disconnected)), .success(device(.disconnected)),
                          .success(device(.connected, generation: 2))]
        kernel.others[.devConnect] = .kernel(operation: "dev-connect", message: "stale generation", errno: ESTALE)
        var world = World()
        world.dials = [.success(accept())]
        XCTAssertEqual(run(kernel, &world), .connected)
        XCTAssertEqual(kernel.changes.map(\.0), [.devSet, .devConnect], "no last error for a lost race")
        XCTAssertTrue(world.lines.contains("info: event=reconnect-stale device=dst0 generation=2 reason=\"dst0: generation 2 is stale: a newer generation of this session is connected\""),
                      "\(world.lines)")
    }

    func testStaleGenerationCarriesOnWhenStillDown() {
        let kernel = Kernel()
        kernel.devices = [.success(device(.disconnected)), .success(device(.disconnected)),
                          .success(device(.disconnected, generation: 5)), .success(device(.disconnected, generation: 5))]
        kernel.others[.devConnect] = .kernel(operation: "dev-connect", message: nil, errno: ESTALE)
        var world = World()
        world.dials = [.success(accept()), .success(accept())]
        let fake = kernel.fake
        var connects = 0
        let original = fake.answer
        fake.answer = { cmd, dump in
            if cmd == .devConnect {
                connects += 1
                if connects == 2 { return [] }
            }
            return try original(cmd, dump)
        }
        XCTAssertEqual(run(kernel, &world), .reconnected(generation: 6, connections: 1, attempts: 2))
        XCTAssertEqual(kernel.changes.filter { $0.0 == .devConnect }.map { $0.1[.generation] }, [.u32(2), .u32(6)])
    }

    func testNothingToDo() {
        var world = World()
        let connected = Kernel()
        connected.devices = [.success(device(.connected))]
        XCTAssertEqual(run(connected, &world), .connected)
        XCTAssertTrue(connected.changes.isEmpty)

        let gone = Kernel()
        gone.devices = [.failure(.kernel(operation: "dev-get", message: nil, errno: ENODEV))]
        XCTAssertEqual(run(gone, &world), .removed)

        let removing = Kernel()
        removing.devices = [.success(device(.removed))]
        XCTAssertEqual(run(removing, &world), .removed)

        let newer = Kernel()
        var m = device(.disconnected)
        m.attributes[DSTAttr.state.rawValue] = NLValue.u32(42).payload
        newer.devices = [.success(m)]
        XCTAssertEqual(run(newer, &world), .notNeeded(state: "unknown(42)"))
        XCTAssertTrue(world.dialled.isEmpty)
    }

    func testRemovedWhileReconnecting() {
        let kernel = Kernel()
        kernel.devices = [.success(device(.disconnected)), .failure(.kernel(operation: "dev-get", message: nil, errno: ENODEV))]
        var world = World()
        XCTAssertEqual(run(kernel, &world), .removed)
        XCTAssertEqual(world.sleeps, [500])
    }

    /// A kernel without dev-set (or one that refuses it) does not stop a reconnect.
    func testDevSetRefusalIsNotFatal() {
        let kernel = Kernel()
        kernel.devices = [.success(device(.disconnected))]
        kernel.others[.devSet] = .kernel(operation: "dev-set", message: nil, errno: EOPNOTSUPP)
        var world = World()
        world.dials = [.failure(.cannotConnect(address: "192.0.2.1:1025", errno: EHOSTUNREACH)), .success(accept())]
        XCTAssertEqual(run(kernel, &world), .reconnected(generation: 2, connections: 1, attempts: 2))
        XCTAssertTrue(world.lines.contains("info: event=reconnect-failed device=dst0 conn=1 generation=2 attempt=1 reason=\"cannot connect to 192.0.2.1:1025: No route to host\" delay=1s"),
                      "\(world.lines)")
    }

    func testHandshakeRefusalIsReported() {
        let kernel = Kernel()
        kernel.devices = [.success(device(.disconnected)), .success(device(.disconnected)), .success(device(.connected))]
        var world = World()
        world.dials = [.success(FakeConnection(reply: DSTServerHandshake.refusalReply(
            DSTRefusal(.unknownExport, "no export \"disk\" on 192.0.2.1:1025"))))]
        XCTAssertEqual(run(kernel, &world), .connected)
        XCTAssertEqual(kernel.changes.last?.1[.lastError],
                       .string("server refused the connection: unknown-export: no export \"disk\" on 192.0.2.1:1025"))
    }
    // MARK: several connections

    /// A round dials and handshakes every connection with the next
    /// generation before handing any in.
    func testRoundOpensAllConnectionsWithNextGeneration() throws {
        let kernel = Kernel()
        kernel.devices = [.success(device(.disconnected, generation: 3, connCount: 3))]
        var world = World()
        world.dials = [.success(accept(socket: 10)), .success(accept(socket: 11)), .success(accept(socket: 12))]
        XCTAssertEqual(run(kernel, &world), .reconnected(generation: 4, connections: 3, attempts: 1))
        XCTAssertEqual(kernel.order, ["dev-set", "dial", "dial", "dial", "dev-connect", "dev-connect", "dev-connect"])
        XCTAssertEqual(kernel.changes.filter { $0.0 == .devConnect }.map(\.1), [10, 11, 12].map {
            [.devIndex: .u32(0), .sockFd: .u32($0), .generation: .u32(4), .size: .u64(1 << 30)]
        })
        XCTAssertEqual(world.dialled.count, 3)
        for c in world.dialled {
            XCTAssertTrue(c.prepared && c.closed)
            let hello = try c.hello()
            XCTAssertEqual(hello.session, session.bytes)
            XCTAssertEqual(hello.generation, 4)
        }
        XCTAssertEqual(world.sleeps, [500])
        XCTAssertTrue(world.lines.contains("debug: event=dial device=dst0 conn=2 conns=3 generation=4 remote=192.0.2.1:1025"),
                      "\(world.lines)")
    }

    /// Connected with 1 of 2 live: the I/O of the lost connection waits for
    /// a newer generation, so both are opened again as generation 2.
    func testShortDeviceIsReconnected() throws {
        let kernel = Kernel()
        kernel.devices = [.success(device(.connected, connections: 1, connCount: 2))]
        var world = World()
        world.dials = [.success(accept(socket: 10)), .success(accept(socket: 11))]
        XCTAssertEqual(run(kernel, &world), .reconnected(generation: 2, connections: 2, attempts: 1))
        XCTAssertEqual(kernel.order, ["dial", "dial", "dev-connect", "dev-connect"],
                       "no state reported for a device that is connected")
        XCTAssertEqual(kernel.changes.map { $0.1[.generation] }, [.u32(2), .u32(2)])
        XCTAssertEqual(world.sleeps, [500], "the first delay, as for a device that is down")
        XCTAssertTrue(world.lines.contains("info: event=reconnect-start device=dst0 state=connected conns=1 wanted=2 reason=\"short of connections\""),
                      "\(world.lines)")
    }

    /// A device whose connections are still being handed in (by add-device)
    /// when the reconnect starts is left alone once they are.
    func testShortDeviceCompletedMeanwhile() {
        let kernel = Kernel()
        kernel.devices = [.success(device(.connected, connections: 1, connCount: 3)),
                          .success(device(.connected, connections: 3, connCount: 3))]
        var world = World()
        XCTAssertEqual(run(kernel, &world), .connected)
        XCTAssertTrue(kernel.order.isEmpty)
        XCTAssertEqual(world.sleeps, [500])
    }

    /// A failed dial in the middle of a round closes the connections opened
    /// so far, hands none in, and the round is tried again after the delay.
    func testFailedDialClosesTheRound() {
        let kernel = Kernel()
        kernel.devices = [.success(device(.disconnected, generation: 5, connCount: 3))]
        var world = World()
        let first = accept(socket: 10)
        world.dials = [.success(first), .failure(.cannotConnect(address: "192.0.2.1:1025", errno: ECONNREFUSED)),
                       .success(accept(socket: 20)), .success(accept(socket: 21)), .success(accept(socket: 22))]
        XCTAssertEqual(run(kernel, &world), .reconnected(generation: 6, connections: 3, attempts: 2))
        XCTAssertTrue(first.closed)
        XCTAssertFalse(first.prepared, "not handed in")
        XCTAssertEqual(kernel.order, ["dev-set", "dial", "dial", "dev-set", "dial", "dial", "dial",
                                      "dev-connect", "dev-connect", "dev-connect"])
        XCTAssertEqual(kernel.changes[1].1[.lastError], .string("cannot connect to 192.0.2.1:1025: Connection refused"))
        XCTAssertEqual(kernel.changes.filter { $0.0 == .devConnect }.map { $0.1[.sockFd] }, [.u32(20), .u32(21), .u32(22)])
        XCTAssertEqual(world.sleeps, [500, 1000])
    }

    /// An export that grew while the device was away: the connection is
    /// handed in with the size its reply gave, which grows the device.
    func testGrownExportIsHandedInWithItsSize() {
        let kernel = Kernel()
        kernel.devices = [.success(device(.disconnected)), .success(device(.disconnected)),
                          .success(device(.removed))]
        var world = World()
        world.dials = [.success(accept(size: 1 << 31))]
        _ = run(kernel, &world)
        let connects = kernel.changes.filter { $0.0 == .devConnect }
        XCTAssertEqual(connects.count, 1)
        XCTAssertEqual(connects.first?.1[.size], .u64(1 << 31))
    }

    /// One connection of the round reaching another export spoils the round.
    func testChangedExportInTheMiddleOfARound() {
        let kernel = Kernel()
        kernel.devices = [.success(device(.disconnected, connCount: 2)), .success(device(.disconnected, connCount: 2)),
                          .success(device(.removed))]
        var world = World()
        world.dials = [.success(accept(socket: 10)), .success(accept(size: 1 << 20, socket: 11))]
        XCTAssertEqual(run(kernel, &world), .removed)
        XCTAssertTrue(world.dialled.allSatisfy { $0.closed && !$0.prepared })
        XCTAssertFalse(kernel.changes.contains { $0.0 == .devConnect })
        XCTAssertEqual(kernel.changes.last?.1[.lastError],
                       .string("export shrank from 1073741824 to 1048576 bytes; a device never shrinks (remove it and add it again)"))
    }

    /// A dev-connect refused after the first of the round closes the rest;
    /// the device is then short, and the next round takes the next generation.
    func testFailedConnectClosesTheRest() {
        let kernel = Kernel()
        kernel.devices = [.success(device(.disconnected, generation: 1, connCount: 3)),
                          .success(device(.disconnected, generation: 1, connCount: 3)),
                          .success(device(.connected, generation: 2, connections: 1, connCount: 3))]
        let original = kernel.fake.answer
        var connects = 0
        kernel.fake.answer = { cmd, dump in
            let answer = try original(cmd, dump)
            if cmd == .devConnect {
                connects += 1
                if connects == 2 { throw DSTError.kernel(operation: "dev-connect", message: "socket is not connected", errno: ENOTCONN) }
            }
            return answer
        }
        var world = World()
        world.dials = (10...15).map { .success(accept(socket: $0)) }
        XCTAssertEqual(run(kernel, &world), .reconnected(generation: 3, connections: 3, attempts: 2))
        XCTAssertEqual(kernel.changes.filter { $0.0 == .devConnect }.map { [$0.1[.sockFd], $0.1[.generation]] }, [
            [.u32(10), .u32(2)], [.u32(11), .u32(2)],
            [.u32(13), .u32(3)], [.u32(14), .u32(3)], [.u32(15), .u32(3)],
        ])
        XCTAssertFalse(world.dialled[2].prepared, "the rest of the round is not handed in")
        XCTAssertTrue(world.dialled.allSatisfy(\.closed))
        XCTAssertTrue(kernel.changes.contains { $0.1[.lastError] == .string("socket is not connected (Transport endpoint is not connected)") })
        XCTAssertTrue(world.lines.contains("info: event=reconnect-partial device=dst0 generation=2 handed=1 conns=3 reason=\"closing the rest\""),
                      "\(world.lines)")
        // The attempt's failure names the connection that failed.
        XCTAssertTrue(world.lines.contains { $0.hasPrefix("info: event=reconnect-failed device=dst0 conn=2 generation=2 attempt=1 ") },
                      "\(world.lines)")
    }

    /// A rekey keeps the cipher of the live connections; with none, any.
    func testReconnectKeepsCipher() {
        XCTAssertEqual(DSTReconnect.ciphers(keeping: .tls13(.chacha20Poly1305)), .chacha20Poly1305)
        XCTAssertEqual(DSTReconnect.ciphers(keeping: .tls13(.aes128GCM)), .aes128GCM)
        XCTAssertEqual(DSTReconnect.ciphers(keeping: .plaintext), .any)
        XCTAssertEqual(DSTReconnect.ciphers(keeping: nil), .any)
    }
}
