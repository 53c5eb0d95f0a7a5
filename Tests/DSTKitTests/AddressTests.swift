// SPDX-License-Identifier: GPL-2.0-only OR MIT
import XCTest
@testable import DSTKit

final class AddressTests: XCTestCase {
    func testValid() throws {
        let cases: [(String, String, UInt16, DSTAddress.Kind, String)] = [
            ("192.0.2.1:1025", "192.0.2.1", 1025, .ipv4, "192.0.2.1:1025"),
            ("192.0.2.1", "192.0.2.1", 1025, .ipv4, "192.0.2.1:1025"),
            ("0.0.0.0:7000", "0.0.0.0", 7000, .ipv4, "0.0.0.0:7000"),
            ("[::1]:1025", "::1", 1025, .ipv6, "[::1]:1025"),
            ("[::]:65535", "::", 65535, .ipv6, "[::]:65535"),
            ("[fe80::1%eth0]:1", "fe80::1%eth0", 1, .ipv6, "[fe80::1%eth0]:1"),
            ("[2001:db8::2]", "2001:db8::2", 1025, .ipv6, "[2001:db8::2]:1025"),
            ("2001:db8::2", "2001:db8::2", 1025, .ipv6, "[2001:db8::2]:1025"),
            ("localhost:80", "localhost", 80, .hostname, "localhost:80"),
            ("server-1.example.org", "server-1.example.org", 1025, .hostname, "server-1.example.org:1025"),
        ]
        for (text, host, port, kind, description) in cases {
            let a = try DSTAddress(parsing: text)
            XCTAssertEqual(a.host, host, text)
            XCTAssertEqual(a.port, port, text)
            XCTAssertEqual(a.kind, kind, text)
            XCTAssertEqual(a.description, description, text)
            XCTAssertEqual(try DSTAddress(parsing: a.description), a, "round trip of \(text)")
        }
    }

    func testInvalid() {
        let bad = ["", ":", ":1025", "1.2.3", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:12a",
                   "1.2.3.4:+80", "1.2.3.4:-1", "256.1.1.1:80", "[::1", "[::1]80", "[::1]:", "[1.2.3.4]:80",
                   "::1:99999x", "host name:80", "-host:80", "host-:80", "a..b:80", "ho_st:80", "1.2.3.4:80:90",
                   String(repeating: "a", count: 64) + ":80", "[]:80", "1.2.3.4:000001025",
                   // Longer than the kernel keeps (address-max).
                   Array(repeating: String(repeating: "a", count: 60), count: 2).joined(separator: ".") + ".example:1025"]
        for text in bad {
            XCTAssertThrowsError(try DSTAddress(parsing: text), text) {
                XCTAssertEqual($0 as? DSTError, .invalidAddress(text))
                XCTAssertEqual("\($0)", "invalid address \"\(text)\": expected HOST:PORT or [IPv6]:PORT")
            }
        }
    }
}

final class NamesTests: XCTestCase {
    func testExportNames() {
        for good in ["a", "disk0", "A.b_c-d", String(repeating: "x", count: 64)] {
            XCTAssertTrue(DSTNames.isValidExportName(good), good)
        }
        for bad in ["", "a b", "a/b", "é", String(repeating: "x", count: 65), "a\n", "a:b"] {
            XCTAssertFalse(DSTNames.isValidExportName(bad), bad)
        }
    }

    func testBasename() {
        XCTAssertEqual(DSTBacking.basename("/dev/sdb"), "sdb")
        XCTAssertEqual(DSTBacking.basename("disk.img"), "disk.img")
        XCTAssertEqual(DSTBacking.basename("/srv/images/"), "images")
        XCTAssertEqual(DSTBacking.basename("/"), "/")
    }

    func testUUIDText() {
        XCTAssertEqual(DSTUUID(bytes: Array(0...15))?.description, "00010203-0405-0607-0809-0a0b0c0d0e0f")
        XCTAssertNil(DSTUUID(bytes: [1, 2, 3]))
    }
}
