// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Foundation
import XCTest
@testable import DSTKit

/// The configuration file: every problem with its line, in one pass; and
/// the plan from the kernel's state to the file, without a kernel.
final class ConfigParseTests: XCTestCase {
    func problems(_ text: String) -> [String] {
        DSTConfig.parse(text).problems.map(\.description)
    }

    func config(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> DSTConfig {
        let (config, problems) = DSTConfig.parse(text)
        XCTAssertEqual(problems, [], file: file, line: line)
        return config
    }

    static let good = """
        # the server's side
        [Export db]
        Path = /dev/vdb
        Listen = 10.0.0.2:1025
        Allow = db1=/etc/dst/db1.key
        allowro = ro1=/etc/dst/ro1.key
        AllowFrom = 10.0.0.0/24
        AllowFrom = 10.1.0.0/16

        [device dst3]\r
          Remote = 10.0.0.2:1025
        Export = db
        IOTimeout = 60
        GiveUp = -1
        ReconnectDelay = 20
        Identity = db1
        Key = /etc/dst/db1.key
        Connections = 2
        RekeyRecords = 1000
        """

    func testGoodFile() {
        let c = config(Self.good)
        XCTAssertEqual(c.exports.count, 1)
        let e = c.exports[0]
        XCTAssertEqual(e.name, "db")
        XCTAssertEqual(e.line, 2)
        XCTAssertEqual(e.spec.path, "/dev/vdb")
        XCTAssertEqual(e.spec.listen?.description, "10.0.0.2:1025")
        XCTAssertEqual(e.spec.exportName, "db")
        XCTAssertEqual(e.spec.access.allow, [
            DSTAllowEntry(identity: "db1", keyPath: "/etc/dst/db1.key", readOnly: false),
            DSTAllowEntry(identity: "ro1", keyPath: "/etc/dst/ro1.key", readOnly: true),
        ])
        XCTAssertEqual(e.spec.allowFrom.map(\.description), ["10.0.0.0/24", "10.1.0.0/16"])
        XCTAssertTrue(e.spec.access.tlsRequired)
        XCTAssertEqual(e.line(of: .allowFrom), 7)

        XCTAssertEqual(c.devices.count, 1)
        let d = c.devices[0]
        XCTAssertEqual(d.name, "dst3")
        XCTAssertEqual(d.spec.index, 3)
        XCTAssertEqual(d.spec.export, "db")
        XCTAssertEqual(d.spec.connections, 2)
        XCTAssertEqual(d.spec.checksum, .none, "TLS: no checksum by default")
        XCTAssertEqual(d.spec.tls.rekeyRecords, 1000)
        // Given values, add-device's defaults for the rest; a first delay
        // above the default maximum raises it.
        XCTAssertEqual(d.spec.policy, DSTDevicePolicy(ioTimeout: DSTMillis(60_000), pingInterval: DSTMillis(5000),
                                                      reconnectDelay: DSTMillis(20_000),
                                                      reconnectDelayMax: DSTMillis(20_000),
                                                      reconnectGiveUp: .forever))
        XCTAssertEqual(d.spec.tls.deviceTLS(remote: d.spec.remote!, commonName: nil),
                       DSTDeviceTLS(identity: "db1", credentials: .psk(identity: "db1", keyPath: "/etc/dst/db1.key"),
                                    rekeyRecords: 1000))
    }

    /// The commented example in Tools/dist parses as it stands.
    func testExampleFile() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Tools/dist/dst.conf.example").standardized.path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let c = config(text)
        XCTAssertEqual(c.exports.map(\.name), ["db"])
        XCTAssertEqual(c.devices.map(\.name), ["dst0"])
    }

    func testEmptyFileIsNothing() {
        XCTAssertEqual(config(""), DSTConfig())
        XCTAssertEqual(config("# nothing\n\n   \n"), DSTConfig())
    }

    /// Bytes that are not text are refused line by line, never echoed;
    /// text parses as it does from a String, CRLF included.
    func testBytesThatAreNotText() {
        let good = Array("[Device dst0]\r\nRemote = 192.0.2.1:1025\r\n".utf8)
        XCTAssertEqual(DSTConfig.parse(good).problems, [])
        XCTAssertEqual(DSTConfig.parse(good).config, DSTConfig.parse("[Device dst0]\nRemote = 192.0.2.1:1025\n").config)
        let bad: [UInt8] = Array("[Device dst0]\nRemote = \u{1b}[31m\n".utf8) + [0xff, 0xfe, 0x0a] + Array("x\u{0}\n".utf8)
        XCTAssertEqual(DSTConfig.parse(bad).problems.map(\.description),
                       ["2: a control character", "3: not UTF-8 text", "4: a control character"])
    }

    /// A file too large to be a configuration is refused whole, not cut off
    /// (apply would remove what the rest names).
    func testTooLargeFileIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dst-big-\(getpid()).conf").path
        defer { unlink(path) }
        let line = "# " + String(repeating: "x", count: 1000) + "\n"
        try String(repeating: line, count: DSTConfig.maxBytes / line.utf8.count + 1)
            .write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try DSTConfig.load(path, checkFiles: false)) { error in
            XCTAssertEqual((error as? DSTConfig.Invalid)?.lines, ["\(path):1: the file is larger than 1048576 bytes"])
        }
    }

    func testEveryProblemWithItsLine() {
        let text = """
            Remote = 10.0.0.2
            [Export db]
            Path = /dev/vdb
            Colour = blue
            Listen = 10.0.0.2:1025
            Listen = 10.0.0.2:1026
            ReadOnly = maybe
            [Export db]
            Path = relative/file
            [Device dst0]
            Remote = 10.0.0.2:1025
            IOTimeout = 0
            PingInterval = soon
            Csum = md5
            Key = /etc/dst/k
            ReconnectDelay = 5
            ReconnectDelayMax = 2
            [Device /dev/dst1]
            Remote = 10.0.0.2:1025
            [Device dst2]
            IOTimeout =
            no equals sign
            [Gadget x]
            [Export bad/name]
            [Export x] trailing
            [Device dst2]
            Remote = nowhere:99999
            Connections = 17
            TLSCipher = rot13
            Cert = /etc/dst/c.pem
            """
        XCTAssertEqual(problems(text), [
            "1: Remote is outside a section: give [Export NAME] or [Device dstN] first",
            "4: unknown key \"Colour\" in [Export db]",
            "6: duplicate key Listen, first on line 5",
            "7: ReadOnly: \"maybe\" is not yes or no",
            "8: duplicate section [Export db], first on line 2",
            "12: IOTimeout must be -1 or between 1 and 4294967 seconds",
            "13: PingInterval: \"soon\" is not a number of seconds",
            "14: Csum: \"md5\" is not one of crc32c, none",
            "15: Key needs Identity",
            "17: ReconnectDelayMax (2 s) must not be less than ReconnectDelay (5 s)",
            "18: invalid device name \"/dev/dst1\": expected dstN, N from 0 to 1023",
            "20: [Device dst2] needs Remote",
            "21: IOTimeout has no value",
            "22: expected Key = Value, [Export NAME] or [Device dstN]",
            "23: unknown section [Gadget x]: expected [Export NAME] or [Device dstN]",
            "24: invalid export name \"bad/name\": expected 1 to 64 of A-Z a-z 0-9 . _ -",
            "25: [Export x] trailing is no section header: expected [Export NAME] or [Device dstN]",
            "26: duplicate section [Device dst2], first on line 20",
        ])
        // A section after a broken one is read again.
        XCTAssertEqual(problems("""
            [Device dst0]
            Remote = nowhere:99999
            Connections = 17
            TLSCipher = rot13
            Cert = /etc/dst/c.pem
            Name = dst1
            """), [
            "2: Remote: invalid address \"nowhere:99999\": port \"99999\" is not a number from 1 to 65535",
            "3: Connections must be between 1 and 16",
            "4: TLSCipher: \"rot13\" is not one of any, aes-128-gcm, chacha20-poly1305",
            "5: Cert needs CertKey and CA",
            "6: unknown key \"Name\" in [Device dst0]",
        ])
    }

    func testExportProblems() {
        XCTAssertEqual(problems("""
            [Export db]
            Path = /dev/vdb
            Listen = 10.0.0.2:1025
            Allow = db1=/etc/dst/db1.key
            AllowSubject = CN=client
            UUID = 00000000-0000-0000-0000-000000000000
            Allow = nokey
            AllowFrom = 10.0.0.0/33
            CertKey = /etc/dst/server.key
            """), [
            "5: give PSK identities or certificate subjects, not both",
            "5: AllowSubject and Cert go together",
            "6: UUID must not be all zeroes",
            "7: Allow: \"nokey\" is not IDENTITY=KEYFILE, KEYFILE an absolute path",
            "8: AllowFrom: \"10.0.0.0/33\" is not an address or prefix",
            "9: Cert, CertKey and CA go together",
        ])
        XCTAssertEqual(problems("[Export db]\nPath = /dev/vdb\n"), ["1: [Export db] needs Listen"])
        XCTAssertEqual(problems("[Export db]\nPath = relative/file\nListen = 10.0.0.2\n"),
                       ["2: Path: \"relative/file\" is not an absolute path"])
    }

    func testInvalidRendersPathAndLine() {
        let invalid = DSTConfig.Invalid(path: "/etc/dst/dst.conf", problems: DSTConfig.parse("x = 1").problems)
        XCTAssertEqual(invalid.lines,
                       ["/etc/dst/dst.conf:1: x is outside a section: give [Export NAME] or [Device dstN] first"])
    }
}

final class ConfigPlanTests: XCTestCase {
    let context = DSTConfigPlan.Context(backingPaths: ["db": "/dev/vdb"], defaultConnections: 2)

    func config(_ text: String) -> DSTConfig {
        let (config, problems) = DSTConfig.parse(text)
        XCTAssertEqual(problems, [])
        return config
    }

    static let file = """
        [Export db]
        Path = /dev/vdb
        Listen = 10.0.0.2:1025
        AllowFrom = 10.0.0.0/24

        [Device dst0]
        Remote = 10.0.0.2:1025
        Export = db
        """

    /// What the kernel reports after `file` was applied.
    static func runningDevice(index: UInt32 = 0) -> DSTDevice {
        var d = DSTDevice(index: index)
        d.remote = "10.0.0.2:1025"
        d.exportName = "db"
        d.csum = .crc32c
        d.connCount = 2
        d.policy = .defaults
        return d
    }

    static func runningExport() -> DSTExport {
        var e = DSTExport(name: "db", size: 1 << 20, listen: "10.0.0.2:1025", backingPath: "/dev/vdb")
        e.access.from = [DSTCIDR(parsing: "10.0.0.0/24")!]
        return e
    }

    func plan(_ text: String, devices: [DSTDevice], exports: [DSTExport]) -> [String] {
        DSTConfigPlan(config: config(text), devices: devices, exports: exports, context: context).lines
    }

    func testFromNothing() {
        XCTAssertEqual(plan(Self.file, devices: [], exports: []), [
            "export db: added (/dev/vdb on 10.0.0.2:1025)",
            "dst0: added (10.0.0.2:1025 export db)",
        ])
    }

    func testNoChanges() {
        let p = DSTConfigPlan(config: config(Self.file), devices: [Self.runningDevice()],
                              exports: [Self.runningExport()], context: context)
        XCTAssertTrue(p.isEmpty, "\(p.lines)")
    }

    func testTimeoutChangedInPlace() {
        let text = Self.file + "\nIOTimeout = 60\nPingInterval = 0\n"
        let p = DSTConfigPlan(config: config(text), devices: [Self.runningDevice()],
                              exports: [Self.runningExport()], context: context)
        XCTAssertEqual(p.actions, [.setDevice(0, policy: DSTDevicePolicy(ioTimeout: DSTMillis(60_000),
                                                                          pingInterval: DSTMillis(0)),
                                              rekeyRecords: nil,
                                              changes: ["io-timeout 30s -> 60s", "ping-interval 5s -> off"])])
        XCTAssertEqual(p.lines, ["dst0: io-timeout 30s -> 60s", "dst0: ping-interval 5s -> off"])
        // Back to the default when the key goes.
        var longer = Self.runningDevice()
        longer.policy.reconnectGiveUp = DSTMillis(600_000)
        XCTAssertEqual(plan(Self.file, devices: [longer], exports: [Self.runningExport()]),
                       ["dst0: give-up 600s -> forever"])
    }

    func testRemovalsFirst() {
        XCTAssertEqual(plan(Self.file + "\n[Device dst2]\nRemote = 10.0.0.3\n",
                            devices: [Self.runningDevice(), Self.runningDevice(index: 1)],
                            exports: [Self.runningExport(), DSTExport(name: "old", size: 1, listen: "10.0.0.2:1025")]), [
            "dst1: removed",
            "export old: removed",
            "dst2: added (10.0.0.3:1025)",
        ])
        XCTAssertEqual(plan("", devices: [Self.runningDevice()], exports: [Self.runningExport()]),
                       ["dst0: removed", "export db: removed"])
    }

    func testRecreated() {
        let text = Self.file.replacingOccurrences(of: "Remote = 10.0.0.2:1025", with: "Remote = 10.0.0.2:1026")
            + "\nConnections = 4\nIOTimeout = 60\n"
        let p = DSTConfigPlan(config: config(text), devices: [Self.runningDevice()],
                              exports: [Self.runningExport()], context: context)
        guard case let .recreateDevice(device, changes)? = p.actions.first else {
            return XCTFail("\(p.actions)")
        }
        XCTAssertEqual(device.index, 0)
        XCTAssertEqual(changes, ["remote 10.0.0.2:1025 -> 10.0.0.2:1026", "connections 2 -> 4"])
        XCTAssertEqual(p.lines, ["dst0: re-created (remote 10.0.0.2:1025 -> 10.0.0.2:1026, connections 2 -> 4)"])

        let export = Self.file.replacingOccurrences(of: "Listen = 10.0.0.2:1025", with: "Listen = 10.0.0.2:1026\nReadOnly = yes")
        XCTAssertEqual(plan(export, devices: [Self.runningDevice()], exports: [Self.runningExport()]),
                       ["export db: re-created (listen 10.0.0.2:1025 -> 10.0.0.2:1026, read-only no -> yes)"])
        // A plaintext device given a key.
        XCTAssertEqual(plan(Self.file + "\nIdentity = c1\nKey = /etc/dst/c1.key\nCsum = crc32c\n",
                            devices: [Self.runningDevice()], exports: [Self.runningExport()]),
                       ["dst0: re-created (tls plaintext -> psk c1 (/etc/dst/c1.key))"])
    }

    func testAccessChangedInPlace() {
        let text = Self.file.replacingOccurrences(of: "AllowFrom = 10.0.0.0/24", with: "AllowFrom = 10.0.1.0/24")
        let p = DSTConfigPlan(config: config(text), devices: [Self.runningDevice()],
                              exports: [Self.runningExport()], context: context)
        XCTAssertEqual(p.lines, ["export db: allow-from 10.0.0.0/24 removed", "export db: allow-from 10.0.1.0/24 added"])
        guard case let .setExport("db", access, _)? = p.actions.first else { return XCTFail("\(p.actions)") }
        XCTAssertEqual(access.from.map(\.description), ["10.0.1.0/24"])

        var tls = Self.runningExport()
        tls.access.tlsRequired = true
        tls.access.allow = [DSTAllowEntry(identity: "a", keyPath: "/k/a", readOnly: false)]
        let withAllow = Self.file.replacingOccurrences(of: "AllowFrom = 10.0.0.0/24",
                                                 with: "AllowFrom = 10.0.0.0/24\nAllowRO = a=/k/a\nAllow = b=/k/b")
        XCTAssertEqual(plan(withAllow, devices: [Self.runningDevice()], exports: [tls]), [
            "export db: allow a (/k/a) removed",
            "export db: allow b (/k/b) added",
            "export db: allow-ro a (/k/a) added",
        ])
    }
}
