// SPDX-License-Identifier: GPL-2.0-only OR MIT
import DSTKit

/// A JSON value whose objects keep their key order, so that `--json`
/// output is stable for scripts and diffs.
enum JSON {
    case null
    case bool(Bool)
    case int(UInt64)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    static func optional(_ v: UInt64?) -> JSON { v.map { .int($0) } ?? .null }
    static func optional(_ v: UInt32?) -> JSON { v.map { .int(UInt64($0)) } ?? .null }
    static func optional(_ v: String?) -> JSON { v.map { .string($0) } ?? .null }

    /// Pretty-printed with two-space indentation.
    func rendered(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1)
        let end = String(repeating: "  ", count: indent)
        switch self {
        case .null: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .int(n): return String(n)
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
