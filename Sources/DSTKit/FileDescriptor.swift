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

    /// Opens `path`, close-on-exec; the errno of a failure.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) -> Result<FileDescriptor, Errno> {
        Syscall.result { Glibc.open(path, flags | O_CLOEXEC, mode) }.map(FileDescriptor.init)
    }

    /// Reads until end of file or `limit` bytes.
    func readAll(limit: Int) throws -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: limit)
        var got = 0
        while got < limit {
            let n = try Syscall.read(into: &buf, from: got) { Glibc.read(raw, $0, $1) }
                .mapError { DSTError.system(call: "read", errno: $0.rawValue) }.get()
            if n == 0 { break }
            got += n
        }
        return Array(buf.prefix(got))
    }

    /// Writes all of `bytes`; false when the descriptor takes no more
    /// (EPIPE, a closed reader, another error).
    @discardableResult
    func writeAll(_ bytes: [UInt8], flags: Int32? = nil) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = Syscall.write(bytes, from: sent) { p, count in
                flags.map { send(raw, p, count, $0) } ?? Glibc.write(raw, p, count)
            }
            guard case let .success(count) = n, count > 0 else { return false }
            sent += count
        }
        return true
    }
}
