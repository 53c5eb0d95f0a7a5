// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc

/// A subscription to the family's "events" multicast group. Poll
/// `fileDescriptor` for input, then call `read()`.
public final class DSTEventSubscription {
    private let socket: LibNLSocket

    public init() throws {
        socket = try LibNLSocket()
        try socket.join(group: DSTFamily.eventsGroup)
    }

    public var fileDescriptor: Int32 { socket.fileDescriptor }

    /// The events of one datagram; empty when nothing is pending. An
    /// overrun (ENOBUFS) is reported as `.lost`.
    public func read() throws -> [DSTEvent] {
        do {
            return try socket.receiveBatch(operation: "events") { _ in .take }.compactMap { item in
                if case let .message(m) = item { return DSTEvent(message: m) }
                return nil
            }
        } catch DSTError.system(_, ENOBUFS) {
            return [.lost]
        }
    }
}
