// SPDX-License-Identifier: GPL-2.0-only OR MIT
import DSTKit
import Synchronization

/// Gives client devices that lost a connection all their connections
/// again, one thread per device running DSTReconnect (backoff, a round of
/// conn-count handshakes with the device's session and next generation,
/// export checks, dev-connect, give-up). All it knows comes from dev-get,
/// so a restarted dstd picks up where the last one stopped.
final class Reconnector: Sendable {
    let log: DSTLog
    /// Devices with a reconnect thread, and whether another run was asked
    /// for while it ran (an event that came in after its last dev-get).
    let active = Mutex<[UInt32: Bool]>([:])

    init(log: DSTLog) { self.log = log }

    /// Devices reconnected: those without a connection (failed ones too,
    /// since they serve again once a connection comes back), and connected
    /// ones with fewer live connections than they are meant to have.
    static func needsReconnect(_ device: DSTDevice) -> Bool {
        switch device.state {
        case .disconnected?, .reconnecting?, .failed?: return true
        default: return device.needsNewGeneration
        }
    }

    /// Starts a reconnect of `index` unless one runs; then that one runs
    /// once more when it is done, so no event is lost in between. What
    /// asked for it (the device's state, its last error, its live and
    /// wanted connections) is logged at debug; the reconnect itself says
    /// at info what it found (reconnect-start).
    func start(index: UInt32, state: String?, reason: String?, live: UInt32?, wanted: UInt32?) {
        let fresh = active.withLock { running -> Bool in
            if running[index] != nil {
                running[index] = true
                return false
            }
            running[index] = false
            return true
        }
        guard fresh else { return }
        log.debug("reconnect-wanted", ["device": "dst\(index)", "state": state, "conns": live, "wanted": wanted,
                                       "reason": nonEmpty(reason)])
        do {
            try Processes.detachThread { [self] in
                repeat {
                    run(index: index)
                } while active.withLock { running -> Bool in
                    if running[index] == true {
                        running[index] = false
                        return true
                    }
                    running[index] = nil
                    return false
                }
            }
        } catch {
            active.withLock { _ = $0.removeValue(forKey: index) }
            log.error("reconnect-stopped", ["device": "dst\(index)", "reason": "\(error)"])
        }
    }

    /// Starts a reconnect of every device of this namespace that needs one:
    /// at start-up and whenever events may have been lost.
    func scan(_ netlink: DSTNetlink) {
        let devices: [DSTDevice]
        do {
            devices = try netlink.devices()
        } catch {
            log.error("dump-failed", ["what": "devices", "reason": "\(error)"])
            return
        }
        for device in devices where Self.needsReconnect(device) {
            // Given up on, and said so: nothing to do until the give-up
            // time changes.
            if let message = DSTReconnect.givenUp(device), device.lastError == message { continue }
            start(index: device.index, state: device.stateName, reason: device.lastError,
                  live: device.connections, wanted: device.connCount)
        }
    }

    private func run(index: UInt32) {
        let name = "dst\(index)"
        let netlink: DSTNetlink
        do {
            // A netlink socket per thread: libnl sockets are not thread-safe.
            netlink = try DSTNetlink()
        } catch {
            log.error("reconnect-stopped", ["device": name, "reason": "\(error)"])
            return
        }
        let outcome = DSTReconnect(index: index, netlink: netlink, environment: .system(log: log)).run()
        switch outcome {
        case let .reconnected(generation, connections, attempts):
            log.info("reconnect", ["device": name, "generation": generation, "conns": connections,
                                   "attempts": attempts])
        case .connected:
            log.debug("reconnect-done", ["device": name, "state": "connected", "reason": "nothing to do"])
        case let .notNeeded(state):
            log.info("reconnect-done", ["device": name, "state": state, "reason": "no reconnect needed"])
        case let .gaveUp(message, new):
            log.log(new ? .warning : .debug, DSTLogEvent("reconnect-gave-up", ["device": name, "reason": message]))
        case .removed:
            log.info("reconnect-stopped", ["device": name, "reason": "device removed"])
        case .moduleGone:
            log.error("reconnect-stopped", ["device": name, "reason": "the dst module went away"])
        }
    }
}

func nonEmpty(_ s: String?) -> String? {
    guard let s, !s.isEmpty else { return nil }
    return s
}
