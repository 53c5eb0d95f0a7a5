// SPDX-License-Identifier: GPL-2.0-only OR MIT
import DSTKit
import Synchronization

/// The event loop: signals, the singleton lock, kernel events, listeners.
final class Daemon {
    let log: DSTLog
    let signals: SignalWatch
    let lock: FileDescriptor
    let events: DSTEventSubscription
    let netlink: DSTNetlink
    let acceptor: Acceptor
    let reconnector: Reconnector
    /// Listening sockets by the listen string exports carry.
    var listeners: [String: FileDescriptor] = [:]
    /// When a reconcile must run again (a bind failed, a dump failed).
    var retryAt: Int64?
    /// What the last reconcile could not do, for dstctl.
    var problems: [String] = []

    static let retryMillis: Int64 = 5000

    init(log: DSTLog) throws {
        self.log = log
        // Block the signals before any thread starts, so all inherit it.
        signals = try SignalWatch([.terminate, .interrupt, .hangup])
        guard let lock = try DaemonLock.acquire() else {
            throw DSTError.daemon("already running")
        }
        self.lock = lock
        events = try DSTEventSubscription()
        netlink = try DSTNetlink()
        // dstd serves block I/O paths: it must not be paged out or killed
        // under the memory pressure that writeback to a DST device causes.
        if let e = Processes.lockMemory() {
            log.warning("mlockall-failed", ["reason": strerrorString(e)])
        }
        if let e = Processes.setOOMScoreAdj(-1000) {
            log.warning("oom-score-adj-failed", ["reason": strerrorString(e)])
        }
        acceptor = Acceptor(log: log)
        reconnector = Reconnector(log: log)
    }

    /// Runs until SIGTERM or SIGINT; returns the exit code.
    func run() -> Int32 {
        log.info("start", ["version": DSTVersion.string])
        // dstctl connections that arrive meanwhile are answered in the loop,
        // after this first reconcile.
        reconcile()
        // Devices that lost their connection while no dstd ran (or while
        // the last one was reconnecting them when it died).
        reconnector.scan(netlink)
        while true {
            var fds = [signals.fd.raw, lock.raw, events.fileDescriptor]
            let listening = listeners.map { ($0.key, $0.value) }
            fds += listening.map { $0.1.raw }
            var timeout: Int32 = -1
            if let retryAt { timeout = Int32(max(0, min(retryAt - monotonicMillis(), 60_000))) }
            let ready: [Int32]
            do {
                ready = try pollReadable(fds, timeoutMillis: timeout)
            } catch {
                log.error("poll-failed", ["reason": "\(error)"])
                return 1
            }
            if ready.contains(signals.fd.raw) {
                while let sig = signals.next() {
                    if sig == .hangup {
                        log.info("reload", ["signal": sig.name])
                        reconcile()
                        reconnector.scan(netlink)
                    } else {
                        log.info("exit", ["signal": sig.name])
                        return 0
                    }
                }
            }
            if ready.contains(lock.raw) {
                // dstctl asks after adding an export or changing a device:
                // answer once the listeners match the kernel's exports.
                let peers = DaemonLock.acceptPending(lock)
                if !peers.isEmpty {
                    reconcile()
                    // After dstctl set-device: a device given up on may
                    // have a longer give-up time now.
                    reconnector.scan(netlink)
                    DaemonLock.answer(peers, problems: problems)
                }
            }
            if ready.contains(events.fileDescriptor) { handleEvents() }
            for (listen, fd) in listening where ready.contains(fd.raw) {
                acceptAll(fd, listen: listen)
            }
            if let retryAt, monotonicMillis() >= retryAt {
                self.retryAt = nil
                reconcile()
            }
        }
    }

    func handleEvents() {
        var exportsChanged = false
        var rescan = false
        do {
            while true {
                let batch = try events.read()
                if batch.isEmpty { break }
                for event in batch {
                    log.log(.debug, Self.logEvent(event))
                    switch event {
                    case let .export(e):
                        // Clients coming and going change no listener.
                        if e.event != .clientConnected && e.event != .clientDisconnected && e.event != .clientFenced {
                            exportsChanged = true
                        }
                    case let .device(d):
                        // Device events reach only the netns the device was
                        // created in: a device here that lost a connection
                        // is ours to reconnect.
                        if d.state == .disconnected || d.needsNewGeneration {
                            // A short device may be one whose connections are
                            // being handed in right now (by add-device, or by
                            // our own reconnect): the reconnect thread looks
                            // again after its first delay, and says so if
                            // it is still short.
                            reconnector.start(index: d.index, state: d.stateName, reason: d.lastError,
                                              live: d.connections, wanted: d.connCount)
                        }
                    case .lost:
                        log.warning("events-lost", ["reason": "the kernel's queue overran"])
                        exportsChanged = true
                        rescan = true
                    }
                }
            }
        } catch {
            log.error("events-failed", ["reason": "\(error)"])
            exportsChanged = true
            rescan = true
        }
        if exportsChanged { reconcile() }
        if rescan { reconnector.scan(netlink) }
    }

    /// Makes the listener set match the listen addresses of the kernel's
    /// exports: open what is missing, close what no export uses.
    func reconcile() {
        problems = []
        let exports: [DSTExport]
        do {
            exports = try netlink.exports()
        } catch {
            log.error("dump-failed", ["what": "exports", "reason": "\(error)",
                                      "delay": DSTLogEvent.seconds(millis: UInt64(Self.retryMillis))])
            problems.append("cannot dump exports: \(error)")
            retryAt = monotonicMillis() + Self.retryMillis
            return
        }
        let wanted = Set(exports.map(\.listen).filter { !$0.isEmpty })
        for (listen, fd) in listeners where !wanted.contains(listen) {
            fd.close()
            listeners[listen] = nil
            log.info("listen-stop", ["listen": listen, "reason": "no export uses it"])
        }
        for listen in wanted.sorted() where listeners[listen] == nil {
            do {
                let address = try DSTAddress(parsing: listen)
                listeners[listen] = try Net.listen(on: address)
                let names = exports.filter { $0.listen == listen }.map(\.name).joined(separator: ",")
                log.info("listen", ["listen": listen, "exports": names])
            } catch {
                log.error("listen-failed", ["listen": listen, "reason": "\(error)",
                                            "delay": DSTLogEvent.seconds(millis: UInt64(Self.retryMillis))])
                problems.append("cannot listen on \(listen): \(error)")
                retryAt = monotonicMillis() + Self.retryMillis
            }
        }
    }

    /// A kernel event as a log line: "event=device-change device=dst0
    /// state=disconnected conns=0 wanted=1 reason=...", "event=export-change
    /// export=disk change=client-connected peer=192.0.2.2:40112 clients=1".
    static func logEvent(_ event: DSTEvent) -> DSTLogEvent {
        switch event {
        case let .device(d):
            return DSTLogEvent("device-change", [
                "device": d.name, "state": d.stateName, "conns": d.connections, "wanted": d.connCount,
                "rekey-due": d.rekeyDue ? "yes" : nil, "reason": nonEmpty(d.lastError),
            ])
        case let .export(e):
            return DSTLogEvent("export-change", [
                "export": e.name, "change": e.eventName, "peer": nonEmpty(e.peer), "identity": nonEmpty(e.identity),
                "clients": e.clients, "reason": nonEmpty(e.lastError),
            ])
        case .lost:
            return DSTLogEvent("events-lost", ["reason": "the kernel's queue overran"])
        }
    }

    func acceptAll(_ listener: FileDescriptor, listen: String) {
        while true {
            do {
                guard let stream = try Net.accept(listener) else { return }
                acceptor.start(stream, listen: listen)
            } catch {
                log.error("accept-failed", ["listen": listen, "reason": "\(error)"])
                return
            }
        }
    }
}
