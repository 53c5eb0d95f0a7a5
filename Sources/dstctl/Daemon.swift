// SPDX-License-Identifier: GPL-2.0-only OR MIT
import DSTKit

/// Starting dstd on demand: one per network namespace, found by its lock.
enum Daemon {
    /// Starts dstd unless it holds its lock, then waits up to 5 s for it.
    /// dstd logs to syslog, or to $DSTD_LOG when that is set.
    static func ensureRunning(after done: String) throws {
        if DaemonLock.isHeld() { return }
        try start(after: done)
    }

    /// Makes sure dstd runs and listens for every export; its problems
    /// (an address it cannot listen on) come back as warnings.
    static func sync(after done: String) throws -> [String] {
        if let problems = DaemonLock.sync() { return problems }
        try start(after: done)
        return DaemonLock.sync() ?? []
    }

    private static func start(after done: String) throws {
        guard let path = Processes.find("dstd") else {
            throw DSTError.daemon("\(done), but dstd was found neither next to dstctl nor in PATH")
        }
        var arguments = ["--syslog"]
        if let log = Environment.value("DSTD_LOG"), !log.isEmpty { arguments = ["--log", log] }
        do {
            try Processes.spawnDetached(path, arguments)
        } catch {
            throw DSTError.daemon("\(done), but starting \(path) failed: \(error)")
        }
        let up = waitFor(millis: 5000) {
            Processes.reapChildren()
            return DaemonLock.isHeld()
        }
        guard up else { throw DSTError.daemon("\(done), but dstd did not start within 5 s") }
    }
}
