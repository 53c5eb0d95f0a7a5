// SPDX-License-Identifier: GPL-2.0-only OR MIT
// CDSTShim too: its libnl headers include <sys/socket.h> first in a whole-module
// (release) build, and MSG_NOSIGNAL is then found only through that module.
import CDSTShim
import Glibc

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
            let n = try check(Syscall.read(into: &out, from: got) { recv(fd.raw, $0, $1, 0) }, "recv from")
            if n == 0 { break }
            got += n
        }
        return Array(out.prefix(got))
    }

    public func write(all bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            sent += try check(Syscall.write(bytes, from: sent) { send(fd.raw, $0, $1, Int32(MSG_NOSIGNAL)) },
                              "send to")
        }
    }

    /// The first `count` bytes the peer sent, left in the socket for the
    /// next read; fewer when it closed first.
    public func peek(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let n = try check(Syscall.read(into: &out, from: 0) { recv(fd.raw, $0, $1, Int32(MSG_PEEK | MSG_WAITALL)) },
                          "recv from")
        return Array(out.prefix(n))
    }

    /// The count of a recv or send; an expired SO_RCVTIMEO or SO_SNDTIMEO
    /// is the handshake's time running out.
    private func check(_ result: Result<Int, Errno>, _ what: String) throws -> Int {
        switch result {
        case let .success(n):
            return n
        case let .failure(err) where err.rawValue == EAGAIN || err.rawValue == EWOULDBLOCK:
            throw DSTError.handshake(peer: peer, reason: "timed out")
        case let .failure(err):
            throw DSTError.system(call: "\(what) \(peer)", errno: err.rawValue)
        }
    }

    /// Before the kernel adopts the socket: blocking, no timeouts, since
    /// the kernel's own receive loop must not see SO_RCVTIMEO expire.
    public func prepareForKernel() throws {
        try setTimeouts(seconds: 0)
        try Syscall.setBlocking(fd.raw, true)
    }

    /// SO_RCVTIMEO and SO_SNDTIMEO; 0 means none.
    public func setTimeouts(seconds: Int) throws {
        try Net.setTimeouts(fd.raw, seconds: seconds)
    }
}
