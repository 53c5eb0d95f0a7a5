// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc
import XCTest
@testable import DSTKit
@testable import dstctl

/// `dstctl status --prometheus` rendering from kernel data made up here.
final class PrometheusOutputTests: XCTestCase {
    /// Two connections, one of which answered PINGs, an odd remote to escape.
    var device: DSTDevice {
        var d = DSTDevice(index: 0)
        d.state = .connected
        d.stateRaw = 1
        d.size = 16 << 20
        d.exportName = "disk"
        d.remote = "192.0.2.1:1025"
        d.connections = 2
        d.connCount = 2
        d.inflight = 3
        d.policy = .defaults
        d.downTime = 0
        d.counters = DSTDeviceCounters(values: [3, 2, 1, 0, 5, 12288, 8192, 0, 1, 0, 1, 4, 0, 0, 0])
        d.connectionInfo = [
            DSTConnectionInfo(slot: 0, generation: 2, peer: "192.0.2.1:1025", records: 0, pings: 7,
                              pingRTT: 250, pingSRTT: 1_000_125),
            DSTConnectionInfo(slot: 1, generation: 2, peer: "192.0.2.1:1025", records: 0, pings: 0),
        ]
        return d
    }

    /// A state newer than us, an export name with every character to escape.
    var oddDevice: DSTDevice {
        var d = DSTDevice(index: 3)
        d.stateRaw = 9
        d.exportName = "a\"b\\c\nd"
        d.policy = DSTDevicePolicy(ioTimeout: .forever)
        return d
    }

    var export: DSTExport {
        var e = DSTExport(name: "disk", size: 16 << 20, listen: "192.0.2.1:1025", clients: 1, dataBytes: 4096)
        e.connectionInfo = [DSTConnectionInfo(peer: "192.0.2.2:40112", identity: "alice",
                                              protection: .tls13(.aes128GCM), records: 42)]
        return e
    }

    func testPage() {
        let text = StatusReport(devices: [device, oddDevice], exports: [export]).prometheus
        let dst0 = #"device="dst0",export="disk",remote="192.0.2.1:1025""#
        let dst3 = #"device="dst3",export="a\"b\\c\nd",remote="""#
        let c0 = #"device="dst0",slot="0",generation="2",peer="192.0.2.1:1025""#
        let c1 = #"device="dst0",slot="1",generation="2",peer="192.0.2.1:1025""#
        let ex = #"export="disk",listen="192.0.2.1:1025""#
        XCTAssertEqual(text, """
            # HELP dst_device_state 1 for the device's state (connected, disconnected, reconnecting, failed, removed), else 0.
            # TYPE dst_device_state gauge
            dst_device_state{\(dst0),state="connected"} 1
            dst_device_state{\(dst0),state="disconnected"} 0
            dst_device_state{\(dst0),state="reconnecting"} 0
            dst_device_state{\(dst0),state="failed"} 0
            dst_device_state{\(dst0),state="removed"} 0
            dst_device_state{\(dst3),state="connected"} 0
            dst_device_state{\(dst3),state="disconnected"} 0
            dst_device_state{\(dst3),state="reconnecting"} 0
            dst_device_state{\(dst3),state="failed"} 0
            dst_device_state{\(dst3),state="removed"} 0
            dst_device_state{\(dst3),state="unknown(9)"} 1
            # HELP dst_device_size_bytes Size of the device.
            # TYPE dst_device_size_bytes gauge
            dst_device_size_bytes{\(dst0)} 16777216
            # HELP dst_device_connections Live connections.
            # TYPE dst_device_connections gauge
            dst_device_connections{\(dst0)} 2
            # HELP dst_device_connections_wanted Connections the device is meant to have.
            # TYPE dst_device_connections_wanted gauge
            dst_device_connections_wanted{\(dst0)} 2
            # HELP dst_device_inflight I/Os submitted and not completed yet.
            # TYPE dst_device_inflight gauge
            dst_device_inflight{\(dst0)} 3
            # HELP dst_device_io_timeout_seconds How long an I/O may take before it fails; +Inf: never.
            # TYPE dst_device_io_timeout_seconds gauge
            dst_device_io_timeout_seconds{\(dst0)} 30
            dst_device_io_timeout_seconds{\(dst3)} +Inf
            # HELP dst_device_down_seconds Time since the device lost its last connection; 0 while connected.
            # TYPE dst_device_down_seconds gauge
            dst_device_down_seconds{\(dst0)} 0
            # HELP dst_device_ios_total I/Os completed without error, by operation.
            # TYPE dst_device_ios_total counter
            dst_device_ios_total{\(dst0),op="read"} 3
            dst_device_ios_total{\(dst0),op="write"} 2
            dst_device_ios_total{\(dst0),op="flush"} 1
            dst_device_ios_total{\(dst0),op="discard"} 0
            dst_device_ios_total{\(dst0),op="write_zeroes"} 5
            # HELP dst_device_bytes_total Bytes of the reads and writes completed without error.
            # TYPE dst_device_bytes_total counter
            dst_device_bytes_total{\(dst0),op="read"} 12288
            dst_device_bytes_total{\(dst0),op="write"} 8192
            # HELP dst_device_errors_total I/Os completed with an error.
            # TYPE dst_device_errors_total counter
            dst_device_errors_total{\(dst0)} 0
            # HELP dst_device_checksum_errors_total Replies whose header or data checksum did not match, and writes the server found corrupted.
            # TYPE dst_device_checksum_errors_total counter
            dst_device_checksum_errors_total{\(dst0)} 1
            # HELP dst_device_protocol_errors_total Malformed or unexpected replies.
            # TYPE dst_device_protocol_errors_total counter
            dst_device_protocol_errors_total{\(dst0)} 0
            # HELP dst_device_reconnects_total Connection generations handed in after the first.
            # TYPE dst_device_reconnects_total counter
            dst_device_reconnects_total{\(dst0)} 1
            # HELP dst_device_resends_total I/Os put on a connection again after one was lost.
            # TYPE dst_device_resends_total counter
            dst_device_resends_total{\(dst0)} 4
            # HELP dst_device_timeouts_total I/Os failed because they reached the I/O timeout.
            # TYPE dst_device_timeouts_total counter
            dst_device_timeouts_total{\(dst0)} 0
            # HELP dst_device_rekeys_total Connections replaced because their TLS keys carried enough records.
            # TYPE dst_device_rekeys_total counter
            dst_device_rekeys_total{\(dst0)} 0
            # HELP dst_device_tls_errors_total TLS records that failed authentication, and TLS control records from the server.
            # TYPE dst_device_tls_errors_total counter
            dst_device_tls_errors_total{\(dst0)} 0
            # HELP dst_connection_pings_total PINGs answered; a PING goes out only on a connection silent for the device's ping interval.
            # TYPE dst_connection_pings_total counter
            dst_connection_pings_total{\(c0)} 7
            dst_connection_pings_total{\(c1)} 0
            # HELP dst_connection_ping_rtt_seconds Round trip of the last PING answered.
            # TYPE dst_connection_ping_rtt_seconds gauge
            dst_connection_ping_rtt_seconds{\(c0)} 0.00025
            # HELP dst_connection_ping_srtt_seconds Smoothed PING round trip (7/8 the last value, 1/8 the new sample, as TCP's srtt).
            # TYPE dst_connection_ping_srtt_seconds gauge
            dst_connection_ping_srtt_seconds{\(c0)} 1.000125
            # HELP dst_export_state 1 for the export's state (probing, ready, removing), else 0.
            # TYPE dst_export_state gauge
            dst_export_state{\(ex),state="probing"} 0
            dst_export_state{\(ex),state="ready"} 1
            dst_export_state{\(ex),state="removing"} 0
            # HELP dst_export_size_bytes Size of the export.
            # TYPE dst_export_size_bytes gauge
            dst_export_size_bytes{\(ex)} 16777216
            # HELP dst_export_clients Client connections of the export.
            # TYPE dst_export_clients gauge
            dst_export_clients{\(ex)} 1
            # HELP dst_export_data_bytes Bytes of request data the export's connections hold.
            # TYPE dst_export_data_bytes gauge
            dst_export_data_bytes{\(ex)} 4096
            # HELP dst_export_client_tls_records_total TLS records a client connection carried.
            # TYPE dst_export_client_tls_records_total counter
            dst_export_client_tls_records_total{export="disk",peer="192.0.2.2:40112",identity="alice"} 42

            """)
    }

    func testNothing() {
        XCTAssertEqual(StatusReport(devices: [], exports: []).prometheus, "")
    }

    func testEscaping() {
        XCTAssertEqual(PrometheusText.escapeLabel("a\"b\\c\nd\té"), #"a\"b\\c\nd"# + "\té")
        XCTAssertEqual(PrometheusText.escapeHelp("a\"b\\c\nd"), #"a"b\\c\nd"#)
        var page = PrometheusText()
        page.add("x_total", .counter, "Back\\slash\nnewline.", [("l", "\"q\"")], "1")
        XCTAssertEqual(page.rendered, """
            # HELP x_total Back\\\\slash\\nnewline.
            # TYPE x_total counter
            x_total{l="\\"q\\""} 1

            """)
    }

    func testSeconds() {
        XCTAssertEqual(PrometheusText.seconds(millis: 0), "0")
        XCTAssertEqual(PrometheusText.seconds(millis: 500), "0.5")
        XCTAssertEqual(PrometheusText.seconds(millis: 30000), "30")
        XCTAssertEqual(PrometheusText.seconds(millis: 65_432), "65.432")
        XCTAssertEqual(PrometheusText.seconds(micros: 1), "0.000001")
        XCTAssertEqual(PrometheusText.seconds(micros: 123), "0.000123")
        XCTAssertEqual(PrometheusText.seconds(micros: 4_294_967_295), "4294.967295")
    }

    /// The file is replaced whole, with no temporary left behind; a
    /// directory that does not exist is an error that names the file.
    func testTextfile() throws {
        let dir = "/tmp/dst-prom-test.\(getpid())"
        XCTAssertEqual(mkdir(dir, 0o755), 0)
        defer {
            unlink("\(dir)/dst.prom")
            rmdir(dir)
        }
        let old = umask(0o077)
        defer { umask(old) }
        try writeAtomically("old\n", to: "\(dir)/dst.prom")
        try writeAtomically("new\n", to: "\(dir)/dst.prom")
        XCTAssertEqual(try String(contentsOfFile: "\(dir)/dst.prom", encoding: .utf8), "new\n")
        var st = stat()
        XCTAssertEqual(stat("\(dir)/dst.prom", &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o644)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["dst.prom"])
        XCTAssertThrowsError(try writeAtomically("x", to: "\(dir)/none/dst.prom")) { error in
            XCTAssertEqual("\(error)", "cannot write \(dir)/none/dst.prom: No such file or directory")
        }
    }
}
