// SPDX-License-Identifier: GPL-2.0-only OR MIT
import XCTest
@testable import DSTKit
@testable import dstctl

/// `dstctl monitor` lines from events made up here.
final class MonitorOutputTests: XCTestCase {
    let events: [DSTEvent] = [
        .device(DSTDeviceChange(index: 0, state: .disconnected, lastError: "connection to 192.0.2.1:1025 lost")),
        .device(DSTDeviceChange(index: 0, state: .reconnecting, lastError: "")),
        .device(DSTDeviceChange(index: 3, state: .connected)),
        .device(DSTDeviceChange(index: 4, state: nil, stateRaw: 42)),
        .device(DSTDeviceChange(index: 5, state: .connected, lastError: "connection to 192.0.2.1:1025 lost",
                                connections: 1, connCount: 2)),
        .device(DSTDeviceChange(index: 6, state: .connected, connections: 1, connCount: 1)),
        .export(DSTExportChange(name: "disk0", event: .added, clients: 0)),
        .export(DSTExportChange(name: "disk0", event: .clientConnected, clients: 1, peer: "192.0.2.2:40112")),
        .export(DSTExportChange(name: "disk0", event: .clientFenced, clients: 2, peer: "[2001:db8::2]:40113",
                                lastError: "generation 3 connected")),
        .export(DSTExportChange(name: "disk0", event: .clientDisconnected, clients: 0, peer: "192.0.2.2:40112",
                                lastError: "connection reset by peer")),
        .export(DSTExportChange(name: "disk0", event: .removed)),
        .export(DSTExportChange(name: "x", event: nil, eventRaw: 9)),
        .lost,
    ]

    func testText() {
        XCTAssertEqual(events.map(\.description), [
            "dst0 disconnected: connection to 192.0.2.1:1025 lost",
            "dst0 reconnecting",
            "dst3 connected",
            "dst4 unknown(42)",
            "dst5 connected (1 of 2 connections): connection to 192.0.2.1:1025 lost",
            "dst6 connected",
            "export disk0 added (0 clients)",
            "export disk0 client-connected 192.0.2.2:40112 (1 client)",
            "export disk0 client-fenced [2001:db8::2]:40113 (2 clients): generation 3 connected",
            "export disk0 client-disconnected 192.0.2.2:40112 (0 clients): connection reset by peer",
            "export disk0 removed",
            "export x unknown(9)",
            "events lost: the kernel's queue overran",
        ])
    }

    func testJSON() {
        let time = "2026-01-31T12:34:56.789Z"
        XCTAssertEqual(events.map { Dstctl.Monitor.json($0, time: time).compact() }, [
            #"{"time":"2026-01-31T12:34:56.789Z","type":"device","device":"dst0","index":0,"state":"disconnected","connections":null,"conn_count":null,"last_error":"connection to 192.0.2.1:1025 lost"}"#,
            #"{"time":"2026-01-31T12:34:56.789Z","type":"device","device":"dst0","index":0,"state":"reconnecting","connections":null,"conn_count":null,"last_error":null}"#,
            #"{"time":"2026-01-31T12:34:56.789Z","type":"device","device":"dst3","index":3,"state":"connected","connections":null,"conn_count":null,"last_error":null}"#,
            #"{"time":"2026-01-31T12:34:56.789Z","type":"device","device":"dst4","index":4,"state":"unknown(42)","connections":null,"conn_count":null,"last_error":null}"#,
            #"{"time":"2026-01-31T12:34:56.789Z","type":"device","device":"dst5","index":5,"state":"connected","connections":1,"conn_count":2,"last_error":"connection to 192.0.2.1:1025 lost"}"#,
            #"{"time":"2026-01-31T12:34:56.789Z","type":"device","device":"dst6","index":6,"state":"connected","connections":1,"conn_count":1,"last_error":null}"#,
            #"{"time":"2026-01-31T12:34:56.789Z","type":"export","export":"disk0","event":"added","clients":0,"peer":null,"last_error":null}"#,
            #"{"time":"2026-01-31T12:34:56.789Z","type":"export","export":"disk0","event":"client-connected","clients":1,"peer":"192.0.2.2:40112","last_error":null}"#,
            #"{"time":"2026-01-31T12:34:56.789Z","type":"export","export":"disk0","event":"client-fenced","clients":2,"peer":"[2001:db8::2]:40113","last_error":"generation 3 connected"}"#,
            #"{"time":"2026-01-31T12:34:56.789Z","type":"export","export":"disk0","event":"client-disconnected","clients":0,"peer":"192.0.2.2:40112","last_error":"connection reset by peer"}"#,
            #"{"time":"2026-01-31T12:34:56.789Z","type":"export","export":"disk0","event":"removed","clients":null,"peer":null,"last_error":null}"#,
            #"{"time":"2026-01-31T12:34:56.789Z","type":"export","export":"x","event":"unknown(9)","clients":null,"peer":null,"last_error":null}"#,
            #"{"time":"2026-01-31T12:34:56.789Z","type":"lost"}"#,
        ])
    }

    func testJSONLinesAreSingleLines() {
        let e = DSTEvent.device(DSTDeviceChange(index: 1, state: .failed, lastError: "line one\nline two\t\"quoted\""))
        let line = Dstctl.Monitor.json(e, time: "t").compact()
        XCTAssertFalse(line.contains("\n"))
        XCTAssertTrue(line.hasSuffix(#""last_error":"line one\nline two\t\"quoted\""}"#), line)
        XCTAssertEqual(JSON.array([.int(1), .signed(-1), .seconds(millis: 1500), .null]).compact(), "[1,-1,1.5,null]")
    }

    func testTimestamp() {
        XCTAssertEqual(wallClock("%Y-%m-%dT%H:%M:%S", utc: true, seconds: 0, millis: 0) + "Z", "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(wallClock("%Y-%m-%dT%H:%M:%S", utc: true, seconds: 1_769_862_896, millis: 7) + "Z", "2026-01-31T12:34:56.007Z")
        let now = Dstctl.Monitor.timestamp()
        XCTAssertEqual(now.count, 24, now)
        XCTAssertTrue(now.hasSuffix("Z"))
    }
}
