// SPDX-License-Identifier: GPL-2.0-only OR MIT
import CDSTShim
import Glibc

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
        while case let .success(pid) = Syscall.result({ waitpid(-1, &status, WNOHANG) }), pid > 0 {}
    }

    /// Locks all memory so that the daemon serving a block device is not
    /// paged out behind its own I/O. Returns nil or the errno.
    public static func lockMemory() -> Int32? {
        guard case let .failure(err) = Syscall.result({ mlockall(MCL_CURRENT | MCL_FUTURE) }) else { return nil }
        return err.rawValue
    }

    /// Writes `value` to /proc/self/oom_score_adj. Returns nil or the errno.
    public static func setOOMScoreAdj(_ value: Int) -> Int32? {
        switch FileDescriptor.open("/proc/self/oom_score_adj", O_WRONLY) {
        case let .failure(err):
            return err.rawValue
        case let .success(fd):
            return fd.writeAll(Array("\(value)\n".utf8)) ? nil : Syscall.errno.rawValue
        }
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

