// SPDX-License-Identifier: GPL-2.0-only OR MIT
import XCTest
@testable import DSTKit
@testable import dstctl

/// `dstctl status` rendering from kernel data made up here.
final class StatusOutputTests: XCTestCase {
    let uuid = DSTUUID(bytes: Array(1...16))!

    var device: DSTDevice {
        var d = DSTDevice(index: 0)
        d.state = .connected
        d.stateRaw = 1
        d.size = 16 << 20
        d.logicalBs = 512
        d.physicalBs = 4096
        d.maxXfer = 1 << 20
        d.features = [.flush, .fua]
        d.csum = .crc32c
        d.uuid = uuid
        d.exportName = "disk"
        d.remote = "192.0.2.1:1025"
        d.connections = 2
        d.connCount = 2
        d.inflight = 0
        d.lastError = ""
        d.session = DSTSession(bytes: Array(0xa0...0xaf))
        d.generation = 2
        d.policy = .defaults
        d.downTime = 0
        d.epoch = 2
        d.counters = DSTDeviceCounters(values: [3, 2, 1, 0, 0, 12288, 8192, 0, 0, 0, 1, 4, 0])
        return d
    }

    /// Down for a while, with every timeout at its other extreme.
    var downDevice: DSTDevice {
        var d = device
        d.index = 1
        d.state = .reconnecting
        d.stateRaw = 3
        d.connections = 0
        d.generation = 7
        d.downTime = 65_432
        d.policy = DSTDevicePolicy(ioTimeout: .forever, pingInterval: DSTMillis(0), reconnectDelay: DSTMillis(250),
                                   reconnectDelayMax: DSTMillis(2500), reconnectGiveUp: DSTMillis(600_000))
        d.lastError = "cannot connect to 192.0.2.1:1025: Connection refused"
        return d
    }

    var export: DSTExport {
        DSTExport(name: "disk", size: 16 << 20, logicalBs: 512, physicalBs: 4096, maxXfer: 1 << 20,
                  features: [.flush, .readOnly], uuid: uuid, listen: "192.0.2.1:1025",
                  backingPath: "/dev/ram0", clients: 1)
    }

    func testText() {
        let text = StatusReport(devices: [device], exports: [export]).text(style: Style(enabled: false))
        XCTAssertEqual(text, """
            device: dst0
              state: connected
              remote: 192.0.2.1:1025
              export: disk
              uuid: 01020304-0506-0708-090a-0b0c0d0e0f10
              size: 16.00 MiB (16777216 bytes)
              block size: 512 logical, 4096 physical
              max transfer: 1.00 MiB
              features: flush, fua
              checksum: crc32c
              connections: 2 of 2
              generation: 2
              inflight: 0
              transfer: 3 reads (12.00 KiB), 2 writes (8.00 KiB)
              errors: 0 I/O, 0 checksum, 0 protocol
              recovery: 1 reconnects, 4 resends, 0 timeouts
              io timeout: 30 s
              ping interval: 5 s
              reconnect: delay 0.5 s to 10 s, give up never

            export: disk
              path: /dev/ram0
              listen: 192.0.2.1:1025
              size: 16.00 MiB (16777216 bytes)
              block size: 512 logical, 4096 physical
              features: flush, read-only
              read-only: yes
              clients: 1
              uuid: 01020304-0506-0708-090a-0b0c0d0e0f10
              security: insecure: plaintext, anyone who reaches it

            """)
        XCTAssertEqual(StatusReport(devices: [], exports: []).text(style: Style(enabled: true)), "")
        let coloured = StatusReport(devices: [device], exports: []).text(style: Style(enabled: true))
        XCTAssertTrue(coloured.contains("\u{1b}[32mdst0\u{1b}[0m"))
    }

    /// A TLS device and export: protection and identities, never a secret.
    func testTLS() {
        var d = device
        d.identity = "alice"
        d.rekeyRecords = 4096
        d.counters = DSTDeviceCounters(values: [3, 2, 1, 0, 0, 12288, 8192, 0, 0, 0, 1, 4, 0, 2, 1])
        d.connectionInfo = [DSTConnectionInfo(slot: 0, generation: 2, protection: .tls13(.aes128GCM),
                                              records: 17)]
        var e = export
        e.access = DSTAccess(tlsRequired: true, allow: [DSTAllowEntry(identity: "bob", keyPath: "/etc/dst/bob.key", readOnly: true)])
        e.connectionInfo = [DSTConnectionInfo(peer: "192.0.2.2:40000", identity: "bob",
                                              protection: .tls13(.aes128GCM), readOnly: true)]
        let text = StatusReport(devices: [d], exports: [e]).text(style: Style(enabled: false))
        XCTAssertTrue(text.contains("\n  protection: tls1.3-aes-128-gcm as alice\n"), text)
        XCTAssertTrue(text.contains("\n  allows: bob (read-only)\n"), text)
        XCTAssertTrue(text.contains("\n  client: 192.0.2.2:40000 as bob, tls1.3-aes-128-gcm, read-only\n"), text)
        let json = StatusReport(devices: [d], exports: [e]).json.rendered()
        XCTAssertTrue(json.contains("\"protection\": \"tls1.3-aes-128-gcm\""), json)
        XCTAssertTrue(json.contains("\"rekeys\": 2"), json)
        XCTAssertTrue(json.contains("\"tls_errors\": 1"), json)
        XCTAssertFalse(json.contains("insecure"), json)
        let dump = StatusReport(devices: [d], exports: [e]).dump.split(separator: "\n").map { $0.split(separator: "\t",
            omittingEmptySubsequences: false) }
        let plain = StatusReport(devices: [device], exports: [export]).dump.split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false) }
        XCTAssertEqual(dump.map(\.first), ["device", "conn", "export", "allow", "client"])
        XCTAssertEqual(dump[0].count, plain[0].count, "a device line has the same columns with connections")
        XCTAssertEqual(dump[2].count, plain[1].count, "an export line has the same columns with identities")
        XCTAssertEqual(dump[3].joined(separator: "\t"), "allow\tdisk\tbob\t/etc/dst/bob.key\tyes")
    }

    func testTextWhileDown() {
        var d = downDevice
        d.counters = nil
        let text = StatusReport(devices: [d], exports: []).text(style: Style(enabled: false))
        XCTAssertEqual(text, """
            device: dst1
              state: reconnecting
              down for: 1 min 5 s
              remote: 192.0.2.1:1025
              export: disk
              uuid: 01020304-0506-0708-090a-0b0c0d0e0f10
              size: 16.00 MiB (16777216 bytes)
              block size: 512 logical, 4096 physical
              max transfer: 1.00 MiB
              features: flush, fua
              checksum: crc32c
              connections: 0 of 2
              generation: 7
              inflight: 0
              io timeout: forever
              ping interval: off
              reconnect: delay 0.25 s to 2.5 s, give up after 600 s
              last error: cannot connect to 192.0.2.1:1025: Connection refused

            """)
    }

    /// What the kernel leaves out is left out.
    func testTextWithoutPolicy() {
        var d = device
        d.policy = DSTDevicePolicy()
        d.generation = nil
        d.connCount = nil
        d.counters = nil
        let text = StatusReport(devices: [d], exports: []).text(style: Style(enabled: false))
        XCTAssertTrue(text.contains("\n  connections: 2\n"), text)
        XCTAssertFalse(text.contains("timeout"))
        XCTAssertFalse(text.contains("ping interval"))
        XCTAssertFalse(text.contains("reconnect"))
        XCTAssertFalse(text.contains("generation"))
        XCTAssertFalse(text.contains("\n  transfer:"))
        XCTAssertFalse(text.contains("recovery"))
        XCTAssertEqual(connectionsText(live: nil, wanted: 4), nil)
        XCTAssertEqual(connectionsText(live: 3, wanted: nil), "3")
    }

    func testAddDeviceShortWarning() {
        XCTAssertEqual(Dstctl.AddDevice.shortWarning(device: "dst0", failure: DSTAttach.Failure(
            number: 3, reason: "cannot connect to 192.0.2.1:1025: Connection refused"), wanted: 4),
                       "dst0: connection 3 of 4 failed: cannot connect to 192.0.2.1:1025: Connection refused;"
                       + " dstd will open all 4 again")
    }

    func testDurations() {
        XCTAssertEqual(humanDuration(0), "0.0 s")
        XCTAssertEqual(humanDuration(12_345), "12.3 s")
        XCTAssertEqual(humanDuration(59_999), "59.9 s")
        XCTAssertEqual(humanDuration(60_000), "1 min 0 s")
        XCTAssertEqual(humanDuration(3_599_999), "59 min 59 s")
        XCTAssertEqual(humanDuration(7_500_000), "2 h 5 min")
        XCTAssertEqual(humanDuration(3 * 86_400_000 + 4 * 3_600_000), "3 d 4 h")
        XCTAssertEqual(reconnectText(DSTDevicePolicy()), nil)
        XCTAssertEqual(reconnectText(DSTDevicePolicy(reconnectGiveUp: DSTMillis(1500))), "give up after 1.5 s")
    }

    func testJSONWhileDown() {
        var d = downDevice
        d.epoch = nil
        let json = StatusReport(devices: [d], exports: []).json.rendered()
        XCTAssertTrue(json.contains("""
                  "epoch": null,
                  "identity": null,
                  "protection": null,
                  "rekey_records": null,
                  "rekey_due": false,
                  "io_timeout": -1,
                  "ping_interval": 0,
                  "reconnect_delay": 0.25,
                  "reconnect_delay_max": 2.5,
                  "reconnect_give_up": 600,
                  "session": "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
                  "generation": 7,
                  "down_time": 65.432,
                  "last_error": "cannot connect to 192.0.2.1:1025: Connection refused",
            """), json)
    }

    func testJSON() {
        var bare = DSTDevice(index: 3)
        bare.stateRaw = 9
        let json = StatusReport(devices: [device, bare], exports: [export]).json.rendered()
        XCTAssertEqual(json, """
            {
              "devices": [
                {
                  "name": "dst0",
                  "index": 0,
                  "state": "connected",
                  "remote": "192.0.2.1:1025",
                  "export": "disk",
                  "uuid": "01020304-0506-0708-090a-0b0c0d0e0f10",
                  "size": 16777216,
                  "logical_block_size": 512,
                  "physical_block_size": 4096,
                  "max_transfer": 1048576,
                  "features": [
                    "flush",
                    "fua"
                  ],
                  "checksum": "crc32c",
                  "connections": 2,
                  "conn_count": 2,
                  "inflight": 0,
                  "epoch": 2,
                  "identity": null,
                  "protection": null,
                  "rekey_records": null,
                  "rekey_due": false,
                  "io_timeout": 30,
                  "ping_interval": 5,
                  "reconnect_delay": 0.5,
                  "reconnect_delay_max": 10,
                  "reconnect_give_up": -1,
                  "session": "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
                  "generation": 2,
                  "down_time": 0,
                  "last_error": null,
                  "counters": {
                    "reads": 3,
                    "writes": 2,
                    "flushes": 1,
                    "discards": 0,
                    "write_zeroes": 0,
                    "read_bytes": 12288,
                    "write_bytes": 8192,
                    "errors": 0,
                    "csum_errors": 0,
                    "protocol_errors": 0,
                    "reconnects": 1,
                    "resends": 4,
                    "timeouts": 0,
                    "rekeys": null,
                    "tls_errors": null
                  },
                  "conns": []
                },
                {
                  "name": "dst3",
                  "index": 3,
                  "state": "unknown(9)",
                  "remote": null,
                  "export": null,
                  "uuid": null,
                  "size": null,
                  "logical_block_size": null,
                  "physical_block_size": null,
                  "max_transfer": null,
                  "features": [],
                  "checksum": null,
                  "connections": null,
                  "conn_count": null,
                  "inflight": null,
                  "epoch": null,
                  "identity": null,
                  "protection": null,
                  "rekey_records": null,
                  "rekey_due": false,
                  "io_timeout": null,
                  "ping_interval": null,
                  "reconnect_delay": null,
                  "reconnect_delay_max": null,
                  "reconnect_give_up": null,
                  "session": null,
                  "generation": null,
                  "down_time": null,
                  "last_error": null,
                  "counters": {
                    "reads": null,
                    "writes": null,
                    "flushes": null,
                    "discards": null,
                    "write_zeroes": null,
                    "read_bytes": null,
                    "write_bytes": null,
                    "errors": null,
                    "csum_errors": null,
                    "protocol_errors": null,
                    "reconnects": null,
                    "resends": null,
                    "timeouts": null,
                    "rekeys": null,
                    "tls_errors": null
                  },
                  "conns": []
                }
              ],
              "exports": [
                {
                  "name": "disk",
                  "path": "/dev/ram0",
                  "listen": "192.0.2.1:1025",
                  "size": 16777216,
                  "logical_block_size": 512,
                  "physical_block_size": 4096,
                  "max_transfer": 1048576,
                  "features": [
                    "flush",
                    "read-only"
                  ],
                  "read_only": true,
                  "clients": 1,
                  "state": "ready",
                  "data_bytes": null,
                  "uuid": "01020304-0506-0708-090a-0b0c0d0e0f10",
                  "security": "insecure",
                  "allow_from": [],
                  "allow": [],
                  "conns": []
                }
              ]
            }
            """)
    }

    /// One line per object, the JSON keys' values in order, counters spread.
    func testDump() {
        var bare = DSTDevice(index: 3)
        bare.stateRaw = 9
        bare.lastError = "two\tparts\nand lines"
        let dump = StatusReport(devices: [device, bare], exports: [export]).dump
        XCTAssertEqual(dump.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), [
            "device\tdst0\t0\tconnected\t192.0.2.1:1025\tdisk\t01020304-0506-0708-090a-0b0c0d0e0f10\t16777216\t512"
                + "\t4096\t1048576\tflush,fua\tcrc32c\t2\t2\t0\t2\t-\t-\t-\tno\t30\t5\t0.5\t10\t-1"
                + "\ta0a1a2a3a4a5a6a7a8a9aaabacadaeaf\t2\t0\t-\t3\t2\t1\t0\t0\t12288\t8192\t0\t0\t0\t1\t4\t0\t-\t-",
            "device\tdst3\t3\tunknown(9)\t-\t-\t-\t-\t-\t-\t-\tnone\t-\t-\t-\t-\t-\t-\t-\t-\tno\t-\t-\t-\t-\t-"
                + "\t-\t-\t-\ttwo parts and lines" + String(repeating: "\t-", count: 15),
            "export\tdisk\t/dev/ram0\t192.0.2.1:1025\t16777216\t512\t4096\t1048576\tflush,read-only\tyes\t1"
                + "\tready\t-\t01020304-0506-0708-090a-0b0c0d0e0f10\tinsecure\tnone",
            "",
        ])
    }

    func testJSONEscaping() {
        XCTAssertEqual(JSON.quote("a\"b\\c\nd\u{1}é"), "\"a\\\"b\\\\c\\nd\\u0001é\"")
    }

    func testHumanBytes() {
        XCTAssertEqual(humanBytes(0), "0 B")
        XCTAssertEqual(humanBytes(1023), "1023 B")
        XCTAssertEqual(humanBytes(1536), "1.50 KiB")
        XCTAssertEqual(humanBytes(1 << 30), "1.00 GiB")
        XCTAssertEqual(humanBytes(UInt64.max), "16.00 EiB")
    }
}
