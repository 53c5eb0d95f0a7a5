// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import XCTest
@testable import DSTKit
@testable import dstctl

/// Seconds on the command line to the kernel's milliseconds, with the
/// spec's ranges and the exact usage errors, parsed by ArgumentParser as
/// dstctl parses them.
final class PolicyOptionsTests: XCTestCase {
    enum Parsed: Equatable {
        case success(DSTDevicePolicy)
        case failure(String)
    }

    func parse(_ args: [String]) -> Parsed {
        do {
            return .success(try Dstctl.PolicyOptions.parse(args).policy)
        } catch {
            XCTAssertEqual(Dstctl.PolicyOptions.exitCode(for: error), .validationFailure, "\(error)")
            return .failure(Dstctl.PolicyOptions.message(for: error))
        }
    }

    func parse(_ field: DSTDevicePolicy.Field, _ text: String) -> Parsed {
        parse([option(field), text])
    }

    func option(_ field: DSTDevicePolicy.Field) -> String {
        Dstctl.PolicyOptions.spellings.first { $0.0 == field }?.1 ?? "?"
    }

    func value(_ field: DSTDevicePolicy.Field, _ millis: UInt32) -> Parsed {
        var p = DSTDevicePolicy()
        p[field] = DSTMillis(millis)
        return .success(p)
    }

    func testAllowedTexts() {
        XCTAssertEqual(DSTDevicePolicy.Field.ioTimeout.allowed, "-1 or between 1 and 4294967 seconds")
        XCTAssertEqual(DSTDevicePolicy.Field.pingInterval.allowed, "0 or between 0.1 and 3600 seconds")
        XCTAssertEqual(DSTDevicePolicy.Field.reconnectDelay.allowed, "between 0.01 and 3600 seconds")
        XCTAssertEqual(DSTDevicePolicy.Field.reconnectDelayMax.allowed, "between 0.01 and 3600 seconds")
        XCTAssertEqual(DSTDevicePolicy.Field.reconnectGiveUp.allowed, "-1 or between 1 and 4294967 seconds")
        XCTAssertEqual(DSTDevicePolicy.Field.ioTimeout.finiteRange, 1000...4_294_967_000)
    }

    func testValues() {
        let forever = UInt32(DSTWire.timeoutForever)
        let cases: [(DSTDevicePolicy.Field, String, UInt32)] = [
            (.ioTimeout, "30", 30_000), (.ioTimeout, "-1", forever), (.ioTimeout, "-1.000", forever),
            (.ioTimeout, "1", 1000), (.ioTimeout, "1.5", 1500), (.ioTimeout, "4294967", 4_294_967_000),
            (.ioTimeout, "0004294967.0", 4_294_967_000), (.ioTimeout, "2.50000", 2500),
            (.pingInterval, "0", 0), (.pingInterval, "0.000", 0), (.pingInterval, "0.1", 100),
            (.pingInterval, "3600", 3_600_000),
            (.pingInterval, ".25", 250), (.pingInterval, "5.", 5000),
            (.reconnectDelay, "0.01", 10), (.reconnectDelay, "0.5", 500), (.reconnectDelay, "3600", 3_600_000),
            (.reconnectDelayMax, "10", 10_000),
            (.reconnectGiveUp, "-1", forever), (.reconnectGiveUp, "60", 60_000), (.reconnectGiveUp, "1", 1000),
        ]
        for (field, text, millis) in cases {
            XCTAssertEqual(parse(field, text), value(field, millis), "\(option(field)) \(text)")
        }
    }

    func testRangeErrors() {
        let cases: [(DSTDevicePolicy.Field, String)] = [
            (.ioTimeout, "0"), (.ioTimeout, "0.999"), (.ioTimeout, "4294967.001"), (.ioTimeout, "4294968"),
            (.ioTimeout, "-2"), (.ioTimeout, "-0.5"), (.ioTimeout, "99999999999999999999999"),
            (.pingInterval, "-1"), (.pingInterval, "3600.001"), (.pingInterval, "0.001"), (.pingInterval, "0.099"),
            (.reconnectDelay, "0"), (.reconnectDelay, "0.009"), (.reconnectDelay, "3601"), (.reconnectDelay, "-1"),
            (.reconnectDelayMax, "0.001"), (.reconnectGiveUp, "0.5"), (.reconnectGiveUp, "-3"),
        ]
        for (field, text) in cases {
            XCTAssertEqual(parse(field, text), .failure("\(option(field)) must be \(field.allowed)"),
                           "\(option(field)) \(text)")
        }
    }

    func testSyntaxErrors() {
        for text in ["", "-", ".", "abc", "1e3", "+5", "1.0005", "0x10", " 5", "5 s", "1,5", "--1", "1.2.3"] {
            XCTAssertEqual(parse(.ioTimeout, text),
                           .failure("The value '\(text)' is invalid for '--io-timeout <seconds>'"), "\"\(text)\"")
        }
    }

    func testOptionsTogether() {
        XCTAssertEqual(parse([]), .success(DSTDevicePolicy()))
        XCTAssertEqual(parse(["--give-up", "120", "--ping-interval", "0"]),
                       .success(DSTDevicePolicy(pingInterval: DSTMillis(0), reconnectGiveUp: DSTMillis(120_000))))
        XCTAssertEqual(parse(["--reconnect-delay", "2", "--reconnect-delay-max", "2"]),
                       .success(DSTDevicePolicy(reconnectDelay: DSTMillis(2000), reconnectDelayMax: DSTMillis(2000))))
        XCTAssertEqual(parse(["--reconnect-delay", "5", "--reconnect-delay-max", "1"]),
                       .failure("--reconnect-delay-max (1 s) must not be less than --reconnect-delay (5 s)"))
        // The first error in option order wins.
        XCTAssertEqual(parse(["--give-up", "0.5", "--io-timeout", "0"]),
                       .failure("--io-timeout must be -1 or between 1 and 4294967 seconds"))
    }

    /// add-device's policy: the defaults for what is not given, and a first
    /// delay above the default maximum raises the maximum.
    func testAddDevicePolicy() throws {
        let command = try Dstctl.AddDevice.parse(["--remote", "192.0.2.1", "--io-timeout", "5",
                                                   "--reconnect-delay", "20"])
        XCTAssertEqual(command.policy, DSTDevicePolicy(ioTimeout: DSTMillis(5000), pingInterval: DSTMillis(5000),
                                                       reconnectDelay: DSTMillis(20_000),
                                                       reconnectDelayMax: DSTMillis(20_000),
                                                       reconnectGiveUp: .forever))
    }

    func testMillisText() {
        XCTAssertEqual(DSTMillis.seconds(0), "0")
        XCTAssertEqual(DSTMillis.seconds(10), "0.01")
        XCTAssertEqual(DSTMillis.seconds(500), "0.5")
        XCTAssertEqual(DSTMillis.seconds(1001), "1.001")
        XCTAssertEqual(DSTMillis.seconds(30_000), "30")
        XCTAssertEqual(DSTMillis(2500).description, "2.5 s")
        XCTAssertEqual(DSTMillis.forever.description, "forever")
        XCTAssertTrue(DSTMillis(UInt32.max).isForever)
    }

    func testPolicyHelpers() {
        let given = DSTDevicePolicy(ioTimeout: DSTMillis(5000))
        XCTAssertEqual(given.filled(from: .defaults),
                       DSTDevicePolicy(ioTimeout: DSTMillis(5000), pingInterval: DSTMillis(5000),
                                       reconnectDelay: DSTMillis(500), reconnectDelayMax: DSTMillis(10_000),
                                       reconnectGiveUp: .forever))
        XCTAssertEqual(DSTDevicePolicy(reconnectDelay: DSTMillis(4000), reconnectDelayMax: DSTMillis(1000)).effectiveDelayMax,
                       DSTMillis(4000))
        var request = DSTDevSetRequest(devIndex: 0)
        request.policy = .defaults
        XCTAssertEqual(request.attributes.map(\.0),
                       [.devIndex, .ioTimeout, .pingInterval, .reconnectDelay, .reconnectDelayMax, .reconnectGiveUp])
    }
}
