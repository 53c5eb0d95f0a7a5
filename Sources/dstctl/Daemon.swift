// SPDX-License-Identifier: GPL-2.0-only OR MIT
import DSTKit

/// Starting dstd on demand: one per network namespace, found by its lock.
enum Daemon {
    /// Starts dstd unless it holds its lock, then waits up to 5 s for it.
    /// dstd logs to syslog, or to $DSTD_LOG when that is set.
    static func ensureRunning(after done: String) throws {
        if DaemonLock.isHeld() { return }
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
