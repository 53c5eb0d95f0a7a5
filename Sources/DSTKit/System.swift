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
        let fd = FileDescriptor(socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0))
        guard fd.raw >= 0 else { return nil }
        var (sun, len) = address()
        let rc = withUnsafePointer(to: &sun) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd.raw, $0, len) }
        }
        return rc == 0 ? fd : nil
    }

    /// True when a dstd holds the lock and is serving in this namespace.
    public static func isHeld() -> Bool { connectLock() != nil }

    /// Asks dstd to reconcile and waits up to `timeout` seconds for its
    /// answer: the problem lines before "ok" (empty when all is well), or nil
    /// when no dstd answered.
    public static func sync(timeout: Int = 5) -> [String]? {
        guard let fd = connectLock() else { return nil }
        try? Net.setTimeouts(fd.raw, seconds: timeout)
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd.raw, $0.baseAddress, $0.count, 0) }
            if n < 0 && lastErrno() == EINTR { continue }
            if n <= 0 { break }
            data += buf.prefix(n)
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        guard lines.last == "ok" else { return nil }
        return Array(lines.dropLast())
    }

    /// Takes the lock: binds the name and listens. Nil when another dstd
    /// has it.
    public static func acquire() throws -> FileDescriptor? {
        let fd = FileDescriptor(socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0))
        guard fd.raw >= 0 else { throw DSTError.system(call: "socket", errno: lastErrno()) }
        var (sun, len) = address()
        let rc = withUnsafePointer(to: &sun) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd.raw, $0, len) }
        }
        if rc != 0 {
            if lastErrno() == EADDRINUSE { return nil }
            throw DSTError.system(call: "bind @dstd", errno: lastErrno())
        }
        guard listen(fd.raw, 64) == 0 else { throw DSTError.system(call: "listen @dstd", errno: lastErrno()) }
        return fd
    }

    /// Accepts the pending connections (non-blocking).
    public static func acceptPending(_ fd: FileDescriptor) -> [FileDescriptor] {
        var out: [FileDescriptor] = []
        while true {
            let c = accept(fd.raw, nil, nil)
            if c < 0 { return out }
            out.append(FileDescriptor(c))
        }
    }

    /// Sends `problems` then "ok" and closes. Peers that only probed and
    /// went away are ignored (SIGPIPE is ignored in dstd).
    public static func answer(_ peers: [FileDescriptor], problems: [String]) {
        let text = Array((problems + ["ok"]).map { $0 + "\n" }.joined().utf8)
        for peer in peers {
            _ = text.withUnsafeBytes { send(peer.raw, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            peer.close()
        }
    }
}

/// Processes: where we run from, starting dstd.
public enum Processes {
    /// This executable's path (/proc/self/exe).
    public static func executablePath() -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `program` next to this executable, else the first executable one
    /// in $PATH.
    public static func find(_ program: String) -> String? {
        if let exe = executablePath(), let slash = exe.lastIndex(of: "/") {
            let candidate = String(exe[..<slash]) + "/" + program
            if access(candidate, X_OK) == 0 { return candidate }
        }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(program)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Starts `path` with `arguments` in a new session, stdio on /dev/null,
    /// and does not wait for it. Returns its pid.
    @discardableResult
    public static func spawnDetached(_ path: String, _ arguments: [String]) throws -> pid_t {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // A session of its own, and no signal mask or handlers of ours.
        let flags = dst_posix_spawn_setsid | Int16(POSIX_SPAWN_SETSIGMASK) | Int16(POSIX_SPAWN_SETSIGDEF)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGTERM, SIGINT, SIGHUP] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, flags)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        let argv = ([path] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var cargv: [UnsafeMutablePointer<CChar>?] = argv + [nil]
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attr, &cargv, environ)
        guard rc == 0 else { throw DSTError.system(call: "spawn \(path)", errno: rc) }
        return pid
    }

    /// Reaps exited children without blocking (spawned daemons).
    public static func reapChildren() {
        var status: Int32 = 0
        while waitpid(-1, &status, WNOHANG) > 0 {}
    }

    /// Locks all memory so that the daemon serving a block device is not
    /// paged out behind its own I/O. Returns nil or the errno.
    public static func lockMemory() -> Int32? {
        mlockall(MCL_CURRENT | MCL_FUTURE) == 0 ? nil : lastErrno()
    }

    /// Writes `value` to /proc/self/oom_score_adj. Returns nil or the errno.
    public static func setOOMScoreAdj(_ value: Int) -> Int32? {
        let fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return lastErrno() }
        defer { close(fd) }
        let text = Array("\(value)\n".utf8)
        let n = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        return n == text.count ? nil : lastErrno()
    }

    /// Stack size of the threads `detachThread` starts.
    public static let threadStackSize = 512 * 1024

    /// Calls `body` on a new detached thread.
    public static func detachThread(_ body: @escaping () -> Void) throws {
        final class Box { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        // Small stacks: dstd runs under mlockall(MCL_FUTURE), which would
        // lock all of glibc's default 8 MiB per thread.
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setstacksize(&attr, threadStackSize)
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attr, { raw in
            guard let raw else { return nil }
            let box = Unmanaged<AnyObject>.fromOpaque(raw).takeRetainedValue()
            (box as? Box)?.body()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<AnyObject>.fromOpaque(context).release()
            throw DSTError.system(call: "pthread_create", errno: rc)
        }
        pthread_detach(thread)
    }
}

/// The signals a daemon handles.
public enum DaemonSignal: Sendable, CaseIterable {
    case hangup, interrupt, terminate

    var number: Int32 {
        switch self {
        case .hangup: return SIGHUP
        case .interrupt: return SIGINT
        case .terminate: return SIGTERM
        }
    }

    public var name: String {
        switch self {
        case .hangup: return "SIGHUP"
        case .interrupt: return "SIGINT"
        case .terminate: return "SIGTERM"
        }
    }
}

/// Signals as a pollable descriptor (signalfd).
public final class SignalWatch {
    public let fd: FileDescriptor

    /// Blocks `signals` in this thread (threads created later inherit the
    /// mask) and opens a signalfd for them. SIGPIPE is ignored: a write to
    /// a client that went away must fail, not kill us.
    public init(_ signals: [DaemonSignal]) throws {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s.number) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let raw = dst_signalfd(&set)
        guard raw >= 0 else { throw DSTError.system(call: "signalfd", errno: -raw) }
        fd = FileDescriptor(raw)
        signal(SIGPIPE, SIG_IGN)
    }

    /// The next pending signal, or nil.
    public func next() -> DaemonSignal? {
        while true {
            let s = dst_signalfd_read(fd.raw)
            guard s > 0 else { return nil }
            if let known = DaemonSignal.allCases.first(where: { $0.number == s }) { return known }
        }
    }
}

/// poll(2) for input on `fds`; returns those readable (or hung up). A
/// negative timeout waits forever.
public func pollReadable(_ fds: [Int32], timeoutMillis: Int32) throws -> [Int32] {
    var pfds = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    while true {
        let n = poll(&pfds, nfds_t(pfds.count), timeoutMillis)
        if n < 0 {
            if lastErrno() == EINTR { continue }
            throw DSTError.system(call: "poll", errno: lastErrno())
        }
        return pfds.filter { $0.revents != 0 }.map(\.fd)
    }
}

/// Sleeps for `millis` milliseconds.
public func sleepMillis(_ millis: Int) {
    var want = timespec(tv_sec: millis / 1000, tv_nsec: (millis % 1000) * 1_000_000)
    var left = timespec()
    while nanosleep(&want, &left) != 0 && lastErrno() == EINTR { want = left }
}

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
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { return lastErrno() }
    close(fd)
    return nil
}

/// Waits up to `millis` for `condition`, checking every 50 ms.
public func waitFor(millis: Int, _ condition: () -> Bool) -> Bool {
    let deadline = monotonicMillis() + Int64(millis)
    while true {
        if condition() { return true }
        if monotonicMillis() >= deadline { return false }
        sleepMillis(50)
    }
}

/// The process environment.
public enum Environment {
    public static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

