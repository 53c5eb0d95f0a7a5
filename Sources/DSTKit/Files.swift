// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc

/// True when `path` exists and is a block device.
public func isBlockDevice(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFBLK
}

/// Opens `path` read-only and closes it again; nil, or the errno of the
/// open. The first open of a DST disk reads its partition table: dev-add
/// leaves that to userspace, so that no netlink handler waits on the
/// network.
public func openAndClose(_ path: String) -> Int32? {
    guard case let .failure(err) = FileDescriptor.open(path, O_RDONLY) else { return nil }
    return err.rawValue
}

/// The first line of a small text file (/etc/machine-id), trailing
/// whitespace removed; nil when it cannot be read.
func readFirstLine(_ path: String) -> String? {
    guard case let .success(fd) = FileDescriptor.open(path, O_RDONLY),
          let data = try? fd.readAll(limit: 4096) else { return nil }
    // Bytes, not Characters: "\r\n" is one Character in Swift.
    var line = data.prefix { $0 != UInt8(ascii: "\n") }[...]
    while let last = line.last, [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")].contains(last) {
        line = line.dropLast()
    }
    return String(decoding: line, as: UTF8.self)
}

/// The process environment.
public enum Environment {
    public static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
