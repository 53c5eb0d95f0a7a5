// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc

/// Milliseconds of CLOCK_MONOTONIC.
public func monotonicMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// Sleeps for `millis` milliseconds.
public func sleepMillis(_ millis: Int) {
    var want = timespec(tv_sec: millis / 1000, tv_nsec: (millis % 1000) * 1_000_000)
    var left = timespec()
    while nanosleep(&want, &left) != 0 && Syscall.errno.rawValue == EINTR { want = left }
}

/// Waits up to `millis` for `condition`, checking every 50 ms.
public func waitFor(millis: Int, _ condition: () -> Bool) -> Bool {
    let deadline = monotonicMillis() + Int64(millis)
    while true {
        if condition() { return true }
        if monotonicMillis() >= deadline { return false }
        sleepMillis(50)
    }
}

/// Wall-clock time formatted by strftime(3) `format` ("%Y-%m-%d %H:%M:%S"),
/// in UTC or local time, with ".mmm" milliseconds appended.
public func wallClock(_ format: String, utc: Bool) -> String {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return wallClock(format, utc: utc, seconds: Int(ts.tv_sec), millis: Int(ts.tv_nsec / 1_000_000))
}

/// `seconds` since the epoch and `millis` formatted as wallClock(_:utc:) does.
public func wallClock(_ format: String, utc: Bool, seconds: Int, millis: Int) -> String {
    var t = time_t(seconds)
    var tmv = tm()
    if utc { gmtime_r(&t, &tmv) } else { localtime_r(&t, &tmv) }
    var buf = [CChar](repeating: 0, count: 64)
    let n = strftime(&buf, buf.count, format, &tmv)
    let ms = String(millis)
    return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        + "." + String(repeating: "0", count: max(0, 3 - ms.count)) + ms
}
