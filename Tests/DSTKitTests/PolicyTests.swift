// SPDX-License-Identifier: GPL-2.0-only OR MIT
import XCTest
@testable import DSTKit

/// Seconds on the command line to the kernel's milliseconds, with the
/// spec's ranges and the exact usage errors.
final class PolicyOptionTests: XCTestCase {
    enum Parsed: Equatable {
        case success(UInt32)
        case failure(String)
    }

    func parse(_ option: DSTPolicyOption, _ text: String) -> Parsed {
        do {
            return .success(try option.parse(text).value)
        } catch {
            XCTAssertTrue((error as? DSTError)?.isUsage ?? false, "\(error) is not a usage error")
            return .failure("\(error)")
        }
    }

    func testAllowedTexts() {
        XCTAssertEqual(DSTPolicyOption.ioTimeout.allowed, "-1 or between 1 and 4294967 seconds")
        XCTAssertEqual(DSTPolicyOption.pingInterval.allowed, "0 or between 0.1 and 3600 seconds")
        XCTAssertEqual(DSTPolicyOption.reconnectDelay.allowed, "between 0.01 and 3600 seconds")
        XCTAssertEqual(DSTPolicyOption.reconnectDelayMax.allowed, "between 0.01 and 3600 seconds")
        XCTAssertEqual(DSTPolicyOption.giveUp.allowed, "-1 or between 1 and 4294967 seconds")
        XCTAssertEqual(DSTPolicyOption.ioTimeout.finiteRange, 1000...4_294_967_000)
    }

    func testValues() {
        let forever = UInt32(DSTWire.timeoutForever)
        let cases: [(DSTPolicyOption, String, UInt32)] = [
            (.ioTimeout, "30", 30_000), (.ioTimeout, "-1", forever), (.ioTimeout, "-1.000", forever),
            (.ioTimeout, "1", 1000), (.ioTimeout, "1.5", 1500), (.ioTimeout, "4294967", 4_294_967_000),
            (.ioTimeout, "0004294967.0", 4_294_967_000), (.ioTimeout, "2.50000", 2500),
            (.pingInterval, "0", 0), (.pingInterval, "0.000", 0), (.pingInterval, "0.1", 100),
            (.pingInterval, "3600", 3_600_000),
            (.pingInterval, ".25", 250), (.pingInterval, "5.", 5000),
            (.reconnectDelay, "0.01", 10), (.reconnectDelay, "0.5", 500), (.reconnectDelay, "3600", 3_600_000),
            (.reconnectDelayMax, "10", 10_000),
            (.giveUp, "-1", forever), (.giveUp, "60", 60_000), (.giveUp, "1", 1000),
        ]
        for (option, text, millis) in cases {
            XCTAssertEqual(parse(option, text), .success(millis), "\(option.rawValue) \(text)")
        }
    }

    func testRangeErrors() {
        let cases: [(DSTPolicyOption, String)] = [
            (.ioTimeout, "0"), (.ioTimeout, "0.999"), (.ioTimeout, "4294967.001"), (.ioTimeout, "4294968"),
            (.ioTimeout, "-2"), (.ioTimeout, "-0.5"), (.ioTimeout, "99999999999999999999999"),
            (.pingInterval, "-1"), (.pingInterval, "3600.001"), (.pingInterval, "0.001"), (.pingInterval, "0.099"),
            (.reconnectDelay, "0"), (.reconnectDelay, "0.009"), (.reconnectDelay, "3601"), (.reconnectDelay, "-1"),
            (.reconnectDelayMax, "0.001"), (.giveUp, "0.5"), (.giveUp, "-3"),
        ]
        for (option, text) in cases {
            XCTAssertEqual(parse(option, text), .failure("\(option.rawValue) must be \(option.allowed)"),
                           "\(option.rawValue) \(text)")
        }
        XCTAssertEqual(parse(.ioTimeout, "0"), .failure("--io-timeout must be -1 or between 1 and 4294967 seconds"))
        XCTAssertEqual(parse(.pingInterval, "-1"), .failure("--ping-interval must be 0 or between 0.1 and 3600 seconds"))
        XCTAssertEqual(parse(.reconnectDelay, "0.001"),
                       .failure("--reconnect-delay must be between 0.01 and 3600 seconds"))
        XCTAssertEqual(parse(.giveUp, "0"), .failure("--give-up must be -1 or between 1 and 4294967 seconds"))
    }

    func testSyntaxErrors() {
        for text in ["", "-", ".", "abc", "1e3", "+5", "1.0005", "0x10", " 5", "5 s", "1,5", "--1", "1.2.3", "-"] {
            XCTAssertEqual(parse(.ioTimeout, text), .failure(
                "invalid duration \"\(text)\" for --io-timeout: expected seconds with at most 3 decimals, e.g. 30 or 0.5"),
                "\"\(text)\"")
        }
    }

    func testOptionsTogether() throws {
        XCTAssertEqual(try DSTDevicePolicy(parsing: [:]), DSTDevicePolicy())
        XCTAssertTrue(try DSTDevicePolicy(parsing: [:]).isEmpty)
        XCTAssertEqual(try DSTDevicePolicy(parsing: [.giveUp: "120", .pingInterval: "0"]),
                       DSTDevicePolicy(pingInterval: DSTMillis(0), reconnectGiveUp: DSTMillis(120_000)))
        XCTAssertEqual(try DSTDevicePolicy(parsing: [.reconnectDelay: "2", .reconnectDelayMax: "2"]),
                       DSTDevicePolicy(reconnectDelay: DSTMillis(2000), reconnectDelayMax: DSTMillis(2000)))
        XCTAssertThrowsError(try DSTDevicePolicy(parsing: [.reconnectDelay: "5", .reconnectDelayMax: "1"])) {
            XCTAssertEqual("\($0)", "--reconnect-delay-max (1 s) must not be less than --reconnect-delay (5 s)")
            XCTAssertTrue(($0 as? DSTError)?.isUsage ?? false)
        }
        // The first error in option order wins.
        XCTAssertThrowsError(try DSTDevicePolicy(parsing: [.giveUp: "x", .ioTimeout: "0"])) {
            XCTAssertEqual("\($0)", "--io-timeout must be -1 or between 1 and 4294967 seconds")
        }
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
        XCTAssertEqual(DSTDevicePolicy.defaults.attributes.map(\.0),
                       [.ioTimeout, .pingInterval, .reconnectDelay, .reconnectDelayMax, .reconnectGiveUp])
    }
}
