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
            // IPv6 literals in their canonical form (RFC 5952), the zone as given.
            ("[FD00:0:0::0:1]:1025", "fd00::1", 1025, .ipv6, "[fd00::1]:1025"),
            ("[0::0]:1025", "::", 1025, .ipv6, "[::]:1025"),
            ("[2001:DB8:0:0:1:0:0:1]", "2001:db8::1:0:0:1", 1025, .ipv6, "[2001:db8::1:0:0:1]:1025"),
            ("FE80::0:1%Eth0", "fe80::1%Eth0", 1025, .ipv6, "[fe80::1%Eth0]:1025"),
            ("[::FFFF:192.0.2.1]:80", "::ffff:192.0.2.1", 80, .ipv6, "[::ffff:192.0.2.1]:80"),
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
        let long = Array(repeating: String(repeating: "a", count: 60), count: 2).joined(separator: ".") + ".example:1025"
        let bad: [(String, String)] = [
            ("", "no address"),
            (":", "no port after ':'"),
            (":1025", "\"\" is not an IPv4 address or a host name"),
            ("1.2.3", "\"1.2.3\" is not an IPv4 address or a host name"),
            ("1.2.3.4:", "no port after ':'"),
            ("1.2.3.4:0", "port \"0\" is not a number from 1 to 65535"),
            ("1.2.3.4:65536", "port \"65536\" is not a number from 1 to 65535"),
            ("1.2.3.4:12a", "port \"12a\" is not a number from 1 to 65535"),
            ("1.2.3.4:+80", "port \"+80\" is not a number from 1 to 65535"),
            ("1.2.3.4:-1", "port \"-1\" is not a number from 1 to 65535"),
            ("1.2.3.4:000001025", "port \"000001025\" is not a number from 1 to 65535"),
            ("256.1.1.1:80", "\"256.1.1.1\" is not an IPv4 address or a host name"),
            ("[::1", "missing ']' after the IPv6 address"),
            ("[fd00::1", "missing ']' after the IPv6 address"),
            ("[::1]80", "expected ':PORT' after ']'"),
            ("[::1]:", "no port after ':'"),
            ("[::1]:99999", "port \"99999\" is not a number from 1 to 65535"),
            ("[1.2.3.4]:80", "\"1.2.3.4\" in brackets is not an IPv6 address"),
            ("[]:80", "\"\" in brackets is not an IPv6 address"),
            ("[fd00::g]:80", "\"fd00::g\" in brackets is not an IPv6 address"),
            ("[fe80::1%]:80", "\"fe80::1%\" in brackets is not an IPv6 address"),
            ("[fe80::1%a b]:80", "\"fe80::1%a b\" in brackets is not an IPv6 address"),
            ("[server.example]:80", "\"server.example\" in brackets is not an IPv6 address"),
            ("::1:99999x", "\"::1:99999x\" is not an IPv6 address (with a port, write [ADDR]:PORT)"),
            ("1.2.3.4:80:90", "\"1.2.3.4:80:90\" is not an IPv6 address (with a port, write [ADDR]:PORT)"),
            ("fd00::1::2:80", "\"fd00::1::2:80\" is not an IPv6 address (with a port, write [ADDR]:PORT)"),
            ("host name:80", "\"host name\" is not an IPv4 address or a host name"),
            ("-host:80", "\"-host\" is not an IPv4 address or a host name"),
            ("host-:80", "\"host-\" is not an IPv4 address or a host name"),
            ("a..b:80", "\"a..b\" is not an IPv4 address or a host name"),
            ("ho_st:80", "\"ho_st\" is not an IPv4 address or a host name"),
            (String(repeating: "a", count: 64) + ":80",
             "\"\(String(repeating: "a", count: 64))\" is not an IPv4 address or a host name"),
            // Longer than the kernel keeps (address-max).
            (long, "longer than 128 bytes"),
        ]
        for (text, reason) in bad {
            XCTAssertThrowsError(try DSTAddress(parsing: text), text) {
                XCTAssertEqual($0 as? DSTError, .invalidAddress(text, reason: reason), text)
                XCTAssertEqual("\($0)", "invalid address \"\(text)\": \(reason)")
            }
        }
    }

    /// Two spellings of one IPv6 address are one address (and one listen
    /// address for dstd, which keys its listeners by the text).
    func testIPv6Spellings() throws {
        let a = try DSTAddress(parsing: "[::]:1025"), b = try DSTAddress(parsing: "[0:0::0]:1025")
        XCTAssertEqual(a, b)
        XCTAssertEqual(b.description, "[::]:1025")
        XCTAssertEqual(try DSTAddress(parsing: "[FD00::2]:1025").description, "[fd00::2]:1025")
    }

    /// IPv4 clients of an IPv6 socket (IPv4-mapped) against allow-from.
    func testAllowFromIPv4Mapped() throws {
        let v4 = DSTAccess(from: [try XCTUnwrap(DSTCIDR(parsing: "192.0.2.0/24"))])
        XCTAssertTrue(v4.admits(peer: "192.0.2.2:40000"))
        XCTAssertTrue(v4.admits(peer: "[::ffff:192.0.2.2]:40000"))
        XCTAssertFalse(v4.admits(peer: "[::ffff:192.0.3.2]:40000"))
        XCTAssertFalse(v4.admits(peer: "[fd00::2]:40000"))
        let v6 = DSTAccess(from: [try XCTUnwrap(DSTCIDR(parsing: "fd00::/64"))])
        XCTAssertTrue(v6.admits(peer: "[fd00::2]:40000"))
        XCTAssertTrue(v6.admits(peer: "[fd00::ffff:1]:1"))
        XCTAssertFalse(v6.admits(peer: "[fd00:0:0:1::2]:40000"))
        XCTAssertFalse(v6.admits(peer: "192.0.2.2:40000"))
        // The kernel takes a mapped client as IPv4: an IPv6 prefix over the
        // mapped range does not admit it.
        let mapped = DSTAccess(from: [try XCTUnwrap(DSTCIDR(parsing: "::ffff:0:0/96"))])
        XCTAssertFalse(mapped.admits(peer: "[::ffff:192.0.2.2]:40000"))
        XCTAssertEqual(DSTCIDR(parsing: "FD00:0::/64")?.description, "fd00::/64")
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
