// SPDX-License-Identifier: GPL-2.0-only OR MIT
import CDSTShim
import Glibc

/// The signals a daemon handles.
public enum DaemonSignal: Sendable, CaseIterable {
    case hangup, interrupt, terminate

    var number: Int32 {
        switch self {
        case .hangup: return SIGHUP
        case .interrupt: return SIGINT
        case .terminate: return SIGTERM
        }
    }

    public var name: String {
        switch self {
        case .hangup: return "SIGHUP"
        case .interrupt: return "SIGINT"
        case .terminate: return "SIGTERM"
        }
    }
}

/// Signals as a pollable descriptor (signalfd).
public final class SignalWatch {
    public let fd: FileDescriptor

    /// Blocks `signals` in this thread (threads created later inherit the
    /// mask) and opens a signalfd for them. SIGPIPE is ignored: a write to
    /// a client that went away must fail, not kill us.
    public init(_ signals: [DaemonSignal]) throws {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s.number) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let raw = dst_signalfd(&set)
        guard raw >= 0 else { throw DSTError.system(call: "signalfd", errno: -raw) }
        fd = FileDescriptor(raw)
        signal(SIGPIPE, SIG_IGN)
    }

    /// The next pending signal, or nil.
    public func next() -> DaemonSignal? {
        while true {
            let s = dst_signalfd_read(fd.raw)
            guard s > 0 else { return nil }
            if let known = DaemonSignal.allCases.first(where: { $0.number == s }) { return known }
        }
    }
}

/// poll(2) for input on `fds`; returns those readable (or hung up). A
/// negative timeout waits forever.
public func pollReadable(_ fds: [Int32], timeoutMillis: Int32) throws -> [Int32] {
    var pfds = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    try Syscall.check("poll") { poll(&pfds, nfds_t(pfds.count), timeoutMillis) }
    return pfds.filter { $0.revents != 0 }.map(\.fd)
}
