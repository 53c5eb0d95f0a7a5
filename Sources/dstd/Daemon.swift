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
        log.info("dstd 0.1.0 started")
        // dstctl connections that arrive meanwhile are answered in the loop,
        // after this first reconcile.
        reconcile()
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
                        log.info("SIGHUP: reloading exports")
                        reconcile()
                    } else {
                        log.info("exiting on \(sig.name); connections stay with the kernel")
                        return 0
                    }
                }
            }
            if ready.contains(lock.raw) {
                // dstctl asks after adding an export: answer once the
                // listeners match the kernel's exports.
                let peers = DaemonLock.acceptPending(lock)
                if !peers.isEmpty {
                    reconcile()
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
        do {
            while true {
                let batch = try events.read()
                if batch.isEmpty { break }
                for event in batch {
                    switch event {
                    case let .export(name, clients):
                        log.debug("event: export \(name) changed (clients \(clients.map(String.init) ?? "?"))")
                        exportsChanged = true
                    case let .device(index, state, lastError):
                        log.debug("event: dst\(index) \(state?.specName ?? "?")\(lastError.map { ": \($0)" } ?? "")")
                        // Device events reach only the netns the device was
                        // created in: a disconnected device here is ours to
                        // reconnect.
                        if state == .disconnected {
                            reconnector.start(index: index, reason: lastError)
                        }
                    case .lost:
                        log.warning("kernel events were lost; dumping again")
                        exportsChanged = true
                    }
                }
            }
        } catch {
            log.error("reading events: \(error)")
            exportsChanged = true
        }
        if exportsChanged { reconcile() }
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

/// Handshakes of accepted clients, one thread each, bounded in number.
final class Acceptor: Sendable {
    let log: DSTLog
    let running = Atomic<Int>(0)
    static let maxConcurrent = 64

    init(log: DSTLog) { self.log = log }

    func start(_ stream: TCPStream, listen: String) {
        if running.add(1, ordering: .relaxed).newValue > Self.maxConcurrent {
            running.subtract(1, ordering: .relaxed)
            log.warning("\(stream.peer): refused, \(Self.maxConcurrent) handshakes already running")
            try? stream.setTimeouts(seconds: 1)
            try? stream.write(all: DSTServerHandshake.refusalReply(DSTRefusal(.busy, "too many handshakes in progress")))
            return
        }
        do {
            try Processes.detachThread { [self] in
                handshake(stream, listen: listen)
                running.subtract(1, ordering: .relaxed)
            }
        } catch {
            running.subtract(1, ordering: .relaxed)
            log.error("\(stream.peer): \(error)")
        }
    }

    /// Reads the hello, replies, and hands an accepted socket to the kernel.
    /// The socket is closed here in every case; the kernel keeps its own
    /// reference.
    func handshake(_ stream: TCPStream, listen: String) {
        let peer = stream.peer
        do {
            // A netlink socket of its own: libnl sockets are not thread-safe.
            let netlink = try DSTNetlink()
            let outcome = try DSTServerHandshake.perform(on: stream, listen: listen) { try netlink.exports() }
            switch outcome {
            case let .refused(refusal):
                log.info("\(peer) on \(listen): refused: \(refusal.status.specName): \(refusal.message)")
            case let .accepted(export, csum, _):
                try stream.prepareForKernel()
                try netlink.connectExport(export.name, socket: stream.fd.raw, csum: csum)
                log.info("\(peer) on \(listen): attached to export \(export.name) (checksum \(csum.specName))")
            }
        } catch {
            log.warning("\(peer) on \(listen): \(error)")
        }
        stream.fd.close()
    }
}
