// SPDX-License-Identifier: GPL-2.0-only OR MIT
import CDSTShim
import Glibc

/// The dstd singleton lock and control socket: an abstract unix socket
/// "\0dstd". Abstract sockets belong to a network namespace, so there is one
/// dstd per netns, which is also the scope of the kernel's export list.
///
/// dstd binds and listens on it first thing (exclusive), and answers each
/// connection only after reconciling its listeners with the kernel's
/// exports: one line per problem, then "ok". So a dstctl that read the
/// answer knows dstd listens on every export's address.
public enum DaemonLock {
    public static let name = "dstd"

    private static func address() -> (sockaddr_un, socklen_t) {
        var sun = sockaddr_un()
        sun.sun_family = sa_family_t(AF_UNIX)
        let bytes = [UInt8(0)] + Array(name.utf8)
        withUnsafeMutableBytes(of: &sun.sun_path) { path in
            for (i, b) in bytes.enumerated() where i < path.count { path[i] = b }
        }
        let len = MemoryLayout<sa_family_t>.size + bytes.count
        return (sun, socklen_t(len))
    }

    private static func connectLock() -> FileDescriptor? {
        guard case let .success(fd) = Syscall.socket(family: AF_UNIX, type: SOCK_STREAM) else { return nil }
        var (sun, len) = address()
        let rc = Syscall.result { Syscall.withSockaddr(&sun) { connect(fd.raw, $0, len) } }
        guard case .success = rc else { return nil }
        return fd
    }

    /// True when a dstd holds the lock and is serving in this namespace.
    public static func isHeld() -> Bool { connectLock() != nil }

    /// Asks dstd to reconcile and waits up to `timeout` seconds for its
    /// answer: the problem lines before "ok" (empty when all is well), or nil
    /// when no dstd answered.
    public static func sync(timeout: Int = 5) -> [String]? {
        guard let fd = connectLock() else { return nil }
        try? Net.setTimeouts(fd.raw, seconds: timeout)
        // An answer cut short by the timeout lacks its "ok".
        let data = (try? fd.readAll(limit: 64 * 1024)) ?? []
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        guard lines.last == "ok" else { return nil }
        return Array(lines.dropLast())
    }

    /// Takes the lock: binds the name and listens. Nil when another dstd
    /// has it.
    public static func acquire() throws -> FileDescriptor? {
        let fd = try Syscall.socket(family: AF_UNIX, type: SOCK_STREAM, nonBlocking: true)
            .mapError { DSTError.system(call: "socket", errno: $0.rawValue) }.get()
        var (sun, len) = address()
        switch Syscall.result(retryOnInterrupt: true, { Syscall.withSockaddr(&sun) { bind(fd.raw, $0, len) } }) {
        case .success: break
        case let .failure(err) where err.rawValue == EADDRINUSE: return nil
        case let .failure(err): throw DSTError.system(call: "bind @dstd", errno: err.rawValue)
        }
        try Syscall.check("listen @dstd") { listen(fd.raw, 64) }
        return fd
    }

    /// Accepts the pending connections (non-blocking).
    public static func acceptPending(_ fd: FileDescriptor) -> [FileDescriptor] {
        var out: [FileDescriptor] = []
        while case let .success(c) = Syscall.result({ dst_accept_cloexec(fd.raw, nil, nil) }) {
            out.append(FileDescriptor(c))
        }
        return out
    }

    /// Sends `problems` then "ok" and closes. Peers that only probed and
    /// went away are ignored (SIGPIPE is ignored in dstd).
    public static func answer(_ peers: [FileDescriptor], problems: [String]) {
        let text = Array((problems + ["ok"]).map { $0 + "\n" }.joined().utf8)
        for peer in peers {
            peer.writeAll(text, flags: Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            peer.close()
        }
    }
}
