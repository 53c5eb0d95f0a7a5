// SPDX-License-Identifier: GPL-2.0-only OR MIT
import CDSTShim
import Glibc

/// TCP sockets: connect, listen, accept.
public enum Net {
    /// Read and write timeout of the handshake.
    public static let ioTimeout = 10
    /// Connect timeout.
    public static let connectTimeout = 10

    /// One resolved address.
    struct Resolved {
        var family: Int32
        var storage: sockaddr_storage
        var length: socklen_t
    }

    /// Resolves `address` (getaddrinfo, numeric when it is an IP literal).
    static func resolve(_ address: DSTAddress, passive: Bool) throws -> [Resolved] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        hints.ai_flags = (address.kind == .hostname ? 0 : AI_NUMERICHOST) | AI_NUMERICSERV | (passive ? AI_PASSIVE : 0)
        switch address.kind {
        case .ipv4: hints.ai_family = AF_INET
        case .ipv6: hints.ai_family = AF_INET6
        case .hostname: hints.ai_family = AF_UNSPEC
        }
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(address.host, String(address.port), &hints, &list)
        guard rc == 0 else {
            if rc == EAI_SYSTEM { throw DSTError.system(call: "resolving \(address.host)", errno: Syscall.errno.rawValue) }
            let text = gai_strerror(rc).map { String(cString: $0) } ?? "error \(rc)"
            throw DSTError.cannotResolve(host: address.host, reason: text)
        }
        defer { freeaddrinfo(list) }
        var out: [Resolved] = []
        var p = list
        while let ai = p {
            if let sa = ai.pointee.ai_addr {
                var ss = sockaddr_storage()
                let len = min(Int(ai.pointee.ai_addrlen), MemoryLayout<sockaddr_storage>.size)
                withUnsafeMutableBytes(of: &ss) { $0.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: len)) }
                out.append(Resolved(family: ai.pointee.ai_family, storage: ss, length: socklen_t(len)))
            }
            p = ai.pointee.ai_next
        }
        return out
    }

    /// Connects to `address` (each resolved address in turn) within
    /// `timeout` seconds overall. TCP_NODELAY and I/O timeouts are set.
    /// Errors name the address as given: "cannot connect to HOST:PORT: …".
    public static func connect(to address: DSTAddress, timeout: Int = connectTimeout) throws -> TCPStream {
        var lastError = Errno(EHOSTUNREACH)
        let deadline = monotonicMillis() + Int64(timeout) * 1000
        candidates: for candidate in try resolve(address, passive: false) {
            switch connect(candidate, deadline: deadline) {
            case let .success(fd):
                try Syscall.setBlocking(fd.raw, true)
                try setNoDelay(fd.raw)
                try setTimeouts(fd.raw, seconds: ioTimeout)
                return TCPStream(fd: fd, peer: address.description)
            case let .failure(err):
                lastError = err
                if err.rawValue == ETIMEDOUT { break candidates }
            }
        }
        throw DSTError.cannotConnect(address: address.description, errno: lastError.rawValue)
    }

    /// A non-blocking connect to one address, waited for until `deadline`.
    private static func connect(_ candidate: Resolved, deadline: Int64) -> Result<FileDescriptor, Errno> {
        let fd: FileDescriptor
        switch Syscall.socket(family: candidate.family, type: SOCK_STREAM, nonBlocking: true) {
        case let .success(s): fd = s
        case let .failure(err): return .failure(err)
        }
        var ss = candidate.storage
        // Not retried: a connect interrupted by a signal goes on in the
        // background, and is waited for like one in progress.
        let started = Syscall.result(retryOnInterrupt: false) {
            Syscall.withSockaddr(&ss) { Glibc.connect(fd.raw, $0, candidate.length) }
        }
        if case let .failure(err) = started {
            guard err.rawValue == EINPROGRESS || err.rawValue == EINTR else { return .failure(err) }
            var pfd = pollfd(fd: fd.raw, events: Int16(POLLOUT), revents: 0)
            let ready = Syscall.result { poll(&pfd, 1, Int32(max(0, deadline - monotonicMillis()))) }
            switch ready {
            case .success(0): return .failure(Errno(ETIMEDOUT))
            case let .failure(err): return .failure(err)
            case .success: break
            }
            var soError: Int32 = 0
            var soLen = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(fd.raw, SOL_SOCKET, SO_ERROR, &soError, &soLen)
            if soError != 0 { return .failure(Errno(soError)) }
        }
        return .success(fd)
    }

    /// A listening socket on `address`, SO_REUSEADDR, IPv6 sockets v6-only
    /// so that "0.0.0.0:P" and "[::]:P" can both be served; an IPv4-mapped
    /// address ("[::ffff:192.0.2.1]:P"), which a v6-only socket cannot
    /// bind, takes IPv4 clients as the IPv4 address would. The backlog is
    /// deep (the kernel caps it at net.core.somaxconn): when a flood fills
    /// the queue, a legitimate client's SYN is dropped and it waits for
    /// TCP's retransmission, seconds.
    public static func listen(on address: DSTAddress, backlog: Int32 = 4096) throws -> FileDescriptor {
        guard var resolved = try resolve(address, passive: true).first else {
            throw DSTError.cannotResolve(host: address.host, reason: "no address")
        }
        let fd = try Syscall.socket(family: resolved.family, type: SOCK_STREAM, nonBlocking: true)
            .mapError { DSTError.system(call: "socket", errno: $0.rawValue) }.get()
        try Syscall.setOption(fd.raw, level: SOL_SOCKET, name: SO_REUSEADDR, Int32(1))
        if resolved.family == AF_INET6 && ipv4Mapped(resolved.storage) == nil {
            try Syscall.setOption(fd.raw, level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, Int32(1))
        }
        try Syscall.check("bind \(address)") {
            Syscall.withSockaddr(&resolved.storage) { bind(fd.raw, $0, resolved.length) }
        }
        try Syscall.check("listen \(address)") { Glibc.listen(fd.raw, backlog) }
        return fd
    }

    /// Accepts one pending connection of a non-blocking listener; nil when
    /// none is pending. The new socket is blocking (accept4 without
    /// SOCK_NONBLOCK), close-on-exec, with TCP_NODELAY and I/O timeouts.
    public static func accept(_ listener: FileDescriptor) throws -> TCPStream? {
        var ss = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let accepted = Syscall.result {
            Syscall.withSockaddr(&ss) { dst_accept_cloexec(listener.raw, $0, &len) }
        }
        let fd: FileDescriptor
        switch accepted {
        case let .success(raw):
            fd = FileDescriptor(raw)
        case let .failure(err) where [EAGAIN, EWOULDBLOCK, ECONNABORTED].contains(err.rawValue):
            return nil
        case let .failure(err):
            throw DSTError.system(call: "accept", errno: err.rawValue)
        }
        try setNoDelay(fd.raw)
        try setTimeouts(fd.raw, seconds: ioTimeout)
        return TCPStream(fd: fd, peer: describe(ss))
    }

    static func setNoDelay(_ fd: Int32) throws {
        try Syscall.setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, Int32(1))
    }

    static func setTimeouts(_ fd: Int32, seconds: Int) throws {
        let tv = timeval(tv_sec: seconds, tv_usec: 0)
        try Syscall.setOption(fd, level: SOL_SOCKET, name: SO_RCVTIMEO, tv)
        try Syscall.setOption(fd, level: SOL_SOCKET, name: SO_SNDTIMEO, tv)
    }

    /// The IPv4 address of an IPv4-mapped IPv6 socket address
    /// (::ffff:a.b.c.d), with its port; nil for any other.
    static func ipv4Mapped(_ ss: sockaddr_storage) -> sockaddr_storage? {
        guard ss.ss_family == sa_family_t(AF_INET6) else { return nil }
        var ss = ss
        return withUnsafeBytes(of: &ss) { raw -> sockaddr_storage? in
            let six = raw.load(as: sockaddr_in6.self)
            let bytes = withUnsafeBytes(of: six.sin6_addr) { Array($0) }
            guard bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff else { return nil }
            var four = sockaddr_in()
            four.sin_family = sa_family_t(AF_INET)
            four.sin_port = six.sin6_port
            withUnsafeMutableBytes(of: &four.sin_addr) { $0.copyBytes(from: bytes[12..<16]) }
            var out = sockaddr_storage()
            withUnsafeMutableBytes(of: &out) { dst in
                withUnsafeBytes(of: four) { dst.copyMemory(from: $0) }
            }
            return out
        }
    }

    /// "ADDR:PORT" or "[ADDR]:PORT" of a socket address; an IPv4 client of
    /// an IPv6 socket (IPv4-mapped) as the IPv4 address, as the kernel
    /// names it, so that allow-from prefixes and per-address bounds see one
    /// address per client.
    static func describe(_ ss: sockaddr_storage) -> String {
        var ss = ipv4Mapped(ss) ?? ss
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var serv = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let rc = Syscall.withSockaddr(&ss) {
            getnameinfo($0, socklen_t(MemoryLayout<sockaddr_storage>.size), &host, socklen_t(host.count),
                        &serv, socklen_t(serv.count), NI_NUMERICHOST | NI_NUMERICSERV)
        }
        guard rc == 0 else { return "?" }
        let h = String(cString: host), s = String(cString: serv)
        return ss.ss_family == sa_family_t(AF_INET6) ? "[\(h)]:\(s)" : "\(h):\(s)"
    }
}
