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
            log.warning("mlockall: \(strerrorString(e)); continuing unlocked")
        }
        if let e = Processes.setOOMScoreAdj(-1000) {
            log.warning("oom_score_adj: \(strerrorString(e))")
        }
        acceptor = Acceptor(log: log)
        reconnector = Reconnector(log: log)
    }

    /// Runs until SIGTERM or SIGINT; returns the exit code.
    func run() -> Int32 {
        log.info("dstd \(DSTVersion.string) started")
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
                log.error("\(error)")
                return 1
            }
            if ready.contains(signals.fd.raw) {
                while let sig = signals.next() {
                    if sig == .hangup {
                        log.info("SIGHUP: reloading exports and devices")
                        reconcile()
                        reconnector.scan(netlink)
                    } else {
                        log.info("exiting on \(sig.name); connections stay with the kernel")
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
                    log.debug("event: \(event)")
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
                            reconnector.start(index: d.index,
                                              why: Reconnector.why(state: d.stateName, reason: d.lastError,
                                                                   live: d.connections, wanted: d.connCount),
                                              level: d.needsNewGeneration ? .debug : .info)
                        }
                    case .lost:
                        log.warning("kernel events were lost; dumping again")
                        exportsChanged = true
                        rescan = true
                    }
                }
            }
        } catch {
            log.error("reading events: \(error)")
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
            log.error("dumping exports: \(error)")
            problems.append("cannot dump exports: \(error)")
            retryAt = monotonicMillis() + Self.retryMillis
            return
        }
        let wanted = Set(exports.map(\.listen).filter { !$0.isEmpty })
        for (listen, fd) in listeners where !wanted.contains(listen) {
            fd.close()
            listeners[listen] = nil
            log.info("stopped listening on \(listen): no export uses it")
        }
        for listen in wanted.sorted() where listeners[listen] == nil {
            do {
                let address = try DSTAddress(parsing: listen)
                listeners[listen] = try Net.listen(on: address)
                let names = exports.filter { $0.listen == listen }.map(\.name).joined(separator: ", ")
                log.info("listening on \(listen) for \(names)")
            } catch {
                log.error("cannot listen on \(listen): \(error); retrying in \(Self.retryMillis / 1000) s")
                problems.append("cannot listen on \(listen): \(error)")
                retryAt = monotonicMillis() + Self.retryMillis
            }
        }
    }

    func acceptAll(_ listener: FileDescriptor, listen: String) {
        while true {
            do {
                guard let stream = try Net.accept(listener) else { return }
                acceptor.start(stream, listen: listen)
            } catch {
                log.error("accept on \(listen): \(error)")
                return
            }
        }
    }
}
