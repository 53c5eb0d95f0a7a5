// SPDX-License-Identifier: GPL-2.0-only OR MIT
import DSTKit
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

    func dstctl(_ args: [String]) throws -> Run { try run("dstctl", args) }

    /// Runs `program`, built next to this test bundle.
    func run(_ program: String, _ args: [String]) throws -> Run {
        let binary = Self.productsDirectory.appendingPathComponent(program)
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
        assertFails(try dstctl("status", "dst0"), Self.noModule)
        assertFails(try dstctl("status", "--export", "disk", "--dump"), Self.noModule)
        assertFails(try dstctl("add-device", "--remote", "127.0.0.1:9", "--name", "/dev/dst1"), Self.noModule)
        assertFails(try dstctl("remove-device", "dst0"), Self.noModule)
        assertFails(try dstctl("set-device", "dst0", "--ping-interval", "0"), Self.noModule)
        assertFails(try dstctl("monitor"), Self.noModule)
        assertFails(try dstctl("monitor", "--json"), Self.noModule)
    }

    /// Durations are checked before anything else, with one-line errors
    /// and exit 64: a value that is no number by ArgumentParser, a number
    /// out of range by validate().
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
             "dstctl: The value '30s' is invalid for '--io-timeout <seconds>'"),
            (["add-node", "--remote", "127.0.0.1", "--reconnect-delay", "5", "--reconnect-delay-max", "1"],
             "dstctl: --reconnect-delay-max (1 s) must not be less than --reconnect-delay (5 s)"),
            (["set-node", "dst0", "--give-up", "-2"],
             "dstctl: --give-up must be -1 or between 1 and 4294967 seconds"),
            (["set-node", "dst0", "--ping-interval", "0.0001"],
             "dstctl: The value '0.0001' is invalid for '--ping-interval <seconds>'"),
            (["set-device", "dst0"],
             "dstctl: set-device needs at least one of --io-timeout, --ping-interval, --reconnect-delay, --reconnect-delay-max, --give-up, --rekey-records"),
            (["set-node", "sda", "--io-timeout", "5"], "dstctl: The value 'sda' is invalid for '<dstN>'"),
        ]
        for (args, message) in cases {
            let run = try dstctl(args)
            XCTAssertEqual(run, Run(status: 64, stdout: "", stderr: message + "\n"), args.joined(separator: " "))
        }
    }

    /// --connections is checked before anything else too.
    func testBadConnections() throws {
        for value in ["0", "17"] {
            assertFails(try dstctl("add-node", "--remote", "127.0.0.1", "--connections", value),
                        "dstctl: --connections must be between 1 and 16", status: 64)
        }
        for value in ["four", "2.5"] {
            assertFails(try dstctl("add-device", "--remote", "127.0.0.1", "--connections", value),
                        "dstctl: The value '\(value)' is invalid for '--connections <n>'", status: 64)
        }
        for args in [["--connections"], ["--connections="], ["--connections", "-1"]] {
            assertFails(try dstctl(["add-node", "--remote", "127.0.0.1"] + args),
                        "dstctl: Missing value for '--connections <n>'", status: 64)
        }
    }

    func testBadAddress() throws {
        assertFails(try dstctl("add-node", "--remote", "1.2.3"),
                    "dstctl: The value '1.2.3' is invalid for '--remote <addr:port>': "
                        + "\"1.2.3\" is not an IPv4 address or a host name", status: 64)
        assertFails(try dstctl("add-node", "--remote", "[::1]:99999"),
                    "dstctl: The value '[::1]:99999' is invalid for '--remote <addr:port>': "
                        + "port \"99999\" is not a number from 1 to 65535", status: 64)
        assertFails(try dstctl("export", "/dev/null", "--listen", "0.0.0.0:"),
                    "dstctl: The value '0.0.0.0:' is invalid for '--listen <addr:port>': no port after ':'",
                    status: 64)
        assertFails(try dstctl("add-node", "--remote", "[fd00::1"),
                    "dstctl: The value '[fd00::1' is invalid for '--remote <addr:port>': "
                        + "missing ']' after the IPv6 address", status: 64)
        assertFails(try dstctl("export", "/dev/null", "--listen", "[fd00::g]:1025"),
                    "dstctl: The value '[fd00::g]:1025' is invalid for '--listen <addr:port>': "
                        + "\"fd00::g\" in brackets is not an IPv6 address", status: 64)
    }

    func testBackingPath() throws {
        assertFails(try dstctl("export", "/nonexistent/disk.img", "--listen", "127.0.0.1:1025"),
                    "dstctl: cannot open /nonexistent/disk.img: No such file or directory")
        assertFails(try dstctl("export", "/dev/null", "--listen", "127.0.0.1:1025", "--read-only"),
                    "dstctl: cannot export /dev/null: not a block device or regular file")
    }

    func testBadNames() throws {
        assertFails(try dstctl("export", "/dev/null", "--listen", "127.0.0.1", "--name", "a b"),
                    "dstctl: The value 'a b' is invalid for '--name <name>'", status: 64)
        assertFails(try dstctl("export", "/tmp/a b", "--listen", "127.0.0.1"),
                    "dstctl: \"a b\" is no export name: give --name, 1 to 64 of A-Z a-z 0-9 . _ -", status: 64)
        assertFails(try dstctl("add-node", "--remote", "127.0.0.1", "--name", "sda"),
                    "dstctl: The value 'sda' is invalid for '--name <dstN>'", status: 64)
        assertFails(try dstctl("add-node", "--remote", "127.0.0.1", "--export", "no/slash"),
                    "dstctl: The value 'no/slash' is invalid for '--export <name>'", status: 64)
        assertFails(try dstctl("remove-node", "dst1024"),
                    "dstctl: The value 'dst1024' is invalid for '<dstN>'", status: 64)
        assertFails(try dstctl("unexport", "a/b"), "dstctl: The value 'a/b' is invalid for '<name>'", status: 64)
        assertFails(try dstctl("status", "dst1", "--export", "disk"),
                    "dstctl: give a device or --export, not both", status: 64)
        assertFails(try dstctl("status", "--json", "--dump"), "dstctl: --json and --dump exclude each other",
                    status: 64)
    }

    func testBadChecksum() throws {
        assertFails(try dstctl("add-node", "--remote", "127.0.0.1", "--csum", "md5"),
                    "dstctl: The value 'md5' is invalid for '--csum <csum>'. Please provide one of 'crc32c' and 'none'.",
                    status: 64)
    }

    func testMissingOption() throws {
        assertFails(try dstctl("add-device"), "dstctl: Missing expected argument '--remote <addr:port>'", status: 64)
    }

    /// dstd's command line, on ArgumentParser as dstctl's.
    func testDstdArguments() throws {
        XCTAssertEqual(try run("dstd", ["--version"]), Run(status: 0, stdout: DSTVersion.string + "\n", stderr: ""))
        assertFails(try run("dstd", ["--bogus"]), "dstd: Unknown option '--bogus'. Did you mean '--log'?", status: 64)
        assertFails(try run("dstd", ["--log", ""]), "dstd: --log needs a file", status: 64)
        assertFails(try run("dstd", ["--log", "/tmp/x", "--syslog"]), "dstd: --log and --syslog exclude each other",
                    status: 64)
        let help = try run("dstd", ["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("USAGE: dstd [--foreground] [--log <file>] [--syslog] [--verbose]"), help.stdout)
    }

    func testVersion() throws {
        XCTAssertEqual(try dstctl("--version"), Run(status: 0, stdout: DSTVersion.string + "\n", stderr: ""))
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
