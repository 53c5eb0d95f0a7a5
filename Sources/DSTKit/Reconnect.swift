// SPDX-License-Identifier: GPL-2.0-only OR MIT

/// What a reconnect loop does to the world outside the kernel: dstd passes
/// `system`, tests a script. The loop logs at info and debug only; its
/// outcome is the caller's to report louder.
public struct DSTReconnectEnvironment {
    public var dial: (DSTAddress) throws -> DSTConnection
    public var sleep: (_ millis: UInt64) -> Void
    public var random: () -> UInt64
    public var log: (DSTLog.Level, DSTLogEvent) -> Void

    public init(dial: @escaping (DSTAddress) throws -> DSTConnection, sleep: @escaping (UInt64) -> Void,
                random: @escaping () -> UInt64, log: @escaping (DSTLog.Level, DSTLogEvent) -> Void) {
        self.dial = dial
        self.sleep = sleep
        self.random = random
        self.log = log
    }

    /// TCP with the handshake's connect and I/O timeouts, real sleeps,
    /// the system's random numbers.
    public static func system(log: DSTLog) -> DSTReconnectEnvironment {
        DSTReconnectEnvironment(
            dial: { try Net.connect(to: $0, timeout: Net.connectTimeout) },
            sleep: { sleepMillis(Int(clamping: $0)) },
            random: { UInt64.random(in: 0...UInt64.max) },
            log: { log.log($0, $1) })
    }
}

/// One reconnect of one client device, from the kernel's view of it alone,
/// so that a restarted dstd carries on where the last one stopped: read the
/// device (dev-get), say it is reconnecting, then until it is connected
/// with all its connections, removed, or the give-up time has passed: wait
/// with backoff and run a round. A round takes the next generation, dials
/// the device's remote once per connection the device is meant to have
/// (conn-count), handshakes each with the device's session and that
/// generation and checks that the export is the same one; only when all
/// are open does it hand them in (dev-connect), the first replacing every
/// older connection. A device that is connected but short of connections
/// needs a round too: the I/O that was on a lost connection waits for a
/// newer generation, which the server fences the old one for.
public struct DSTReconnect {
    public enum Outcome: Equatable, Sendable {
        /// `connections` connections of `generation` were handed in, by
        /// round `attempts`.
        case reconnected(generation: UInt32, connections: UInt32, attempts: Int)
        /// The device is connected with all its connections: it was
        /// already, or someone else handed in a newer generation.
        case connected
        /// Nothing to do for a device in this state.
        case notNeeded(state: String)
        /// The device was down longer than its give-up time; the message
        /// went to the device's last error (`new`), or was there already.
        case gaveUp(String, new: Bool)
        case removed
        /// The module went away.
        case moduleGone
    }

    public let index: UInt32
    let netlink: DSTNetlink
    let env: DSTReconnectEnvironment

    public init(index: UInt32, netlink: DSTNetlink, environment: DSTReconnectEnvironment) {
        self.index = index
        self.netlink = netlink
        self.env = environment
    }

    var name: String { "dst\(index)" }

    /// The message a device that gave up gets as its last error.
    public static func giveUpMessage(_ giveUp: DSTMillis) -> String {
        "gave up reconnecting after \(DSTMillis.seconds(UInt64(giveUp.value))) s"
    }

    /// The give-up message when `device` has been down longer than its
    /// give-up time, else nil.
    public static func givenUp(_ device: DSTDevice) -> String? {
        guard let giveUp = device.policy.reconnectGiveUp, !giveUp.isForever,
              let down = device.downTime, down >= UInt64(giveUp.value) else { return nil }
        return giveUpMessage(giveUp)
    }

    /// The ciphers a reconnect offers: the one a live connection of the
    /// device uses (a rekey keeps the cipher add-device chose), else any.
    static func ciphers(keeping protection: DSTProtection?) -> DSTTLSCiphers {
        guard case let .tls13(cipher) = protection else { return .any }
        return DSTTLSCiphers(rawValue: cipher.rawValue) ?? .any
    }

    /// Runs until there is nothing left to do.
    public func run() -> Outcome {
        var backoff = DSTBackoff(policy: DSTDevicePolicy())
        var started = false
        var attempts = 0
        while true {
            let device: DSTDevice
            do {
                device = try netlink.device(index)
            } catch DSTError.noSuchDevice {
                return .removed
            } catch DSTError.moduleNotLoaded {
                return .moduleGone
            } catch {
                let delay = backoff.next(random: env.random())
                env.log(.info, DSTLogEvent("device-read-failed", ["device": name, "reason": "\(error)",
                                                                   "delay": DSTLogEvent.seconds(millis: delay)]))
                env.sleep(delay)
                continue
            }
            switch device.state {
            case .disconnected?, .reconnecting?, .failed?:
                break
            case .connected?:
                guard device.needsNewGeneration else { return .connected }
            case .removed?:
                return .removed
            case nil:
                return .notNeeded(state: device.stateName ?? "unknown")
            }
            if let message = Self.givenUp(device) {
                let new = device.lastError != message
                report(message, device)
                return .gaveUp(message, new: new)
            }
            backoff.update(device.policy)
            if !started {
                started = true
                // Once per reconnect, from what the kernel says now.
                let reason = device.state != .connected ? device.lastError.flatMap { $0.isEmpty ? nil : $0 }
                    : device.rekeyDue && !device.isShort ? "TLS keys carried their records (rekey)"
                    : "short of connections"
                env.log(.info, DSTLogEvent("reconnect-start", [
                    "device": name, "state": device.stateName, "conns": device.connections,
                    "wanted": device.wantedConnections, "reason": reason,
                ]))
                if device.state == .connected {
                    // Still carrying I/O: nothing to report to the kernel.
                } else {
                    // The kernel ignores this for a failed device.
                    do {
                        try netlink.setDevice(index, state: .reconnecting)
                    } catch DSTError.noSuchDevice {
                        return .removed
                    } catch {
                        env.log(.debug, DSTLogEvent("dev-set-failed", ["device": name, "what": "state",
                                                                        "reason": "\(error)"]))
                    }
                }
                // Also gives dstctl add-device time to hand in the extra
                // connections of a device it just created.
                env.sleep(backoff.next(random: env.random()))
                continue
            }
            attempts += 1
            let generation = (device.generation ?? 0) &+ 1
            // The connection of the round that failed, 1-based.
            var conn: UInt32 = 0
            var failure: String
            do {
                let connections = try round(device, generation: generation, conn: &conn)
                return .reconnected(generation: generation, connections: connections, attempts: attempts)
            } catch DSTError.noSuchDevice {
                return .removed
            } catch DSTError.moduleNotLoaded {
                return .moduleGone
            } catch let error as DSTError {
                if case .staleGeneration = error {
                    // Someone else handed in a newer generation: carry on
                    // from what the kernel has now.
                    env.log(.info, DSTLogEvent("reconnect-stale", ["device": name, "generation": generation,
                                                                    "reason": "\(error)"]))
                    if let now = try? netlink.device(index), now.state == .connected, !now.needsNewGeneration {
                        return .connected
                    }
                    env.sleep(backoff.next(random: env.random()))
                    continue
                }
                failure = error.description
            } catch {
                failure = "\(error)"
            }
            report(failure, device)
            let delay = backoff.next(random: env.random())
            env.log(.info, DSTLogEvent("reconnect-failed", [
                "device": name, "conn": conn == 0 ? nil : conn, "generation": generation, "attempt": attempts,
                "reason": failure, "delay": DSTLogEvent.seconds(millis: delay),
            ]))
            env.sleep(delay)
        }
    }

    /// One round: opens all the device's connections with `generation`,
    /// then hands them in; returns how many. When a dial, handshake or check
    /// fails, none is handed in; when a dev-connect fails, the rest are not.
    /// Our copies of the sockets are closed in every case. `conn` is the
    /// connection (from 1) being opened or handed in, for the log.
    func round(_ device: DSTDevice, generation: UInt32, conn: inout UInt32) throws -> UInt32 {
        guard let remote = device.remote, let csum = device.csum else {
            throw DSTError.daemon("the kernel did not report the device's remote address and checksum")
        }
        guard generation != 0 else {
            throw DSTError.daemon("the device's generations are exhausted")
        }
        if device.identity != nil && device.tls == nil {
            throw DSTError.daemon("the device uses TLS, but the kernel showed no credentials (CAP_SYS_ADMIN needed)")
        }
        let address = try DSTAddress(parsing: remote)
        let count = device.wantedConnections
        let connector = DSTConnector(address: address, exportName: device.exportName ?? "", csum: csum,
                                     session: device.session ?? .none, generation: generation,
                                     uuid: device.uuid, size: device.size, credentials: device.tls?.credentials,
                                     ciphers: Self.ciphers(keeping: device.protection), dial: env.dial)
        var opened: [DSTConnection] = []
        var size: UInt64 = 0
        defer { for c in opened { c.close() } }
        for n in 1...count {
            conn = n
            env.log(.debug, DSTLogEvent("dial", ["device": name, "conn": n, "conns": count, "generation": generation,
                                                  "remote": address]))
            let (connection, negotiated) = try connector.open()
            opened.append(connection)
            size = max(size, negotiated.size)
        }
        for (handed, connection) in opened.enumerated() {
            conn = UInt32(handed) + 1
            do {
                try connection.prepareForKernel()
                try netlink.connectDevice(index, socket: connection.socket, generation: generation, size: size)
            } catch {
                if handed > 0 {
                    env.log(.info, DSTLogEvent("reconnect-partial", [
                        "device": name, "generation": generation, "handed": handed, "conns": count,
                        "reason": "closing the rest",
                    ]))
                }
                throw error
            }
        }
        return count
    }

    /// Sets the device's last error, unless it says that already.
    func report(_ message: String, _ device: DSTDevice) {
        let text = DSTNetlink.truncated(message, to: DSTWire.lastErrorMax)
        guard device.lastError != text else { return }
        do {
            try netlink.setDevice(index, lastError: text)
        } catch {
            env.log(.debug, DSTLogEvent("dev-set-failed", ["device": name, "what": "last-error", "reason": "\(error)"]))
        }
    }
}
