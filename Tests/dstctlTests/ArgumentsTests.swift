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

    func testAddresses() {
        XCTAssertEqual(DSTAddress(argument: "[::1]:9")?.description, "[::1]:9")
        XCTAssertEqual(DSTAddress(argument: "192.0.2.1")?.port, UInt16(DSTWire.defaultPort))
        XCTAssertNil(DSTAddress(argument: "1.2.3"))
    }
}
