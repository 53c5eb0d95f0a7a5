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
}

final class NetlinkClientTests: XCTestCase {
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
        XCTAssertThrowsError(try DSTNetlink(transport: kernelError(EPERM, "not in this namespace")).removeDevice(4)) {
            XCTAssertEqual("\($0)", "not in this namespace (Operation not permitted)")
        }
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
        let exports = try nl.exports()
        XCTAssertEqual(exports, [DSTExport(name: "disk", size: 1 << 20, logicalBs: 4096, physicalBs: 4096, maxXfer: 65536,
                                           features: [.flush, .readOnly], uuid: DSTUUID(bytes: Array(1...16))!,
                                           listen: "[::]:1025", backingPath: "/dev/ram0", clients: 2)])
        XCTAssertTrue(exports[0].readOnly)
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
                       .device(index: 1, state: .failed, lastError: "timed out"))
        XCTAssertEqual(DSTEvent(message: NLMessage(command: .exportChangeNtf, values: [(.exportName, .string("d")),
                                                                                       (.clients, .u32(0))])),
                       .export(name: "d", clients: 0))
        XCTAssertNil(DSTEvent(message: NLMessage(command: .devChangeNtf, values: [])))
        XCTAssertNil(DSTEvent(message: NLMessage(command: .devAdd, values: [(.devIndex, .u32(1))])))
    }
}

final class ErrorTextTests: XCTestCase {
    func testMessages() {
        let cases: [(DSTError, String)] = [
            (.moduleNotLoaded, "the dst kernel module is not loaded (try: modprobe dst)"),
            (.notRoot, "permission denied: this needs root (CAP_NET_ADMIN)"),
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
            (.invalidAddress("x"), "invalid address \"x\": expected HOST:PORT or [IPv6]:PORT"),
            (.invalidDeviceName("sda"), "invalid device name \"sda\": expected dstN"),
        ]
        for (error, text) in cases { XCTAssertEqual(error.description, text) }
        XCTAssertTrue(DSTError.invalidAddress("x").isUsage)
        XCTAssertFalse(DSTError.moduleNotLoaded.isUsage)
    }
}
