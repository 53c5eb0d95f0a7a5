// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Foundation
import XCTest

/// apply and down with files that need no kernel: a file with errors is
/// refused before netlink is opened.
extension CLITests {
    func writeConfig(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("dst-apply-\(getpid())-\(UUID().uuidString).conf").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testApplyRefusesAFileWithErrors() throws {
        let path = try writeConfig("""
            [Device dst0]
            Remote = 192.0.2.1:1025
            IOTimeout = 0
            Colour = blue

            [Device dst0]
            [Export db]
            Path = /dev/null
            """)
        let errors = """
            \(path):3: IOTimeout must be -1 or between 1 and 4294967 seconds
            \(path):4: unknown key "Colour" in [Device dst0]
            \(path):6: duplicate section [Device dst0], first on line 1
            \(path):7: [Export db] needs Listen
            dstctl: \(path): 4 errors, nothing changed
            """
        assertFails(try dstctl("apply", "--config", path), errors, status: 78)
        assertFails(try dstctl("apply", "--config", path, "--dry-run"), errors, status: 78)
        assertFails(try dstctl("down", "--config", path), errors, status: 78)
    }

    func testApplyChecksTheFilesItNames() throws {
        let path = try writeConfig("""
            [Export db]
            Path = /nonexistent/disk
            Listen = 192.0.2.1:1025
            Allow = db1=/nonexistent/db1.key
            """)
        assertFails(try dstctl("apply", "--config", path), """
            \(path):2: Path: cannot open /nonexistent/disk: No such file or directory
            \(path):4: Allow: cannot open /nonexistent/db1.key: No such file or directory
            dstctl: \(path): 2 errors, nothing changed
            """, status: 78)
    }

    func testApplyWithoutAFile() throws {
        assertFails(try dstctl("apply", "--config", "/nonexistent/dst.conf"),
                    "dstctl: cannot open /nonexistent/dst.conf: No such file or directory")
    }

    func testApplyWithoutTheModule() throws {
        try XCTSkipIf(FileManager.default.fileExists(atPath: "/sys/module/dst"), "the dst module is loaded here")
        let path = try writeConfig("# nothing\n")
        assertFails(try dstctl("apply", "--config", path), Self.noModule)
    }
}
