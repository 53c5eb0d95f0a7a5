// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

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
                        let line = json ? Self.json(event, time: Self.timestamp()).compact() : event.description
                        // A reader that went away (SIGPIPE is ignored) ends the monitor.
                        guard Console.writeStdout(line + "\n") else { return }
                    }
                }
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
        static func timestamp() -> String { wallClock("%Y-%m-%dT%H:%M:%S", utc: true) + "Z" }
    }
}
