// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Foundation
import XCTest

/// dstctl export --uuid: checked after the address and the name, before the
/// backing store is opened; one-line usage errors, exit 64.
extension CLITests {
    func testBadUUID() throws {
        let expected = "expected 8-4-4-4-12 hex digits"
        let cases: [(String, String)] = [
            ("xyz", expected),
            ("", expected),
            ("6f1c2d3e4b5a4c6d8e7f0123456789ab", expected),
            ("{6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab}", expected),
            ("urn:uuid:6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab", expected),
            ("6f1c2d3e-4b5a-4c6d-8e7f-0123456789ag", expected),
            ("6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab0", expected),
            ("00000000-0000-0000-0000-000000000000", "must not be all zeroes"),
        ]
        for (text, reason) in cases {
            for path in ["/dev/null", "/nonexistent/disk.img"] {
                assertFails(try dstctl("export", path, "--listen", "127.0.0.1:1025", "--uuid", text),
                            "dstctl: invalid UUID \"\(text)\": \(reason)", status: 64)
            }
        }
        assertFails(try dstctl("export", "/dev/null", "--listen", "127.0.0.1:1025", "--uuid=xyz"),
                    "dstctl: invalid UUID \"xyz\": expected 8-4-4-4-12 hex digits", status: 64)
        // The address and the name come first.
        assertFails(try dstctl("export", "/dev/null", "--listen", "1.2.3", "--uuid", "xyz"),
                    "dstctl: invalid address \"1.2.3\": expected HOST:PORT or [IPv6]:PORT", status: 64)
        assertFails(try dstctl("export", "/dev/null", "--listen", "127.0.0.1", "--name", "a b", "--uuid", "xyz"),
                    "dstctl: invalid export name \"a b\": expected 1 to 64 of A-Z a-z 0-9 . _ -", status: 64)
    }

    /// A good UUID, in either case, gets as far as the backing store.
    func testGoodUUID() throws {
        for text in ["6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab", "6F1C2D3E-4B5A-4C6D-8E7F-0123456789AB"] {
            assertFails(try dstctl("export", "/nonexistent/disk.img", "--listen", "127.0.0.1:1025", "--uuid", text),
                        "dstctl: cannot open /nonexistent/disk.img: No such file or directory")
            assertFails(try dstctl("export", "/dev/null", "--listen", "127.0.0.1:1025", "--uuid", text),
                        "dstctl: cannot export /dev/null: not a block device or regular file")
        }
    }

    /// With or without --uuid, a regular file gets as far as netlink.
    func testExportFileWithoutModule() throws {
        try XCTSkipIf(FileManager.default.fileExists(atPath: "/sys/module/dst"), "the dst module is loaded here")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dst-export-\(UUID().uuidString).img").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(count: 4096)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        assertFails(try dstctl("export", path, "--listen", "127.0.0.1:1025", "--name", "disk"), Self.noModule)
        assertFails(try dstctl("export", path, "--listen", "127.0.0.1:1025", "--uuid",
                               "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab"), Self.noModule)
    }
}
