// SPDX-License-Identifier: GPL-2.0-only OR MIT

/// A duration as the kernel stores it: u32 milliseconds. For the
/// attributes that allow it, DSTWire.timeoutForever means forever.
public struct DSTMillis: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    public static let forever = DSTMillis(UInt32(DSTWire.timeoutForever))

    public var isForever: Bool { self == .forever }

    /// "30 s", "0.5 s", or "forever".
    public var description: String { isForever ? "forever" : DSTMillis.seconds(UInt64(value)) + " s" }

    /// Milliseconds as decimal seconds without trailing zeros: 30000 is
    /// "30", 500 is "0.5", 10 is "0.01".
    public static func seconds(_ millis: UInt64) -> String {
        let whole = millis / 1000, frac = millis % 1000
        guard frac != 0 else { return String(whole) }
        var digits = String(frac)
        digits = String(repeating: "0", count: 3 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}

/// A device's timeouts and reconnect policy, all kept by the kernel
/// (dev-add, dev-set, dev-get). Nil: not given (dev-add: the kernel's
/// default; dev-set: unchanged) or not reported.
public struct DSTDevicePolicy: Equatable, Sendable {
    /// How long I/O waits for a working connection before it fails with EIO.
    public var ioTimeout: DSTMillis?
    /// Silence on a connection before the client sends a PING; 0: off.
    public var pingInterval: DSTMillis?
    /// dstd's first delay before a reconnect attempt.
    public var reconnectDelay: DSTMillis?
    /// dstd's largest delay between attempts.
    public var reconnectDelayMax: DSTMillis?
    /// How long after the connection was lost dstd stops trying.
    public var reconnectGiveUp: DSTMillis?

    public init(ioTimeout: DSTMillis? = nil, pingInterval: DSTMillis? = nil, reconnectDelay: DSTMillis? = nil,
                reconnectDelayMax: DSTMillis? = nil, reconnectGiveUp: DSTMillis? = nil) {
        self.ioTimeout = ioTimeout
        self.pingInterval = pingInterval
        self.reconnectDelay = reconnectDelay
        self.reconnectDelayMax = reconnectDelayMax
        self.reconnectGiveUp = reconnectGiveUp
    }

    /// What `dstctl add-node` gives a new device unless told otherwise.
    public static let defaults = DSTDevicePolicy(ioTimeout: DSTMillis(30_000), pingInterval: DSTMillis(5_000),
                                                 reconnectDelay: DSTMillis(500), reconnectDelayMax: DSTMillis(10_000),
                                                 reconnectGiveUp: .forever)

    /// Parses the options given on a command line (seconds, by option);
    /// options not given stay nil. Refuses a maximum delay below the first
    /// delay when both are given.
    public init(parsing texts: [DSTPolicyOption: String]) throws {
        self.init()
        for option in DSTPolicyOption.allCases {
            if let text = texts[option] { self[option] = try option.parse(text) }
        }
        if let first = reconnectDelay, let max = reconnectDelayMax, max.value < first.value {
            throw DSTError.delayOrder(first: first, max: max)
        }
    }

    public var isEmpty: Bool { self == DSTDevicePolicy() }

    /// The value of one option.
    public subscript(option: DSTPolicyOption) -> DSTMillis? {
        get {
            switch option {
            case .ioTimeout: return ioTimeout
            case .pingInterval: return pingInterval
            case .reconnectDelay: return reconnectDelay
            case .reconnectDelayMax: return reconnectDelayMax
            case .giveUp: return reconnectGiveUp
            }
        }
        set {
            switch option {
            case .ioTimeout: ioTimeout = newValue
            case .pingInterval: pingInterval = newValue
            case .reconnectDelay: reconnectDelay = newValue
            case .reconnectDelayMax: reconnectDelayMax = newValue
            case .giveUp: reconnectGiveUp = newValue
            }
        }
    }

    /// These values, with those not given taken from `other`.
    public func filled(from other: DSTDevicePolicy) -> DSTDevicePolicy {
        var out = self
        for option in DSTPolicyOption.allCases where out[option] == nil { out[option] = other[option] }
        return out
    }

    /// The attributes of the values given, in option order.
    var attributes: [(DSTAttr, NLValue)] {
        DSTPolicyOption.allCases.compactMap { option in self[option].map { (option.attr, .u32($0.value)) } }
    }

    /// The backoff cap dstd uses: the maximum, but never below the first delay.
    public var effectiveDelayMax: DSTMillis? {
        guard let max = reconnectDelayMax else { return nil }
        guard let first = reconnectDelay else { return max }
        return first.value > max.value ? first : max
    }
}

/// The command-line options of a device's policy (dstctl add-node,
/// set-node), in seconds, checked against the spec's ranges.
public enum DSTPolicyOption: String, CaseIterable, Sendable {
    case ioTimeout = "--io-timeout"
    case pingInterval = "--ping-interval"
    case reconnectDelay = "--reconnect-delay"
    case reconnectDelayMax = "--reconnect-delay-max"
    case giveUp = "--give-up"

    public var attr: DSTAttr {
        switch self {
        case .ioTimeout: return .ioTimeout
        case .pingInterval: return .pingInterval
        case .reconnectDelay: return .reconnectDelay
        case .reconnectDelayMax: return .reconnectDelayMax
        case .giveUp: return .reconnectGiveUp
        }
    }

    /// -1 means forever (DSTWire.timeoutForever).
    public var allowsForever: Bool { self == .ioTimeout || self == .giveUp }

    /// Pings more often than this are refused by the kernel
    /// (dst_dev_check_tunables), though the spec allows them.
    public static let minPingInterval: UInt64 = 100

    /// The finite values accepted, in milliseconds: the spec's range without
    /// the forever value, its upper end cut to whole seconds. For
    /// --ping-interval, 0 (off) is accepted besides.
    public var finiteRange: ClosedRange<UInt64> {
        let spec = attr.valueRange ?? 0...UInt64(UInt32.max)
        var upper = spec.upperBound
        if upper >= UInt64(DSTWire.timeoutForever) { upper = UInt64(DSTWire.timeoutForever) - 1 }
        upper -= upper % 1000
        let lower = self == .pingInterval ? Swift.max(spec.lowerBound, Self.minPingInterval) : spec.lowerBound
        return lower...upper
    }

    /// "-1 or between 1 and 4294967 seconds", "between 0.01 and 3600 seconds".
    public var allowed: String {
        let r = finiteRange
        let range = "between \(DSTMillis.seconds(r.lowerBound)) and \(DSTMillis.seconds(r.upperBound)) seconds"
        if allowsForever { return "-1 or " + range }
        if self == .pingInterval { return "0 or " + range }
        return range
    }

    /// Parses seconds ("30", "0.5", "-1" where allowed), to the millisecond.
    public func parse(_ text: String) throws -> DSTMillis {
        let outOfRange = DSTError.durationOutOfRange(option: rawValue, allowed: allowed)
        switch DSTMillis.parseSeconds(text) {
        case .invalid:
            throw DSTError.invalidDuration(option: rawValue, text: text)
        case .tooLarge:
            throw outOfRange
        case let .value(negative, millis):
            if negative {
                guard allowsForever, millis == 1000 else { throw outOfRange }
                return .forever
            }
            guard finiteRange.contains(millis) || (self == .pingInterval && millis == 0) else { throw outOfRange }
            return DSTMillis(UInt32(millis))
        }
    }
}

extension DSTMillis {
    enum SecondsText: Equatable {
        case invalid
        case tooLarge
        case value(negative: Bool, millis: UInt64)
    }

    /// Decimal seconds with at most three significant decimals and an
    /// optional minus sign, in milliseconds.
    static func parseSeconds(_ text: String) -> SecondsText {
        var s = Substring(text)
        let negative = s.hasPrefix("-")
        if negative { s = s.dropFirst() }
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        var frac = parts.count > 1 ? parts[1] : ""
        let isDigit: (Character) -> Bool = { $0 >= "0" && $0 <= "9" }
        guard !(whole.isEmpty && frac.isEmpty), whole.allSatisfy(isDigit), frac.allSatisfy(isDigit) else {
            return .invalid
        }
        while frac.count > 3, frac.hasSuffix("0") { frac = frac.dropLast() }
        guard frac.count <= 3 else { return .invalid }
        var fracDigits = String(frac)
        while fracDigits.count < 3 { fracDigits += "0" }
        // Leading zeros do not count; a longer number is out of any range.
        let significant = whole.drop { $0 == "0" }
        guard significant.count <= 12, let w = UInt64(significant.isEmpty ? "0" : significant),
              let f = UInt64(fracDigits) else { return .tooLarge }
        return .value(negative: negative, millis: w * 1000 + f)
    }

    /// A sysfs duration file: seconds as the kernel writes them ("30",
    /// "0.5"), "-1" for forever.
    public init?(secondsText text: String) {
        switch Self.parseSeconds(text) {
        case .value(negative: true, millis: 1000):
            self = .forever
        case let .value(negative: false, millis) where millis < UInt64(DSTWire.timeoutForever):
            self.init(UInt32(millis))
        default:
            return nil
        }
    }
}
