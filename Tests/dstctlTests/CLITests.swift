// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Foundation
import XCTest

/// Runs the built dstctl (next to this test bundle) and compares whole
/// outputs. The host kernel has no dst module, so every path that reaches
/// netlink must end in the module-not-loaded line.
final class CLITests: XCTestCase {
    struct Run: Equatable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var productsDirectory: URL {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent()
    }

    func dstctl(_ args: String...) throws -> Run { try dstctl(args) }

    func dstctl(_ args: [String]) throws -> Run {
        let binary = Self.productsDirectory.appendingPathComponent("dstctl")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw CLITestError.notBuilt(binary.path)
        }
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["COLUMNS"] = "80"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                   stderr: String(decoding: e, as: UTF8.self))
    }

    func assertFails(_ run: Run, _ stderr: String, status: Int32 = 1, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(run, Run(status: status, stdout: "", stderr: stderr + "\n"), file: file, line: line)
    }

    // MARK: errors that need no kernel

    static let noModule = "dstctl: the dst kernel module is not loaded (try: modprobe dst)"

    func testModuleNotLoaded() throws {
        try XCTSkipIf(FileManager.default.fileExists(atPath: "/sys/module/dst"), "the dst module is loaded here")
        assertFails(try dstctl(), Self.noModule)
        assertFails(try dstctl("status"), Self.noModule)
        assertFails(try dstctl("--json"), Self.noModule)
        assertFails(try dstctl("status", "--json"), Self.noModule)
        assertFails(try dstctl("remove-node", "dst0"), Self.noModule)
        assertFails(try dstctl("remove-node", "/dev/dst3"), Self.noModule)
        assertFails(try dstctl("unexport", "disk"), Self.noModule)
        assertFails(try dstctl("add-node", "--remote", "127.0.0.1:9", "--name", "dst1", "--csum", "none"), Self.noModule)
        assertFails(try dstctl("add-node", "--remote", "127.0.0.1:9", "--io-timeout", "-1", "--ping-interval", "0",
                               "--reconnect-delay", "0.01", "--reconnect-delay-max", "3600", "--give-up", "-1"), Self.noModule)
        assertFails(try dstctl("add-node", "--remote", "127.0.0.1:9", "--connections", "16"), Self.noModule)
        assertFails(try dstctl("add-node", "--remote", "127.0.0.1:9", "--connections=1"), Self.noModule)
        assertFails(try dstctl("remove-node", "--force", "dst0"), Self.noModule)
        assertFails(try dstctl("set-node", "dst0", "--io-timeout", "-1"), Self.noModule)
        assertFails(try dstctl("set-node", "/dev/dst2", "--give-up=60", "--reconnect-delay", "2"), Self.noModule)
        assertFails(try dstctl("monitor"), Self.noModule)
        assertFails(try dstctl("monitor", "--json"), Self.noModule)
    }

    /// Durations are checked before anything else, with one-line errors
    /// and exit 64.
    func testBadDurations() throws {
        let cases: [([String], String)] = [
            (["add-node", "--remote", "127.0.0.1", "--io-timeout", "0"],
             "dstctl: --io-timeout must be -1 or between 1 and 4294967 seconds"),
            (["add-node", "--remote", "127.0.0.1", "--io-timeout", "4294968"],
             "dstctl: --io-timeout must be -1 or between 1 and 4294967 seconds"),
            (["add-node", "--remote", "127.0.0.1", "--ping-interval", "3601"],
             "dstctl: --ping-interval must be 0 or between 0.1 and 3600 seconds"),
            (["add-node", "--remote", "127.0.0.1", "--ping-interval", "-1"],
             "dstctl: --ping-interval must be 0 or between 0.1 and 3600 seconds"),
            (["add-node", "--remote", "127.0.0.1", "--reconnect-delay", "0.001"],
             "dstctl: --reconnect-delay must be between 0.01 and 3600 seconds"),
            (["add-node", "--remote", "127.0.0.1", "--reconnect-delay-max", "7200"],
             "dstctl: --reconnect-delay-max must be between 0.01 and 3600 seconds"),
            (["add-node", "--remote", "127.0.0.1", "--give-up", "0.5"],
             "dstctl: --give-up must be -1 or between 1 and 4294967 seconds"),
            (["add-node", "--remote", "127.0.0.1", "--io-timeout", "30s"],
             "dstctl: invalid duration \"30s\" for --io-timeout: expected seconds with at most 3 decimals, e.g. 30 or 0.5"),
            (["add-node", "--remote", "127.0.0.1", "--reconnect-delay", "5", "--reconnect-delay-max", "1"],
             "dstctl: --reconnect-delay-max (1 s) must not be less than --reconnect-delay (5 s)"),
            (["set-node", "dst0", "--give-up", "-2"],
             "dstctl: --give-up must be -1 or between 1 and 4294967 seconds"),
            (["set-node", "dst0", "--ping-interval", "0.0001"],
             "dstctl: invalid duration \"0.0001\" for --ping-interval: expected seconds with at most 3 decimals, e.g. 30 or 0.5"),
            (["set-node", "dst0"],
             "dstctl: set-node needs at least one of --io-timeout, --ping-interval, --reconnect-delay, --reconnect-delay-max, --give-up"),
            (["set-node", "sda", "--io-timeout", "5"], "dstctl: invalid device name \"sda\": expected dstN"),
        ]
        for (args, message) in cases {
            let run = try dstctl(args)
            XCTAssertEqual(run, Run(status: 64, stdout: "", stderr: message + "\n"), args.joined(separator: " "))
        }
    }

    /// --connections is checked before anything else too.
    func testBadConnections() throws {
        for value in ["0", "17", "-1", "four", "", "2.5"] {
            let run = try dstctl("add-node", "--remote", "127.0.0.1", "--connections", value)
            XCTAssertEqual(run, Run(status: 64, stdout: "", stderr: "dstctl: --connections must be between 1 and 16\n"),
                           "--connections \(value)")
        }
        let missing = try dstctl("add-node", "--remote", "127.0.0.1", "--connections")
        XCTAssertEqual(missing.status, 64)
        XCTAssertTrue(missing.stderr.hasPrefix("Error: Missing value for '--connections <n>'\n"), missing.stderr)
    }

    func testBadAddress() throws {
        assertFails(try dstctl("add-node", "--remote", "1.2.3"),
                    "dstctl: invalid address \"1.2.3\": expected HOST:PORT or [IPv6]:PORT", status: 64)
        assertFails(try dstctl("add-node", "--remote", "[::1]:99999"),
                    "dstctl: invalid address \"[::1]:99999\": expected HOST:PORT or [IPv6]:PORT", status: 64)
        assertFails(try dstctl("export", "/dev/null", "--listen", "0.0.0.0:"),
                    "dstctl: invalid address \"0.0.0.0:\": expected HOST:PORT or [IPv6]:PORT", status: 64)
    }

    func testBackingPath() throws {
        assertFails(try dstctl("export", "/nonexistent/disk.img", "--listen", "127.0.0.1:1025"),
                    "dstctl: cannot open /nonexistent/disk.img: No such file or directory")
        assertFails(try dstctl("export", "/dev/null", "--listen", "127.0.0.1:1025", "--read-only"),
                    "dstctl: cannot export /dev/null: not a block device or regular file")
    }

    func testBadNames() throws {
        assertFails(try dstctl("export", "/dev/null", "--listen", "127.0.0.1", "--name", "a b"),
                    "dstctl: invalid export name \"a b\": expected 1 to 64 of A-Z a-z 0-9 . _ -", status: 64)
        assertFails(try dstctl("add-node", "--remote", "127.0.0.1", "--name", "sda"),
                    "dstctl: invalid device name \"sda\": expected dstN", status: 64)
        assertFails(try dstctl("add-node", "--remote", "127.0.0.1", "--name", "/dev/dst1"),
                    "dstctl: invalid device name \"/dev/dst1\": expected dstN", status: 64)
        assertFails(try dstctl("add-node", "--remote", "127.0.0.1", "--export", "no/slash"),
                    "dstctl: invalid export name \"no/slash\": expected 1 to 64 of A-Z a-z 0-9 . _ -", status: 64)
        assertFails(try dstctl("remove-node", "dst1024"),
                    "dstctl: invalid device name \"dst1024\": expected dstN", status: 64)
    }

    func testBadChecksum() throws {
        assertFails(try dstctl("add-node", "--remote", "127.0.0.1", "--csum", "md5"), """
            Error: The value 'md5' is invalid for '--csum <csum>'. Please provide one of 'crc32c' and 'none'.
            Help:  --csum <csum>  Checksum over frame headers and data.
            Usage: dstctl add-node --remote <addr:port> [--export <name>] [--name <dstN>] [--csum <csum>] [--connections <n>] [--io-timeout <seconds>] [--ping-interval <seconds>] [--reconnect-delay <seconds>] [--reconnect-delay-max <seconds>] [--give-up <seconds>]
              See 'dstctl add-node --help' for more information.
            """, status: 64)
    }

    func testMissingOption() throws {
        let run = try dstctl("add-node")
        XCTAssertEqual(run.status, 64)
        XCTAssertTrue(run.stderr.hasPrefix("Error: Missing expected argument '--remote <addr:port>'\n"), run.stderr)
    }

    func testVersion() throws {
        XCTAssertEqual(try dstctl("--version"), Run(status: 0, stdout: "0.1.0\n", stderr: ""))
    }

    // MARK: help texts

    func assertHelp(_ args: [String], _ text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let binary = Self.productsDirectory.appendingPathComponent("dstctl")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw CLITestError.notBuilt(binary.path) }
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["COLUMNS"] = "80"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, file: file, line: line)
        XCTAssertEqual(String(decoding: data, as: UTF8.self), text + "\n", file: file, line: line)
    }
}

enum CLITestError: Error {
    case notBuilt(String)
}
