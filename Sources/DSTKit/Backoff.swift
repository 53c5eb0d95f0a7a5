// SPDX-License-Identifier: GPL-2.0-only OR MIT

/// Delays between reconnect attempts: exponential from `first`, doubling
/// up to `max` (never below `first`), each cut by a random amount of up to
/// a quarter, so that the clients of a server that comes back do not all
/// dial at the same moment. Times in milliseconds.
public struct DSTBackoff: Equatable, Sendable {
    /// The first delay. May change between attempts (dstctl set-device).
    public var first: UInt64
    /// The largest delay.
    public var max: UInt64
    /// Delays handed out so far.
    public private(set) var attempt = 0

    public init(first: UInt64, max: UInt64) {
        self.first = first
        self.max = max
    }

    /// The backoff of `policy`, its missing values from DSTDevicePolicy.defaults.
    public init(policy: DSTDevicePolicy) {
        self.init(first: 0, max: 0)
        update(policy)
    }

    /// Takes new bounds from `policy`, keeping the attempt count.
    public mutating func update(_ policy: DSTDevicePolicy) {
        let p = policy.filled(from: .defaults)
        first = UInt64(p.reconnectDelay?.value ?? 500)
        max = UInt64(p.effectiveDelayMax?.value ?? 10_000)
    }

    /// The delay before jitter of attempt `n` (from 0): first * 2^n, capped.
    public func nominal(_ n: Int) -> UInt64 {
        let cap = Swift.max(first, max)
        var d = first
        var i = 0
        while i < n, d < cap {
            d = d > cap / 2 ? cap : d * 2
            i += 1
        }
        return Swift.min(d, cap)
    }

    /// The next delay: the nominal one less `random` modulo a quarter of it
    /// (plus one). `random` is any 64-bit random value.
    public mutating func next(random: UInt64) -> UInt64 {
        let d = nominal(attempt)
        attempt += 1
        let spread = d / 4
        return d - random % (spread + 1)
    }
}
