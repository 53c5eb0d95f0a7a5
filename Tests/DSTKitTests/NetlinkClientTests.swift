// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc
import XCTest
@testable import DSTKit

/// Records requests; answers from a script.
final class FakeTransport: NetlinkTransport {
    var requests: [(DSTCommand, [(DSTAttr, NLValue)], Bool)] = []
    var answer: (DSTCommand, Bool) throws -> [NLMessage] = { _, _ in [] }

    func request(_ command: DSTCommand, _ values: [(DSTAttr, NLValue)], dump: Bool) throws -> [NLMessage] {
        requests.append((command, values, dump))
        return try answer(command, dump)
    }

    var lastAttributes: [DSTAttr: NLValue] {
        Dictionary(uniqueKeysWithValues: requests.last?.1.map { ($0.0, $0.1) } ?? [])
    }

    /// Each request's command and attributes, for asserting call traces.
    var trace: [(DSTCommand, [DSTAttr: NLValue])] {
        requests.map { ($0.0, Dictionary(uniqueKeysWithValues: $0.1.map { ($0.0, $0.1) })) }
    }
}

final class NetlinkClientTests: XCTestCase {
    /// export-connect with check asks without handing the socket over.
    func testAdmissionAsksWithCheck() throws {
        let fake = FakeTransport()
        let session = try XCTUnwrap(DSTSession(bytes: Array(1...16)))
        XCTAssertNil(DSTNetlink(transport: fake).admission("disk", socket: 9, csum: .crc32c, session: session,
                                                           generation: 4, peer: "p"))
        XCTAssertEqual(fake.lastAttributes, [
            .exportName: .string("disk"), .sockFd: .u32(9), .csum: .u32(1), .session: .binary(Array(1...16)),
            .generation: .u32(4), .check: .flag,
        ])
    }

    /// export-get's state and request data; a kernel without states is ready.
    func testExportState() {
        let m = NLMessage(command: .exportGet, values: [(.exportName, .string("d")), (.exportState, .u32(3)),
                                                       (.dataBytes, .u64(4096))])
        let e = DSTExport(reply: DSTExportGetReply(message: m))
        XCTAssertEqual(e?.state, .removing)
        XCTAssertEqual(e?.dataBytes, 4096)
        XCTAssertEqual(e?.isReady, false)
        let bare = NLMessage(command: .exportGet, values: [(.exportName, .string("d"))])
        XCTAssertEqual(DSTExport(reply: DSTExportGetReply(message: bare))?.state, .ready)
    }

    let negotiated = DSTNegotiated(size: 1 << 30, logicalBs: 512, physicalBs: 4096, maxXfer: 1 << 20,
                                   features: [.flush, .fua], csum: .crc32c, uuid: DSTUUID(bytes: Array(1...16))!)

    func testAddDevice() throws {
        let fake = FakeTransport()
        fake.answer = { cmd, dump in
            XCTAssertEqual(cmd, .devAdd)
            XCTAssertFalse(dump)
            return [NLMessage(command: .devAdd, values: [(.devIndex, .u32(7))])]
        }
        let index = try DSTNetlink(transport: fake).addDevice(
            DSTDeviceParams(socket: 5, negotiated: negotiated, exportName: "disk", remote: "[::1]:1025", index: nil))
        XCTAssertEqual(index, 7)
        XCTAssertEqual(fake.lastAttributes, [
            .sockFd: .u32(5), .size: .u64(1 << 30), .logicalBs: .u32(512), .physicalBs: .u32(4096),
            .maxXfer: .u32(1 << 20), .features: .u32(3), .csum: .u32(1), .uuid: .binary(Array(1...16)),
            .remote: .string("[::1]:1025"), .exportName: .string("disk"),
        ])
    }

    func testAddDeviceWithIndexAndNoName() throws {
        let fake = FakeTransport()
        fake.answer = { _, _ in [NLMessage(command: .devAdd, values: [(.devIndex, .u32(3))])] }
        _ = try DSTNetlink(transport: fake).addDevice(
            DSTDeviceParams(socket: 5, negotiated: negotiated, exportName: nil, remote: "h:1", index: 3))
        XCTAssertEqual(fake.lastAttributes[.devIndex], .u32(3))
        XCTAssertNil(fake.lastAttributes[.exportName])
        XCTAssertNil(fake.lastAttributes[.session])
        XCTAssertNil(fake.lastAttributes[.ioTimeout])
    }

    func testAddDeviceWithSessionAndPolicy() throws {
        let fake = FakeTransport()
        fake.answer = { _, _ in [NLMessage(command: .devAdd, values: [(.devIndex, .u32(0))])] }
        let session = DSTSession(bytes: Array(0xa0...0xaf))!
        _ = try DSTNetlink(transport: fake).addDevice(
            DSTDeviceParams(socket: 5, negotiated: negotiated, exportName: "disk", remote: "h:1", index: nil,
                            session: session, generation: 1, policy: .defaults, connCount: 4))
        let a = fake.lastAttributes
        XCTAssertEqual(a[.connCount], .u32(4))
        XCTAssertEqual(a[.session], .binary(Array(0xa0...0xaf)))
        XCTAssertEqual(a[.generation], .u32(1))
        XCTAssertEqual(a[.ioTimeout], .u32(30_000))
        XCTAssertEqual(a[.pingInterval], .u32(5_000))
        XCTAssertEqual(a[.reconnectDelay], .u32(500))
        XCTAssertEqual(a[.reconnectDelayMax], .u32(10_000))
        XCTAssertEqual(a[.reconnectGiveUp], .u32(0xffff_ffff))
    }

    func testRemoveDevice() throws {
        let fake = FakeTransport()
        let nl = DSTNetlink(transport: fake)
        try nl.removeDevice(2)
        XCTAssertEqual(fake.lastAttributes, [.devIndex: .u32(2)])
        try nl.removeDevice(2, force: true)
        XCTAssertEqual(fake.lastAttributes, [.devIndex: .u32(2), .force: .flag])
        XCTAssertEqual(fake.requests.map(\.0), [.devDel, .devDel])
    }

    func testSetDevice() throws {
        let fake = FakeTransport()
        let nl = DSTNetlink(transport: fake)
        try nl.setDevice(1, policy: DSTDevicePolicy(ioTimeout: .forever, reconnectDelayMax: DSTMillis(2500)))
        XCTAssertEqual(fake.requests.last?.0, .devSet)
        XCTAssertEqual(fake.lastAttributes, [.devIndex: .u32(1), .ioTimeout: .u32(0xffff_ffff),
                                             .reconnectDelayMax: .u32(2500)])
        try nl.setDevice(1, state: .reconnecting)
        XCTAssertEqual(fake.lastAttributes, [.devIndex: .u32(1), .state: .u32(3)])
        try nl.setDevice(1, lastError: String(repeating: "é", count: 200))
        XCTAssertEqual(fake.lastAttributes[.lastError], .string(String(repeating: "é", count: 63)),
                       "cut to the kernel's 127 bytes on a character boundary")
    }

    func testConnectAndStaleGeneration() throws {
        let fake = FakeTransport()
        try DSTNetlink(transport: fake).connectDevice(3, socket: 9, generation: 4)
        XCTAssertEqual(fake.lastAttributes, [.devIndex: .u32(3), .sockFd: .u32(9), .generation: .u32(4)])
        let session = DSTSession(bytes: Array(1...16))!
        try DSTNetlink(transport: fake).connectExport("disk", socket: 9, csum: .crc32c, session: session, generation: 2)
        XCTAssertEqual(fake.lastAttributes, [.exportName: .string("disk"), .sockFd: .u32(9), .csum: .u32(1),
                                             .session: .binary(Array(1...16)), .generation: .u32(2)])
        try DSTNetlink(transport: fake).connectExport("disk", socket: 9, csum: .none)
        XCTAssertEqual(fake.lastAttributes, [.exportName: .string("disk"), .sockFd: .u32(9), .csum: .u32(0)])

        fake.answer = { cmd, _ in throw DSTError.kernel(operation: cmd.specName, message: "stale", errno: ESTALE) }
        XCTAssertThrowsError(try DSTNetlink(transport: fake).connectDevice(3, socket: 9, generation: 4)) {
            XCTAssertEqual($0 as? DSTError, .staleGeneration(subject: "dst3", generation: 4))
            XCTAssertEqual("\($0)", "dst3: generation 4 is stale: a newer generation of this session is connected")
        }
        XCTAssertThrowsError(try DSTNetlink(transport: fake).connectExport("disk", socket: 9, csum: .none,
                                                                           session: session, generation: 2)) {
            XCTAssertEqual("\($0)", "export disk: generation 2 is stale: a newer generation of this session is connected")
        }
    }

    func testAddExport() throws {
        let fake = FakeTransport()
        try DSTNetlink(transport: fake).addExport(
            DSTExportParams(name: "disk", backingFD: 9, backingPath: "/dev/ram0", readOnly: true,
                            listen: try DSTAddress(parsing: "0.0.0.0"), uuid: nil))
        XCTAssertEqual(fake.requests.first?.0, .exportAdd)
        XCTAssertEqual(fake.lastAttributes, [
            .exportName: .string("disk"), .backingFd: .u32(9), .backingPath: .string("/dev/ram0"),
            .listen: .string("0.0.0.0:1025"), .readOnly: .flag,
        ])
    }

    func testErrorMapping() {
        func kernelError(_ errno: Int32, _ message: String? = nil) -> FakeTransport {
            let fake = FakeTransport()
            fake.answer = { cmd, _ in throw DSTError.kernel(operation: cmd.specName, message: message, errno: errno) }
            return fake
        }
        XCTAssertThrowsError(try DSTNetlink(transport: kernelError(ENODEV, "no such device")).removeDevice(4)) {
            XCTAssertEqual($0 as? DSTError, .noSuchDevice("dst4"))
        }
        XCTAssertThrowsError(try DSTNetlink(transport: kernelError(EBUSY)).removeDevice(4)) {
            XCTAssertEqual($0 as? DSTError, .deviceBusy("dst4"))
            XCTAssertEqual("\($0)", "dst4 is busy: it is open or mounted")
        }
        XCTAssertThrowsError(try DSTNetlink(transport: kernelError(EPERM)).removeDevice(4)) {
            XCTAssertEqual($0 as? DSTError, .notRoot)
        }
        XCTAssertThrowsError(try DSTNetlink(transport: kernelError(EPERM, "needs CAP_SYS_ADMIN")).removeDevice(4)) {
            XCTAssertEqual("\($0)", "permission denied: this needs CAP_SYS_ADMIN")
        }
        XCTAssertEqual(DSTNetlink(transport: kernelError(EBUSY, "server has the maximum number of connections"))
            .admission("x", socket: 5, csum: .none, session: .none, generation: 0, peer: "192.0.2.3:4000"),
                       DSTRefusal(.busy, "from 192.0.2.3:4000: server has the maximum number of connections"))
        XCTAssertEqual(DSTNetlink(transport: kernelError(EAGAIN, "export is not ready yet"))
            .admission("x", socket: 5, csum: .none, session: .none, generation: 0, peer: "p")?.status, .busy)
        XCTAssertEqual(DSTNetlink(transport: kernelError(ENOENT, "no such export"))
            .admission("x", socket: 5, csum: .none, session: .none, generation: 0, peer: "p"),
                       DSTRefusal(.unknownExport, "no export \"x\""))
        XCTAssertEqual(DSTNetlink(transport: kernelError(ESTALE, "a newer generation of this session was connected"))
            .admission("x", socket: 5, csum: .none, session: .none, generation: 0, peer: "p")?.status, .internal)
        XCTAssertThrowsError(try DSTNetlink(transport: kernelError(ENOENT, "no such export")).removeExport("x")) {
            XCTAssertEqual($0 as? DSTError, .noSuchExport("x"))
        }
        XCTAssertThrowsError(try DSTNetlink(transport: kernelError(EEXIST, "export exists")).addExport(
            DSTExportParams(name: "x", backingFD: 1, backingPath: "/x", readOnly: false,
                            listen: DSTAddress(host: "::1", port: 1, kind: .ipv6), uuid: nil))) {
            XCTAssertEqual("\($0)", "export exists (File exists)")
        }
        XCTAssertThrowsError(try DSTNetlink(transport: kernelError(EINVAL)).connectExport("x", socket: 3, csum: .none)) {
            XCTAssertEqual("\($0)", "export-connect: Invalid argument")
        }
    }

    func testDumpDecoding() throws {
        let fake = FakeTransport()
        fake.answer = { cmd, dump in
            XCTAssertTrue(dump)
            switch cmd {
            case .devGet:
                return [
                    NLMessage(command: .devGet, values: [(.devIndex, .u32(2)), (.state, .u32(2)), (.remote, .string("h:1"))]),
                    NLMessage(command: .devGet, values: [(.devIndex, .u32(0)), (.state, .u32(99)), (.size, .u64(4096)),
                                                         (.csum, .u32(1)), (.uuid, .binary(Array(1...16))),
                                                         (.lastError, .string(""))]),
                    NLMessage(command: .devGet, values: [(.state, .u32(1))]),  // no index: skipped
                ]
            default:
                return [NLMessage(command: .exportGet, values: [
                    (.exportName, .string("disk")), (.size, .u64(1 << 20)), (.logicalBs, .u32(4096)),
                    (.physicalBs, .u32(4096)), (.maxXfer, .u32(65536)), (.features, .u32(0x11)),
                    (.uuid, .binary(Array(1...16))), (.listen, .string("[::]:1025")),
                    (.backingPath, .string("/dev/ram0")), (.clients, .u32(2)),
                ])]
            }
        }
        let nl = DSTNetlink(transport: fake)
        let devices = try nl.devices()
        XCTAssertEqual(devices.map(\.name), ["dst0", "dst2"])
        XCTAssertEqual(devices[0].stateName, "unknown(99)")
        XCTAssertEqual(devices[0].size, 4096)
        XCTAssertEqual(devices[0].csum, .crc32c)
        XCTAssertEqual(devices[0].uuid?.description, "01020304-0506-0708-090a-0b0c0d0e0f10")
        XCTAssertEqual(devices[1].state, .disconnected)
        XCTAssertEqual(devices[1].remote, "h:1")
        XCTAssertNil(devices[1].session)
        XCTAssertEqual(devices[1].policy, DSTDevicePolicy())
        let exports = try nl.exports()
        XCTAssertEqual(exports, [DSTExport(name: "disk", size: 1 << 20, logicalBs: 4096, physicalBs: 4096, maxXfer: 65536,
                                           features: [.flush, .readOnly], uuid: DSTUUID(bytes: Array(1...16))!,
                                           listen: "[::]:1025", backingPath: "/dev/ram0", clients: 2)])
        XCTAssertTrue(exports[0].readOnly)
    }

    func testDeviceTimeoutsDecoding() throws {
        let fake = FakeTransport()
        fake.answer = { _, _ in
            [NLMessage(command: .devGet, values: [
                (.devIndex, .u32(1)), (.state, .u32(3)), (.session, .binary(Array(1...16))), (.generation, .u32(5)),
                (.ioTimeout, .u32(0xffff_ffff)), (.pingInterval, .u32(0)), (.reconnectDelay, .u32(250)),
                (.reconnectDelayMax, .u32(8000)), (.reconnectGiveUp, .u32(60_000)), (.downTime, .u64(12_345)),
            ])]
        }
        let d = try DSTNetlink(transport: fake).device(1)
        XCTAssertEqual(fake.requests.last?.0, .devGet)
        XCTAssertEqual(d.state, .reconnecting)
        XCTAssertEqual(d.session, DSTSession(bytes: Array(1...16)))
        XCTAssertEqual(d.generation, 5)
        XCTAssertEqual(d.policy, DSTDevicePolicy(ioTimeout: .forever, pingInterval: DSTMillis(0),
                                                 reconnectDelay: DSTMillis(250), reconnectDelayMax: DSTMillis(8000),
                                                 reconnectGiveUp: DSTMillis(60_000)))
        XCTAssertEqual(d.downTime, 12_345)
        XCTAssertNil(d.connCount, "a kernel without conn-count")
        XCTAssertEqual(d.wantedConnections, 1)
        XCTAssertFalse(d.isShort)
    }

    /// Connected with fewer live connections than conn-count: short.
    func testShortDevices() throws {
        func device(_ state: UInt32, live: UInt32?, wanted: UInt32?) throws -> DSTDevice {
            var values: [(DSTAttr, NLValue)] = [(.devIndex, .u32(0)), (.state, .u32(state))]
            if let live { values.append((.connections, .u32(live))) }
            if let wanted { values.append((.connCount, .u32(wanted))) }
            let fake = FakeTransport()
            fake.answer = { _, _ in [NLMessage(command: .devGet, values: values)] }
            return try DSTNetlink(transport: fake).device(0)
        }
        let short = try device(1, live: 1, wanted: 4)
        XCTAssertEqual(short.connections, 1)
        XCTAssertEqual(short.connCount, 4)
        XCTAssertEqual(short.wantedConnections, 4)
        XCTAssertTrue(short.isShort)
        XCTAssertFalse(try device(1, live: 4, wanted: 4).isShort)
        XCTAssertFalse(try device(1, live: 5, wanted: 4).isShort)
        XCTAssertFalse(try device(2, live: 0, wanted: 4).isShort, "down, not short")
        XCTAssertFalse(try device(1, live: 1, wanted: nil).isShort, "an older kernel: one connection")
        XCTAssertFalse(try device(1, live: nil, wanted: 2).isShort, "live connections unknown")
    }

    func testAttributeDecoding() {
        let m = NLMessage(command: 1, attributes: [
            DSTAttr.size.rawValue: [1, 0, 0, 0],  // a u64 sent in 4 bytes
            DSTAttr.remote.rawValue: Array("abc".utf8) + [0, 0x41],
            DSTAttr.state.rawValue: [1, 2],  // too short
        ])
        XCTAssertEqual(m.u64(.size), 1)
        XCTAssertEqual(m.string(.remote), "abc")
        XCTAssertNil(m.u32(.state))
        XCTAssertNil(m.u32(.devIndex))
    }

    func testEvents() {
        XCTAssertEqual(DSTEvent(message: NLMessage(command: .devChangeNtf, values: [(.devIndex, .u32(1)), (.state, .u32(4)),
                                                                                   (.lastError, .string("timed out"))])),
                       .device(DSTDeviceChange(index: 1, state: .failed, lastError: "timed out")))
        XCTAssertEqual(DSTEvent(message: NLMessage(command: .devChangeNtf, values: [(.devIndex, .u32(1)), (.state, .u32(77))])),
                       .device(DSTDeviceChange(index: 1, state: nil, stateRaw: 77)))
        XCTAssertEqual(DSTEvent(message: NLMessage(command: .exportChangeNtf, values: [(.exportName, .string("d")),
                                                                                       (.clients, .u32(0))])),
                       .export(DSTExportChange(name: "d", event: nil, clients: 0)))
        XCTAssertEqual(DSTEvent(message: NLMessage(command: .exportChangeNtf, values: [
            (.exportName, .string("d")), (.exportEvent, .u32(4)), (.clients, .u32(1)),
            (.peer, .string("192.0.2.2:40112")), (.lastError, .string("reset by peer")),
        ])), .export(DSTExportChange(name: "d", event: .clientDisconnected, clients: 1, peer: "192.0.2.2:40112",
                                     lastError: "reset by peer")))
        let short = DSTEvent(message: NLMessage(command: .devChangeNtf, values: [
            (.devIndex, .u32(2)), (.state, .u32(1)), (.lastError, .string("connection lost")),
            (.connections, .u32(1)), (.connCount, .u32(2)),
        ]))
        XCTAssertEqual(short, .device(DSTDeviceChange(index: 2, state: .connected, lastError: "connection lost",
                                                      connections: 1, connCount: 2)))
        if case let .device(d)? = short { XCTAssertTrue(d.isShort) }
        XCTAssertFalse(DSTDeviceChange(index: 2, state: .connected, connections: 2, connCount: 2).isShort)
        XCTAssertFalse(DSTDeviceChange(index: 2, state: .disconnected, connections: 0, connCount: 2).isShort)
        XCTAssertNil(DSTEvent(message: NLMessage(command: .devChangeNtf, values: [])))
        XCTAssertNil(DSTEvent(message: NLMessage(command: .devAdd, values: [(.devIndex, .u32(1))])))
    }
}

final class ErrorTextTests: XCTestCase {
    func testMessages() {
        let cases: [(DSTError, String)] = [
            (.moduleNotLoaded, "the dst kernel module is not loaded (try: modprobe dst)"),
            (.notRoot, "permission denied: this needs CAP_SYS_ADMIN"),
            (.cannotConnect(address: "192.0.2.1:1025", errno: ECONNREFUSED), "cannot connect to 192.0.2.1:1025: Connection refused"),
            (.cannotConnect(address: "[::1]:9", errno: ETIMEDOUT), "cannot connect to [::1]:9: Connection timed out"),
            (.refused(status: .unknownExport, message: "no export \"foo\" on 192.0.2.1:1025"),
             "server refused the connection: unknown-export: no export \"foo\" on 192.0.2.1:1025"),
            (.refused(status: .busy, message: ""), "server refused the connection: busy"),
            (.deviceBusy("dst0"), "dst0 is busy: it is open or mounted"),
            (.cannotOpen(path: "/nope", errno: ENOENT), "cannot open /nope: No such file or directory"),
            (.noSuchDevice("dst9"), "no such device: dst9"),
            (.noSuchExport("x"), "no such export: x"),
            (.kernel(operation: "dev-add", message: "bad size", errno: EINVAL), "bad size (Invalid argument)"),
            (.invalidAddress("[x", reason: "missing ']' after the IPv6 address"),
             "invalid address \"[x\": missing ']' after the IPv6 address"),
            (.exportUUIDChanged(was: DSTUUID(bytes: Array(1...16))!, now: DSTUUID(bytes: Array(2...17))!),
             "export UUID changed: was 01020304-0506-0708-090a-0b0c0d0e0f10, now 02030405-0607-0809-0a0b-0c0d0e0f1011"),
            (.exportShrank(was: 8192, now: 4096),
             "export shrank from 8192 to 4096 bytes; a device never shrinks (remove it and add it again)"),
        ]
        for (error, text) in cases { XCTAssertEqual(error.description, text) }
    }
}
