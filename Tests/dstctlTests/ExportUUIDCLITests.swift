// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Foundation
import XCTest

/// dstctl export --uuid: checked before the backing store is opened;
/// one-line usage errors, exit 64.
extension CLITests {
    func testBadUUID() throws {
        let cases = [
            "xyz", "", "6f1c2d3e4b5a4c6d8e7f0123456789ab", "{6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab}",
            "urn:uuid:6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab", "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ag",
            "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab0",
        ]
        for text in cases {
            for path in ["/dev/null", "/nonexistent/disk.img"] {
                assertFails(try dstctl("export", path, "--listen", "127.0.0.1:1025", "--uuid", text),
                            "dstctl: The value '\(text)' is invalid for '--uuid <uuid>'", status: 64)
            }
        }
        assertFails(try dstctl("export", "/dev/null", "--listen", "127.0.0.1:1025", "--uuid",
                               "00000000-0000-0000-0000-000000000000"),
                    "dstctl: --uuid must not be all zeroes", status: 64)
        assertFails(try dstctl("export", "/dev/null", "--listen", "127.0.0.1:1025", "--uuid=xyz"),
                    "dstctl: The value 'xyz' is invalid for '--uuid <uuid>'", status: 64)
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
