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
    /// Which disk this is, for the export's default UUID.
    public let identity: Identity

    /// Opens `path` read-write, or read-only; anything but a block device
    /// or a regular file is refused. A block device is opened exclusively
    /// (O_EXCL): nobody may mount it or export it twice while the kernel
    /// serves it, since discard and write-zeroes bypass its page cache.
    public static func open(_ path: String, readOnly: Bool) throws -> DSTBacking {
        var pre = stat()
        let exclusive = stat(path, &pre) == 0 && pre.st_mode & S_IFMT == S_IFBLK ? O_EXCL : 0
        let fd = try FileDescriptor.open(path, (readOnly ? O_RDONLY : O_RDWR) | exclusive)
            .mapError { DSTError.cannotOpen(path: path, errno: $0.rawValue) }.get()
        let raw = fd.raw
        var st = stat()
        _ = try Syscall.result { fstat(raw, &st) }.mapError { DSTError.cannotOpen(path: path, errno: $0.rawValue) }.get()
        let kind: Kind
        let identity: Identity
        switch st.st_mode & S_IFMT {
        case S_IFBLK:
            kind = .blockDevice
            identity = .blockDevice(major: devMajor(UInt64(st.st_rdev)), minor: devMinor(UInt64(st.st_rdev)))
        case S_IFREG:
            kind = .regularFile
            identity = .regularFile(major: devMajor(UInt64(st.st_dev)), minor: devMinor(UInt64(st.st_dev)),
                                    inode: UInt64(st.st_ino), generation: inodeGeneration(raw))
        default: throw DSTError.notExportable(path: path)
        }
        var canonical = path
        if let real = realpath(path, nil) {
            canonical = String(cString: real)
            free(real)
        }
        return DSTBacking(fd: fd, kind: kind, path: canonical, identity: identity)
    }

    /// The UUID an export of this backing store gets unless --uuid says
    /// otherwise; see exportUUID(machineID:exportName:identity:).
    public func exportUUID(name: String) -> DSTUUID {
        Self.exportUUID(machineID: Self.machineID(), exportName: name, identity: identity)
    }

    /// Size in bytes (the end of a file or block device).
    public var size: UInt64 {
        let end = lseek(fd.raw, 0, SEEK_END)
        _ = lseek(fd.raw, 0, SEEK_SET)
        return end > 0 ? UInt64(end) : 0
    }

    /// What makes a backing store the same disk, as far as its export's
    /// default UUID goes: a block device is its device number; a regular
    /// file is its filesystem's device number and its inode, so that a file
    /// deleted and created again is another disk. The inode number alone
    /// does not say that: ext4 gives a new file the number of one just
    /// deleted. Its generation does, where the filesystem keeps one (ext4,
    /// xfs, btrfs; not tmpfs).
    public enum Identity: Equatable, Sendable, CustomStringConvertible {
        case blockDevice(major: UInt32, minor: UInt32)
        case regularFile(major: UInt32, minor: UInt32, inode: UInt64, generation: UInt32?)

        /// "block:8:16" (st_rdev), "file:254:1:1234" (st_dev and st_ino), or
        /// with the inode's generation "file:254:1:1234:3735928559".
        public var description: String {
            switch self {
            case let .blockDevice(major, minor): return "block:\(major):\(minor)"
            case let .regularFile(major, minor, inode, nil): return "file:\(major):\(minor):\(inode)"
            case let .regularFile(major, minor, inode, generation?):
                return "file:\(major):\(minor):\(inode):\(generation)"
            }
        }
    }

    /// FS_IOC_GETVERSION (_IOR('v', 1, long); the kernel stores an int):
    /// the inode's generation, nil where the filesystem has none.
    static func inodeGeneration(_ fd: Int32) -> UInt32? {
        let getVersion = UInt(2) << 30 | UInt(MemoryLayout<CLong>.size) << 16 | UInt(UInt8(ascii: "v")) << 8 | 1
        var generation: CInt = 0
        guard ioctl(fd, getVersion, &generation) == 0 else { return nil }
        return UInt32(bitPattern: generation)
    }

    /// The default UUID of an export: a name-based UUID (version 5) in
    /// DSTUUID.dstNamespace over "<machine id>\n<export name>\n<identity>".
    /// The same export of the same disk on the same machine gets the same
    /// UUID every time it is added, so its clients reconnect after the
    /// server's reboot or an unexport and export; another name, disk or
    /// machine gets another UUID, which clients refuse.
    public static func exportUUID(machineID: String, exportName: String, identity: Identity) -> DSTUUID {
        DSTUUID.nameBased(namespace: .dstNamespace, name: Array("\(machineID)\n\(exportName)\n\(identity)".utf8))
    }

    /// This machine, for export UUIDs: the content of /etc/machine-id
    /// (machine-id(5)), trimmed; the host name where that file is missing,
    /// unreadable, empty or "uninitialized" (early boot).
    public static func machineID(file: String = "/etc/machine-id") -> String {
        if let id = readFirstLine(file)?.drop(while: { $0 == " " || $0 == "\t" }),
           !id.isEmpty, id != "uninitialized" {
            return String(id)
        }
        return hostName()
    }

    /// gethostname(2); empty if it fails.
    static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "" }
        return String(cString: buf)
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

/// major(3) and minor(3) of a dev_t, decoded as glibc's sys/sysmacros.h
/// does (32 bits each; old 8:8 numbers stay in the low 16 bits): Swift does
/// not import the macros.
func devMajor(_ dev: UInt64) -> UInt32 {
    UInt32(truncatingIfNeeded: ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff)))
}

func devMinor(_ dev: UInt64) -> UInt32 {
    UInt32(truncatingIfNeeded: (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff)))
}
