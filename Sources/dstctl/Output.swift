// SPDX-License-Identifier: GPL-2.0-only OR MIT
import DSTKit

/// A JSON value whose objects keep their key order, so that `--json`
/// output is stable for scripts and diffs.
enum JSON {
    case null
    case bool(Bool)
    case int(UInt64)
    /// A negative number: -1 stands for "forever".
    case signed(Int64)
    /// A duration in milliseconds, written as seconds: 500 is 0.5.
    case seconds(millis: UInt64)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    static func optional(_ v: UInt64?) -> JSON { v.map { .int($0) } ?? .null }
    static func optional(_ v: UInt32?) -> JSON { v.map { .int(UInt64($0)) } ?? .null }
    static func optional(_ v: String?) -> JSON { v.map { .string($0) } ?? .null }

    /// Seconds, -1 for forever, null when absent.
    static func duration(_ v: DSTMillis?) -> JSON {
        guard let v else { return .null }
        return v.isForever ? .signed(-1) : .seconds(millis: UInt64(v.value))
    }

    /// On one line, without spaces: one event per line for `monitor --json`.
    func compact() -> String {
        switch self {
        case let .array(items):
            return "[" + items.map { $0.compact() }.joined(separator: ",") + "]"
        case let .object(fields):
            return "{" + fields.map { JSON.quote($0.0) + ":" + $0.1.compact() }.joined(separator: ",") + "}"
        default:
            return rendered()
        }
    }

    /// Pretty-printed with two-space indentation.
    func rendered(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1)
        let end = String(repeating: "  ", count: indent)
        switch self {
        case .null: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .int(n): return String(n)
        case let .signed(n): return String(n)
        case let .seconds(millis): return DSTMillis.seconds(millis)
        case let .string(s): return JSON.quote(s)
        case let .array(items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { pad + $0.rendered(indent: indent + 1) }.joined(separator: ",\n") + "\n\(end)]"
        case let .object(fields):
            if fields.isEmpty { return "{}" }
            return "{\n" + fields.map { pad + JSON.quote($0.0) + ": " + $0.1.rendered(indent: indent + 1) }
                .joined(separator: ",\n") + "\n\(end)}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// Colours for a terminal, after wg(8): names bold, keys dim.
struct Style {
    let enabled: Bool

    func bold(_ s: String) -> String { enabled ? "\u{1b}[1m\(s)\u{1b}[0m" : s }
    func green(_ s: String) -> String { enabled ? "\u{1b}[32m\(s)\u{1b}[0m" : s }
    func yellow(_ s: String) -> String { enabled ? "\u{1b}[33m\(s)\u{1b}[0m" : s }
    func red(_ s: String) -> String { enabled ? "\u{1b}[31m\(s)\u{1b}[0m" : s }
    func key(_ s: String) -> String { enabled ? "\u{1b}[1m\(s)\u{1b}[0m" : s }
}

/// "1.50 GiB" for a byte count.
func humanBytes(_ n: UInt64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    var value = Double(n)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    if unit == 0 { return "\(n) B" }
    let hundredths = Int((value * 100).rounded())
    let frac = hundredths % 100
    return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac) \(units[unit])"
}

/// "12.3 s", "5 min 3 s", "2 h 5 min", "3 d 4 h" for a duration in milliseconds.
func humanDuration(_ millis: UInt64) -> String {
    let s = millis / 1000
    switch millis {
    case ..<60_000:
        return "\(millis / 1000).\(millis % 1000 / 100) s"
    case ..<3_600_000:
        return "\(s / 60) min \(s % 60) s"
    case ..<86_400_000:
        return "\(s / 3600) h \(s % 3600 / 60) min"
    default:
        return "\(s / 86400) d \(s % 86400 / 3600) h"
    }
}
