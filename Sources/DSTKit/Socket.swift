// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc

/// An owned file descriptor, closed on deinit unless released.
public final class FileDescriptor {
    public private(set) var raw: Int32

    public init(_ raw: Int32) { self.raw = raw }

    deinit { close() }

    public func close() {
        if raw >= 0 { _ = Glibc.close(raw) }
        raw = -1
    }

    /// Gives up ownership: the caller (or the kernel) closes it.
    public func release() -> Int32 {
        let fd = raw
        raw = -1
        return fd
    }
}

/// Reads and writes of the handshake; a socket in production, a buffer in
/// tests.
public protocol ByteStream: AnyObject {
    /// Exactly `count` bytes, or fewer only when the peer closed the
    /// stream; throws on errors and timeouts.
    func read(exactly count: Int) throws -> [UInt8]
    func write(all bytes: [UInt8]) throws
}

/// A connected TCP socket.
public final class TCPStream: ByteStream {
    public let fd: FileDescriptor
    /// The peer, for messages.
    public let peer: String

    init(fd: FileDescriptor, peer: String) {
        self.fd = fd
        self.peer = peer
    }

    public func read(exactly count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out.withUnsafeMutableBytes { buf in
                Glibc.recv(fd.raw, buf.baseAddress.map { $0 + got }, count - got, 0)
            }
            if n == 0 { break }
            if n < 0 {
                let e = lastErrno()
                if e == EINTR { continue }
                if e == EAGAIN || e == EWOULDBLOCK { throw DSTError.handshake(peer: peer, reason: "timed out") }
                throw DSTError.system(call: "recv from \(peer)", errno: e)
            }
            got += n
        }
        return Array(out.prefix(got))
    }

    public func write(all bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { buf in
                Glibc.send(fd.raw, buf.baseAddress.map { $0 + sent }, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                let e = lastErrno()
                if e == EINTR { continue }
                if e == EAGAIN || e == EWOULDBLOCK { throw DSTError.handshake(peer: peer, reason: "timed out") }
                throw DSTError.system(call: "send to \(peer)", errno: e)
            }
            sent += n
        }
    }

    /// Before the kernel adopts the socket: blocking, no timeouts, since
    /// the kernel's own receive loop must not see SO_RCVTIMEO expire.
    public func prepareForKernel() throws {
        try setTimeouts(seconds: 0)
        let flags = fcntl(fd.raw, F_GETFL)
        if flags >= 0 && flags & O_NONBLOCK != 0 { _ = fcntl(fd.raw, F_SETFL, flags & ~O_NONBLOCK) }
    }

    /// SO_RCVTIMEO and SO_SNDTIMEO; 0 means none.
    public func setTimeouts(seconds: Int) throws {
        try Net.setTimeouts(fd.raw, seconds: seconds)
    }
}

/// TCP sockets: connect, listen, accept.
public enum Net {
    /// Read and write timeout of the handshake.
    public static let ioTimeout = 10
    /// Connect timeout.
    public static let connectTimeout = 10

    /// Resolves `address` (getaddrinfo, numeric when it is an IP literal).
    static func resolve(_ address: DSTAddress, passive: Bool) throws -> [(family: Int32, storage: sockaddr_storage, len: socklen_t)] {
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
            let text = gai_strerror(rc).map { String(cString: $0) } ?? "error \(rc)"
            if rc == EAI_SYSTEM { throw DSTError.system(call: "resolving \(address.host)", errno: lastErrno()) }
            throw DSTError.cannotResolve(host: address.host, reason: text)
        }
        defer { freeaddrinfo(list) }
        var out: [(Int32, sockaddr_storage, socklen_t)] = []
        var p = list
        while let ai = p {
            if let sa = ai.pointee.ai_addr {
                var ss = sockaddr_storage()
                let len = min(Int(ai.pointee.ai_addrlen), MemoryLayout<sockaddr_storage>.size)
                withUnsafeMutableBytes(of: &ss) { dst in
                    dst.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: len))
                }
                out.append((ai.pointee.ai_family, ss, socklen_t(len)))
            }
            p = ai.pointee.ai_next
        }
        return out
    }

    /// Connects to `address` (each resolved address in turn) within
    /// `timeout` seconds overall. TCP_NODELAY and I/O timeouts are set.
    /// Errors name the address as given: "cannot connect to HOST:PORT: …".
    public static func connect(to address: DSTAddress, timeout: Int = connectTimeout) throws -> TCPStream {
        let candidates = try resolve(address, passive: false)
        var lastError: Int32 = EHOSTUNREACH
        let deadline = monotonicMillis() + Int64(timeout) * 1000
        for (family, storage, len) in candidates {
            let fd = FileDescriptor(socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0))
            guard fd.raw >= 0 else { lastError = lastErrno(); continue }
            var ss = storage
            let rc = withUnsafePointer(to: &ss) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd.raw, $0, len) }
            }
            if rc != 0 {
                let e = lastErrno()
                guard e == EINPROGRESS || e == EINTR else { lastError = e; continue }
                var pfd = pollfd(fd: fd.raw, events: Int16(POLLOUT), revents: 0)
                var ready: Int32 = 0
                repeat {
                    let left = max(0, deadline - monotonicMillis())
                    ready = poll(&pfd, 1, Int32(left))
                } while ready < 0 && lastErrno() == EINTR
                if ready == 0 { lastError = ETIMEDOUT; break }
                var soError: Int32 = 0
                var soLen = socklen_t(MemoryLayout<Int32>.size)
                _ = getsockopt(fd.raw, SOL_SOCKET, SO_ERROR, &soError, &soLen)
                if ready < 0 { soError = lastErrno() }
                guard soError == 0 else { lastError = soError; continue }
            }
            let flags = fcntl(fd.raw, F_GETFL)
            _ = fcntl(fd.raw, F_SETFL, flags & ~O_NONBLOCK)
            setNoDelay(fd.raw)
            try setTimeouts(fd.raw, seconds: ioTimeout)
            return TCPStream(fd: fd, peer: address.description)
        }
        throw DSTError.cannotConnect(address: address.description, errno: lastError)
    }

    /// A listening socket on `address`, SO_REUSEADDR, IPv6 sockets v6-only
    /// so that "0.0.0.0:P" and "[::]:P" can both be served.
    public static func listen(on address: DSTAddress, backlog: Int32 = 64) throws -> FileDescriptor {
        guard let (family, storage, len) = try resolve(address, passive: true).first else {
            throw DSTError.cannotResolve(host: address.host, reason: "no address")
        }
        let fd = FileDescriptor(socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0))
        guard fd.raw >= 0 else { throw DSTError.system(call: "socket", errno: lastErrno()) }
        var one: Int32 = 1
        _ = setsockopt(fd.raw, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if family == AF_INET6 {
            _ = setsockopt(fd.raw, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        var ss = storage
        let rc = withUnsafePointer(to: &ss) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd.raw, $0, len) }
        }
        guard rc == 0 else { throw DSTError.system(call: "bind \(address)", errno: lastErrno()) }
        guard Glibc.listen(fd.raw, backlog) == 0 else {
            throw DSTError.system(call: "listen \(address)", errno: lastErrno())
        }
        return fd
    }

    /// Accepts one pending connection of a non-blocking listener; nil when
    /// none is pending. The new socket is blocking, with TCP_NODELAY and
    /// I/O timeouts.
    public static func accept(_ listener: FileDescriptor) throws -> TCPStream? {
        var ss = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &ss) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.accept(listener.raw, $0, &len)
            }
        }
        if fd < 0 {
            let e = lastErrno()
            if e == EAGAIN || e == EWOULDBLOCK || e == EINTR || e == ECONNABORTED { return nil }
            throw DSTError.system(call: "accept", errno: e)
        }
        let owned = FileDescriptor(fd)
        // dstd never execs, so accept4's atomic CLOEXEC is not needed.
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        // A socket accepted from a non-blocking listener is blocking on
        // Linux; the handshake relies on that and on the timeouts.
        setNoDelay(fd)
        try setTimeouts(fd, seconds: ioTimeout)
        return TCPStream(fd: owned, peer: describe(ss))
    }

    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    static func setTimeouts(_ fd: Int32, seconds: Int) throws {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        let size = socklen_t(MemoryLayout<timeval>.size)
        guard setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, size) == 0,
              setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, size) == 0 else {
            throw DSTError.system(call: "setsockopt", errno: lastErrno())
        }
    }

    /// "ADDR:PORT" or "[ADDR]:PORT" of a socket address.
    static func describe(_ ss: sockaddr_storage) -> String {
        var ss = ss
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var serv = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let rc = withUnsafePointer(to: &ss) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, socklen_t(MemoryLayout<sockaddr_storage>.size), &host, socklen_t(host.count),
                            &serv, socklen_t(serv.count), NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard rc == 0 else { return "?" }
        let h = String(cString: host), s = String(cString: serv)
        return ss.ss_family == sa_family_t(AF_INET6) ? "[\(h)]:\(s)" : "\(h):\(s)"
    }
}

/// Milliseconds of CLOCK_MONOTONIC.
public func monotonicMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// `count` bytes from /dev/urandom.
func randomBytes(_ count: Int) throws -> [UInt8] {
    let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw DSTError.system(call: "open /dev/urandom", errno: lastErrno()) }
    defer { close(fd) }
    var out = [UInt8](repeating: 0, count: count)
    var got = 0
    while got < count {
        let n = out.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress.map { $0 + got }, count - got) }
        if n < 0 && lastErrno() == EINTR { continue }
        guard n > 0 else { throw DSTError.system(call: "read /dev/urandom", errno: n < 0 ? lastErrno() : EIO) }
        got += n
    }
    return out
}
