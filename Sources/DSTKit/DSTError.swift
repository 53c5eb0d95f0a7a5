// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc

/// Every failure DSTKit reports. The description is the one line a user
/// reads after "dstctl: "; errno values from the kernel, libc and libnl are
/// mapped into these cases here and nowhere else.
public enum DSTError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The generic netlink family "dst" is not registered.
    case moduleNotLoaded
    /// EPERM: devices and exports need CAP_SYS_ADMIN.
    case notRoot
    /// A kernel refusal: the extack message (if any), the errno, and the
    /// operation that failed.
    case kernel(operation: String, message: String?, errno: Int32)
    case noSuchDevice(String)
    case noSuchExport(String)
    case deviceBusy(String)
    /// remove-device ran while add-device read the new device's partition table.
    case removedWhileScanning(String)
    /// TCP connect to a server failed.
    case cannotConnect(address: String, errno: Int32)
    /// The server answered the hello with a refusal.
    case refused(status: DSTHelloStatus, message: String)
    /// The peer broke the handshake protocol.
    case handshake(peer: String, reason: String)
    case cannotResolve(host: String, reason: String)
    case cannotOpen(path: String, errno: Int32)
    case notExportable(path: String)
    /// An address that does not parse, and why.
    case invalidAddress(String, reason: String)
    case invalidExportName(String)
    /// A system call failed.
    case system(call: String, errno: Int32)
    /// libnl failed (its own negative error codes, not errno).
    case netlink(call: String, code: Int32)
    case timedOut(String)
    case daemon(String)
    /// ESTALE from dev-connect or export-connect: a newer generation of the
    /// session is connected. `subject` is "dst0" or "export disk".
    case staleGeneration(subject: String, generation: UInt32)
    /// A reconnect found another export behind the device's address.
    case exportUUIDChanged(was: DSTUUID, now: DSTUUID)
    case exportShrank(was: UInt64, now: UInt64)
    /// A TLS handshake failed; `reason` says why in the words of this side.
    case tls(peer: String, reason: String)
    /// A key file that cannot be used.
    case badKeyFile(path: String, reason: String)
    /// Something the object asked about cannot do; the text says why.
    case notPossible(String)
    /// A certificate file that cannot be used.
    case badCertificate(path: String, reason: String)

    public var description: String {
        switch self {
        case .moduleNotLoaded:
            return "the dst kernel module is not loaded (try: modprobe dst)"
        case .notRoot:
            return "permission denied: this needs CAP_SYS_ADMIN"
        case let .kernel(operation, message, errno):
            if let message, !message.isEmpty {
                return "\(message) (\(strerrorString(errno)))"
            }
            return "\(operation): \(strerrorString(errno))"
        case let .noSuchDevice(name):
            return "no such device: \(name)"
        case let .noSuchExport(name):
            return "no such export: \(name)"
        case let .deviceBusy(name):
            return "\(name) is busy: it is open or mounted"
        case let .removedWhileScanning(name):
            return "\(name) was removed while its partition table was being read"
        case let .cannotConnect(address, errno):
            return "cannot connect to \(address): \(strerrorString(errno))"
        case let .refused(status, message):
            return message.isEmpty
                ? "server refused the connection: \(status.specName)"
                : "server refused the connection: \(status.specName): \(message)"
        case let .handshake(peer, reason):
            return "handshake with \(peer) failed: \(reason)"
        case let .cannotResolve(host, reason):
            return "cannot resolve \(host): \(reason)"
        case let .cannotOpen(path, errno):
            return "cannot open \(path): \(strerrorString(errno))"
        case let .notExportable(path):
            return "cannot export \(path): not a block device or regular file"
        case let .invalidAddress(text, reason):
            return "invalid address \"\(text)\": \(reason)"
        case let .invalidExportName(text):
            return "invalid export name \"\(text)\": expected 1 to \(DSTWire.exportNameMax) of A-Z a-z 0-9 . _ -"
        case let .system(call, errno):
            return "\(call): \(strerrorString(errno))"
        case let .netlink(call, code):
            return "\(call): \(netlinkErrorString(code))"
        case let .timedOut(what):
            return what
        case let .daemon(what):
            return what
        case let .staleGeneration(subject, generation):
            return "\(subject): generation \(generation) is stale: a newer generation of this session is connected"
        case let .exportUUIDChanged(was, now):
            return "export UUID changed: was \(was), now \(now)"
        case let .tls(peer, reason):
            return "TLS with \(peer) failed: \(reason)"
        case let .badKeyFile(path, reason):
            return "key file \(path): \(reason)"
        case let .notPossible(what):
            return what
        case let .badCertificate(path, reason):
            return "certificate \(path): \(reason)"
        case let .exportShrank(was, now):
            return "export shrank from \(was) to \(now) bytes; a device never shrinks (remove it and add it again)"
        }
    }
}
