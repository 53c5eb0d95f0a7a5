// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc

/// A dev-change-ntf: a device was added, changed state or was removed,
/// gained or lost a connection, or needs a new one for a rekey.
public struct DSTDeviceChange: Equatable, Sendable {
    public var index: UInt32
    public var state: DSTDevState?
    public var stateRaw: UInt32?
    public var lastError: String?
    /// Live connections after the change.
    public var connections: UInt32?
    /// Connections the device is meant to have.
    public var connCount: UInt32?
    /// A connection waits for its replacement (a rekey).
    public var rekeyDue: Bool

    public init(index: UInt32, state: DSTDevState?, stateRaw: UInt32? = nil, lastError: String? = nil,
                connections: UInt32? = nil, connCount: UInt32? = nil, rekeyDue: Bool = false) {
        self.index = index
        self.state = state
        self.stateRaw = stateRaw ?? state?.rawValue
        self.lastError = lastError
        self.connections = connections
        self.connCount = connCount
        self.rekeyDue = rekeyDue
    }

    public var name: String { "dst\(index)" }

    /// Connected with fewer live connections than it is meant to have.
    public var isShort: Bool {
        DSTDevState.isShort(state, connections: connections, connCount: connCount)
    }

    /// Needs a new generation of connections while connected.
    public var needsNewGeneration: Bool { state == .connected && (isShort || rekeyDue) }

    /// The state's spec name, "unknown(N)" for a value newer than us, nil when absent.
    public var stateName: String? { DSTDevState.name(state, raw: stateRaw) }
}

/// An export-change-ntf: an export was added or removed, or a client came,
/// left or was fenced.
public struct DSTExportChange: Equatable, Sendable {
    public var name: String
    public var event: DSTExportEvent?
    public var eventRaw: UInt32?
    /// Clients of the export after the change.
    public var clients: UInt32?
    /// The client connection concerned, ADDR:PORT.
    public var peer: String?
    public var lastError: String?
    /// The TLS identity that client proved.
    public var identity: String?

    public init(name: String, event: DSTExportEvent?, eventRaw: UInt32? = nil, clients: UInt32? = nil,
                peer: String? = nil, lastError: String? = nil, identity: String? = nil) {
        self.identity = identity
        self.name = name
        self.event = event
        self.eventRaw = eventRaw ?? event?.rawValue
        self.clients = clients
        self.peer = peer
        self.lastError = lastError
    }

    /// The event's spec name, "unknown(N)" for a value newer than us, nil when absent.
    public var eventName: String? {
        if let event { return event.specName }
        return eventRaw.map { "unknown(\($0))" }
    }
}

/// A multicast notification of the "events" group.
public enum DSTEvent: Equatable, Sendable {
    /// dev-change-ntf.
    case device(DSTDeviceChange)
    /// export-change-ntf.
    case export(DSTExportChange)
    /// The socket overran: events were lost, state must be dumped again.
    case lost

    init?(message m: NLMessage) {
        switch DSTCommand(rawValue: m.command) {
        case .devChangeNtf:
            let e = DSTDevChangeNtfEvent(message: m)
            guard let index = e.devIndex else { return nil }
            self = .device(DSTDeviceChange(index: index, state: e.state.flatMap(DSTDevState.init(rawValue:)),
                                           stateRaw: e.state, lastError: e.lastError, connections: e.connections,
                                           connCount: e.connCount, rekeyDue: e.rekeyDue))
        case .exportChangeNtf:
            let e = DSTExportChangeNtfEvent(message: m)
            self = .export(DSTExportChange(name: e.exportName ?? "",
                                           event: e.exportEvent.flatMap(DSTExportEvent.init(rawValue:)),
                                           eventRaw: e.exportEvent, clients: e.clients, peer: e.peer,
                                           lastError: e.lastError, identity: e.identity))
        default:
            return nil
        }
    }
}

extension DSTEvent: CustomStringConvertible {
    /// One line, as `dstctl monitor` prints it and dstd logs it:
    /// "dst0 disconnected: connection to 192.0.2.1:1025 lost",
    /// "dst0 connected (1 of 2 connections)",
    /// "export disk0 client-connected 192.0.2.2:40112 (1 client)".
    public var description: String {
        switch self {
        case let .device(d):
            var line = "\(d.name) \(d.stateName ?? "changed")"
            // Only devices meant to have several connections say how
            // many are live.
            if let live = d.connections, let wanted = d.connCount, wanted > 1 {
                line += " (\(live) of \(wanted) connections)"
            }
            if d.rekeyDue { line += ", rekey due" }
            return line + Self.reason(d.lastError)
        case let .export(e):
            var line = "export \(e.name) \(e.eventName ?? "changed")"
            if let peer = e.peer, !peer.isEmpty { line += " \(peer)" }
            if let identity = e.identity, !identity.isEmpty { line += " as \(identity)" }
            if let n = e.clients { line += n == 1 ? " (1 client)" : " (\(n) clients)" }
            return line + Self.reason(e.lastError)
        case .lost:
            return "events lost: the kernel's queue overran"
        }
    }

    private static func reason(_ text: String?) -> String {
        guard let text, !text.isEmpty else { return "" }
        return ": \(text)"
    }
}

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
