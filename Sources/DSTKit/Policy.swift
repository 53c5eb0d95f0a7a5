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

    /// What `dstctl add-device` gives a new device unless told otherwise.
    public static let defaults = DSTDevicePolicy(ioTimeout: DSTMillis(30_000), pingInterval: DSTMillis(5_000),
                                                 reconnectDelay: DSTMillis(500), reconnectDelayMax: DSTMillis(10_000),
                                                 reconnectGiveUp: .forever)

    public var isEmpty: Bool { self == DSTDevicePolicy() }

    /// The value of one field.
    public subscript(field: Field) -> DSTMillis? {
        get { self[keyPath: field.keyPath] }
        set { self[keyPath: field.keyPath] = newValue }
    }

    /// These values, with those not given taken from `other`.
    public func filled(from other: DSTDevicePolicy) -> DSTDevicePolicy {
        var out = self
        for field in Field.allCases where out[field] == nil { out[field] = other[field] }
        return out
    }

    /// The maximum delay is below the first delay.
    public var hasDelaysOutOfOrder: Bool {
        guard let first = reconnectDelay, let max = reconnectDelayMax else { return false }
        return max.value < first.value
    }

    /// The backoff cap dstd uses: the maximum, but never below the first delay.
    public var effectiveDelayMax: DSTMillis? {
        guard let max = reconnectDelayMax else { return nil }
        guard let first = reconnectDelay else { return max }
        return first.value > max.value ? first : max
    }
}

extension DSTDevicePolicy {
    /// One value of the policy, with the values the kernel accepts for it.
    public enum Field: CaseIterable, Sendable {
        case ioTimeout, pingInterval, reconnectDelay, reconnectDelayMax, reconnectGiveUp

        var keyPath: WritableKeyPath<DSTDevicePolicy, DSTMillis?> {
            switch self {
            case .ioTimeout: return \.ioTimeout
            case .pingInterval: return \.pingInterval
            case .reconnectDelay: return \.reconnectDelay
            case .reconnectDelayMax: return \.reconnectDelayMax
            case .reconnectGiveUp: return \.reconnectGiveUp
            }
        }

        var attr: DSTAttr {
            switch self {
            case .ioTimeout: return .ioTimeout
            case .pingInterval: return .pingInterval
            case .reconnectDelay: return .reconnectDelay
            case .reconnectDelayMax: return .reconnectDelayMax
            case .reconnectGiveUp: return .reconnectGiveUp
            }
        }

        /// DSTMillis.forever is accepted.
        public var allowsForever: Bool { self == .ioTimeout || self == .reconnectGiveUp }

        /// 0 is accepted, meaning off.
        public var allowsOff: Bool { self == .pingInterval }

        /// Pings more often than this are refused by the kernel
        /// (dst_dev_check_tunables), though the spec allows them.
        public static let minPingInterval: UInt64 = 100

        /// The finite values accepted, in milliseconds: the spec's range
        /// without the forever value, its upper end cut to whole seconds.
        public var finiteRange: ClosedRange<UInt64> {
            let spec = attr.valueRange ?? 0...UInt64(UInt32.max)
            var upper = spec.upperBound
            if upper >= UInt64(DSTWire.timeoutForever) { upper = UInt64(DSTWire.timeoutForever) - 1 }
            upper -= upper % 1000
            let lower = self == .pingInterval ? Swift.max(spec.lowerBound, Self.minPingInterval) : spec.lowerBound
            return lower...upper
        }

        /// Whether the kernel takes `value` for this field.
        public func accepts(_ value: DSTMillis) -> Bool {
            if value.isForever { return allowsForever }
            if value.value == 0 && allowsOff { return true }
            return finiteRange.contains(UInt64(value.value))
        }
    }
}
