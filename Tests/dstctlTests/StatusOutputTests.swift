// SPDX-License-Identifier: GPL-2.0-only OR MIT
import XCTest
@testable import DSTKit
@testable import dstctl

/// `dstctl status` rendering from kernel and sysfs data made up here.
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
        d.connections = 1
        d.inflight = 0
        d.lastError = ""
        return d
    }

    var sysfs: DSTSysfs.Device {
        var s = DSTSysfs.Device()
        s.numbers = ["reads": 3, "writes": 2, "read_bytes": 12288, "write_bytes": 8192, "errors": 0,
                     "csum_errors": 0, "reconnects": 1, "timeouts": 0, "epoch": 2, "io_timeout": 120]
        return s
    }

    var export: DSTExport {
        DSTExport(name: "disk", size: 16 << 20, logicalBs: 512, physicalBs: 4096, maxXfer: 1 << 20,
                  features: [.flush, .readOnly], uuid: uuid, listen: "192.0.2.1:1025",
                  backingPath: "/dev/ram0", clients: 1)
    }

    func testText() {
        let text = Dstctl.Status.text(devices: [(device, sysfs)], exports: [export], style: Style(enabled: false))
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
              connections: 1
              inflight: 0
              transfer: 3 reads (12.00 KiB), 2 writes (8.00 KiB)
              errors: 0 I/O, 0 checksum
              recovery: 1 reconnects, 0 timeouts
              io timeout: 120 s

            export: disk
              path: /dev/ram0
              listen: 192.0.2.1:1025
              size: 16.00 MiB (16777216 bytes)
              block size: 512 logical, 4096 physical
              features: flush, read-only
              read-only: yes
              clients: 1
              uuid: 01020304-0506-0708-090a-0b0c0d0e0f10

            """)
        XCTAssertEqual(Dstctl.Status.text(devices: [], exports: [], style: Style(enabled: true)), "")
        let coloured = Dstctl.Status.text(devices: [(device, nil)], exports: [], style: Style(enabled: true))
        XCTAssertTrue(coloured.contains("\u{1b}[32mdst0\u{1b}[0m"))
    }

    func testJSON() {
        var bare = DSTDevice(index: 3)
        bare.stateRaw = 9
        let json = Dstctl.Status.json(devices: [(device, sysfs), (bare, nil)], exports: [export]).rendered()
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
                  "connections": 1,
                  "inflight": 0,
                  "epoch": 2,
                  "io_timeout": 120,
                  "last_error": null,
                  "counters": {
                    "reads": 3,
                    "writes": 2,
                    "flushes": null,
                    "discards": null,
                    "write_zeroes": null,
                    "read_bytes": 12288,
                    "write_bytes": 8192,
                    "errors": 0,
                    "csum_errors": 0,
                    "protocol_errors": null,
                    "reconnects": 1,
                    "resends": null,
                    "timeouts": 0
                  }
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
                  "inflight": null,
                  "epoch": null,
                  "io_timeout": null,
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
                    "timeouts": null
                  }
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
                  "uuid": "01020304-0506-0708-090a-0b0c0d0e0f10"
                }
              ]
            }
            """)
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
