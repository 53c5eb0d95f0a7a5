// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Foundation
import XCTest
@testable import DSTKit

final class SysfsTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("dst-sysfs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("block/dst3/dst"),
                                                withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    func write(_ name: String, _ value: String) throws {
        try value.write(to: root.appendingPathComponent("block/dst3/dst/\(name)"), atomically: false, encoding: .utf8)
    }

    func testReadsWhatExists() throws {
        try write("remote", "192.0.2.1:1025\n")
        try write("state", "connected\n")
        try write("csum", "crc32c\n")
        try write("last_error", "\n")
        try write("reads", "12\n")
        try write("read_bytes", "49152\n")
        try write("inflight", "0\n")
        try write("errors", "not a number\n")
        let sysfs = DSTSysfs(root: root.path)
        let d = try XCTUnwrap(sysfs.read(device: "dst3"))
        XCTAssertEqual(d.text, ["remote": "192.0.2.1:1025", "state": "connected", "csum": "crc32c", "last_error": ""])
        XCTAssertEqual(d.numbers, ["reads": 12, "read_bytes": 49152, "inflight": 0])
        XCTAssertEqual(d.counters.map(\.0), ["reads", "read_bytes"])
        XCTAssertNil(sysfs.read(device: "dst4"))
    }

    func testDurations() throws {
        try write("io_timeout", "-1\n")
        try write("ping_interval", "0\n")
        try write("reconnect_delay", "0.5\n")
        try write("reconnect_delay_max", "10\n")
        try write("reconnect_give_up", "soon\n")
        try write("generation", "3\n")
        let d = try XCTUnwrap(DSTSysfs(root: root.path).read(device: "dst3"))
        XCTAssertEqual(d.policy, DSTDevicePolicy(ioTimeout: .forever, pingInterval: DSTMillis(0),
                                                 reconnectDelay: DSTMillis(500), reconnectDelayMax: DSTMillis(10_000)))
        XCTAssertEqual(d.numbers, ["generation": 3])
        XCTAssertEqual(DSTMillis(secondsText: "4294967.294"), DSTMillis(4_294_967_294))
        XCTAssertNil(DSTMillis(secondsText: "4294967.295"), "forever is written as -1")
        XCTAssertNil(DSTMillis(secondsText: "-2"))
        XCTAssertNil(DSTMillis(secondsText: ""))
    }

    func testEmptyDirectory() throws {
        let d = try XCTUnwrap(DSTSysfs(root: root.path).read(device: "dst3"))
        XCTAssertEqual(d, DSTSysfs.Device())
    }
}
