// SPDX-License-Identifier: GPL-2.0-only OR MIT
import XCTest
@testable import DSTKit
@testable import dstctl

/// The values dstctl's arguments take.
final class ArgumentsTests: XCTestCase {
    func testDeviceNames() {
        XCTAssertEqual(DeviceName(argument: "dst0")?.index, 0)
        XCTAssertEqual(DeviceName(argument: "dst17")?.index, 17)
        XCTAssertEqual(DeviceName(argument: "/dev/dst1023")?.index, 1023)
        XCTAssertEqual(DeviceName(argument: "/dev/dst1023")?.name, "dst1023")
        for bad in ["dst", "dst-1", "dst01", "dst1024", "dst99999", "sda", "/dev/sda", "dst1a", " dst1", "/dev/dst"] {
            XCTAssertNil(DeviceName(argument: bad), bad)
        }
    }

    func testExportNames() {
        XCTAssertEqual(ExportName(argument: "disk0")?.name, "disk0")
        XCTAssertNil(ExportName(argument: "a b"))
        XCTAssertNil(ExportName(argument: String(repeating: "x", count: DSTWire.exportNameMax + 1)))
    }

    func testByteCounts() {
        XCTAssertEqual(ByteCount(argument: "4096")?.bytes, 4096)
        XCTAssertEqual(ByteCount(argument: "64M")?.bytes, 64 << 20)
        XCTAssertEqual(ByteCount(argument: "2GiB")?.bytes, 2 << 30)
        XCTAssertEqual(ByteCount(argument: "1T")?.bytes, 1 << 40)
        for bad in ["", "0", "0M", "M", "1.5G", "-1", "1g", "1 G", "17179869184T", "99999999999999999999"] {
            XCTAssertNil(ByteCount(argument: bad), bad)
        }
    }

    func testAddresses() {
        XCTAssertEqual(DSTAddress(argument: "[::1]:9")?.description, "[::1]:9")
        XCTAssertEqual(DSTAddress(argument: "192.0.2.1")?.port, UInt16(DSTWire.defaultPort))
        XCTAssertNil(DSTAddress(argument: "1.2.3"))
    }
}
