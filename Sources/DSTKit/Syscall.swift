// SPDX-License-Identifier: GPL-2.0-only OR MIT
import CDSTShim
import Glibc

/// An errno value, as a system call's failure.
public struct Errno: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// strerror(3): "Connection refused".
    public var description: String { strerrorString(rawValue) }
}

/// strerror(3) text, e.g. "Connection refused".
public func strerrorString(_ errno: Int32) -> String {
    guard let text = strerror(errno) else { return "error \(errno)" }
    return String(cString: text)
}

/// The one way DSTKit makes a system call, after swift-system's
/// `valueOrErrno(retryOnInterrupt:)`: errno is read right after the call
/// failed, a call interrupted by a signal (EINTR) is made again, and socket
/// creation, options and address casts are spelled once.
enum Syscall {
    /// `body`'s result, or the errno of its failure (a result of -1).
    static func result<T: FixedWidthInteger>(retryOnInterrupt: Bool = true, _ body: () -> T) -> Result<T, Errno> {
        while true {
            let value = body()
            if value != -1 { return .success(value) }
            let err = Glibc.errno
            if retryOnInterrupt && err == EINTR { continue }
            return .failure(Errno(err))
        }
    }

    /// `body`'s result; its failure becomes DSTError.system naming `call`.
    @discardableResult
    static func check<T: FixedWidthInteger>(_ call: @autoclosure () -> String, retryOnInterrupt: Bool = true,
                                            _ body: () -> T) throws -> T {
        switch result(retryOnInterrupt: retryOnInterrupt, body) {
        case let .success(value): return value
        case let .failure(err): throw DSTError.system(call: call(), errno: err.rawValue)
        }
    }

    /// The errno of a call that reports failure otherwise than by -1 (a
    /// NULL pointer): read at once.
    static var errno: Errno { Errno(Glibc.errno) }

    /// A new socket, close-on-exec (dstd never hands descriptors to what it
    /// starts), blocking unless `nonBlocking`.
    static func socket(family: Int32, type: __socket_type, nonBlocking: Bool = false) -> Result<FileDescriptor, Errno> {
        var flags = Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        if nonBlocking { flags |= Int32(SOCK_NONBLOCK.rawValue) }
        return result { Glibc.socket(family, flags, 0) }.map(FileDescriptor.init)
    }

    /// setsockopt(2) of a plain value (an int, a timeval).
    static func setOption<T: BitwiseCopyable>(_ fd: Int32, level: Int32, name: Int32, _ value: T) throws {
        var value = value
        try check("setsockopt") { setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<T>.size)) }
    }

    /// Calls `body` with `address` (a sockaddr_in, sockaddr_un,
    /// sockaddr_storage...) seen as the struct sockaddr the socket calls take.
    static func withSockaddr<Address, R>(_ address: inout Address,
                                         _ body: (UnsafeMutablePointer<sockaddr>) -> R) -> R {
        withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1, body) }
    }

    /// O_NONBLOCK on or off.
    static func setBlocking(_ fd: Int32, _ blocking: Bool) throws {
        let flags = try check("fcntl") { fcntl(fd, F_GETFL) }
        let want = blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK
        if want != flags { try check("fcntl") { fcntl(fd, F_SETFL, want) } }
    }

    /// Reads up to `count` bytes into `buffer` from `offset`: read(2) or
    /// recv(2) through `body`, EINTR retried.
    static func read(into buffer: inout [UInt8], from offset: Int,
                     _ body: (UnsafeMutableRawPointer?, Int) -> Int) -> Result<Int, Errno> {
        let want = buffer.count - offset
        return buffer.withUnsafeMutableBytes { raw in
            result { body(raw.baseAddress.map { $0 + offset }, want) }
        }
    }

    /// Writes `bytes` from `offset`: write(2) or send(2) through `body`,
    /// EINTR retried; the count written.
    static func write(_ bytes: [UInt8], from offset: Int,
                      _ body: (UnsafeRawPointer?, Int) -> Int) -> Result<Int, Errno> {
        bytes.withUnsafeBytes { raw in
            result { body(raw.baseAddress.map { $0 + offset }, bytes.count - offset) }
        }
    }
}
