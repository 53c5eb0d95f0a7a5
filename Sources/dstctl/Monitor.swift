// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit
import Glibc

extension Dstctl {
    struct Monitor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print device and export events as they happen.",
            discussion: """
                One line per event of the kernel's events group, written at once. Runs
                until SIGINT or SIGTERM, or until standard output is closed.
                """
        )

        @Flag(help: "Print one JSON object per line, with stable keys and a timestamp.")
        var json = false

        func run() throws {
            // Signals first, so that none gets lost before the loop polls.
            let signals = try SignalWatch([.interrupt, .terminate])
            let events = try DSTEventSubscription()
            while true {
                let ready = try pollReadable([signals.fd.raw, events.fileDescriptor], timeoutMillis: -1)
                if ready.contains(signals.fd.raw), signals.next() != nil { return }
                guard ready.contains(events.fileDescriptor) else { continue }
                while true {
                    let batch = try events.read()
                    if batch.isEmpty { break }
                    for event in batch {
                        let line = json ? Self.json(event, time: Self.timestamp()).compact() : Self.text(event)
                        // A reader that went away (SIGPIPE is ignored) ends the monitor.
                        guard Console.writeStdout(line + "\n") else { return }
                    }
                }
            }
        }

        /// "dst0 disconnected: connection to 192.0.2.1:1025 lost",
        /// "dst0 connected (1 of 2 connections): connection to ... lost",
        /// "export disk0 client-connected 192.0.2.2:40112 (1 client)".
        static func text(_ event: DSTEvent) -> String {
            switch event {
            case let .device(d):
                var line = "\(d.name) \(d.stateName ?? "changed")"
                // Only devices meant to have several connections say how
                // many are live.
                if let live = d.connections, let wanted = d.connCount, wanted > 1 {
                    line += " (\(live) of \(wanted) connections)"
                }
                if let e = nonEmpty(d.lastError) { line += ": \(e)" }
                return line
            case let .export(e):
                var line = "export \(e.name) \(e.eventName ?? "changed")"
                if let peer = nonEmpty(e.peer) { line += " \(peer)" }
                if let n = e.clients { line += n == 1 ? " (1 client)" : " (\(n) clients)" }
                if let err = nonEmpty(e.lastError) { line += ": \(err)" }
                return line
            case .lost:
                return "events lost: the kernel's queue overran"
            }
        }

        /// One object with the same keys for every event of a type; absent
        /// values are null.
        static func json(_ event: DSTEvent, time: String) -> JSON {
            switch event {
            case let .device(d):
                return .object([
                    ("time", .string(time)),
                    ("type", .string("device")),
                    ("device", .string(d.name)),
                    ("index", .int(UInt64(d.index))),
                    ("state", .optional(d.stateName)),
                    ("connections", .optional(d.connections)),
                    ("conn_count", .optional(d.connCount)),
                    ("last_error", .optional(nonEmpty(d.lastError))),
                ])
            case let .export(e):
                return .object([
                    ("time", .string(time)),
                    ("type", .string("export")),
                    ("export", .string(e.name)),
                    ("event", .optional(e.eventName)),
                    ("clients", .optional(e.clients)),
                    ("peer", .optional(nonEmpty(e.peer))),
                    ("last_error", .optional(nonEmpty(e.lastError))),
                ])
            case .lost:
                return .object([("time", .string(time)), ("type", .string("lost"))])
            }
        }

        /// Now in UTC, RFC 3339 with milliseconds: "2026-01-31T12:34:56.789Z".
        static func timestamp() -> String {
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            return timestamp(seconds: Int(ts.tv_sec), millis: Int(ts.tv_nsec / 1_000_000))
        }

        static func timestamp(seconds: Int, millis: Int) -> String {
            var t = time_t(seconds)
            var tmv = tm()
            gmtime_r(&t, &tmv)
            var buf = [CChar](repeating: 0, count: 32)
            let n = strftime(&buf, buf.count, "%Y-%m-%dT%H:%M:%S", &tmv)
            let ms = String(millis)
            return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                + "." + String(repeating: "0", count: max(0, 3 - ms.count)) + ms + "Z"
        }
    }
}
