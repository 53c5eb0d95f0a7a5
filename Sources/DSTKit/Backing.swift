// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc

/// The backing store of an export, opened by the caller so that the kernel
/// uses the caller's permissions (export-add takes the fd).
public struct DSTBacking {
    public enum Kind: Sendable { case blockDevice, regularFile }

    public let fd: FileDescriptor
    public let kind: Kind
    /// Canonical path, for display.
    public let path: String

    /// Opens `path` read-write, or read-only; anything but a block device
    /// or a regular file is refused. A block device is opened exclusively
    /// (O_EXCL): nobody may mount it or export it twice while the kernel
    /// serves it, since discard and write-zeroes bypass its page cache.
    public static func open(_ path: String, readOnly: Bool) throws -> DSTBacking {
        var pre = stat()
        let exclusive = stat(path, &pre) == 0 && pre.st_mode & S_IFMT == S_IFBLK ? O_EXCL : 0
        let raw = Glibc.open(path, (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC | exclusive)
        guard raw >= 0 else { throw DSTError.cannotOpen(path: path, errno: lastErrno()) }
        let fd = FileDescriptor(raw)
        var st = stat()
        guard fstat(raw, &st) == 0 else { throw DSTError.cannotOpen(path: path, errno: lastErrno()) }
        let kind: Kind
        switch st.st_mode & S_IFMT {
        case S_IFBLK: kind = .blockDevice
        case S_IFREG: kind = .regularFile
        default: throw DSTError.notExportable(path: path)
        }
        var canonical = path
        if let real = realpath(path, nil) {
            canonical = String(cString: real)
            free(real)
        }
        return DSTBacking(fd: fd, kind: kind, path: canonical)
    }

    /// Size in bytes (the end of a file or block device).
    public var size: UInt64 {
        let end = lseek(fd.raw, 0, SEEK_END)
        _ = lseek(fd.raw, 0, SEEK_SET)
        return end > 0 ? UInt64(end) : 0
    }

    /// The last path component, the default export name.
    public static func basename(_ path: String) -> String {
        var s = Substring(path)
        while s.count > 1, s.hasSuffix("/") { s = s.dropLast() }
        if let slash = s.lastIndex(of: "/"), slash != s.index(before: s.endIndex) {
            return String(s[s.index(after: slash)...])
        }
        return String(s)
    }
}
