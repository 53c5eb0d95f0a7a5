// SPDX-License-Identifier: GPL-2.0-only OR MIT
import DSTKit
import Synchronization

/// Gives disconnected client devices a new connection: dial the device's
/// remote again, handshake, check that the export is the same one (UUID and
/// size) and hand the socket over with dev-connect. One thread per device,
/// with backoff, until the device is connected, failed or gone. All it
/// knows comes from dev-get.
final class Reconnector: Sendable {
    let log: DSTLog
    let active = Mutex<Set<UInt32>>([])

    /// Delays between attempts, in milliseconds; the last one repeats.
    static let backoff = [0, 500, 1000, 2000, 4000, 8000]

    init(log: DSTLog) { self.log = log }

    func start(index: UInt32, reason: String?) {
        let fresh = active.withLock { $0.insert(index).inserted }
        guard fresh else { return }
        log.info("dst\(index): disconnected\(reason.map { " (\($0))" } ?? ""); reconnecting")
        do {
            try Processes.detachThread { [self] in
                run(index: index)
                active.withLock { _ = $0.remove(index) }
            }
        } catch {
            active.withLock { _ = $0.remove(index) }
            log.error("dst\(index): \(error)")
        }
    }

    private func run(index: UInt32) {
        let name = "dst\(index)"
        var attempt = 0
        while true {
            sleepMillis(Self.backoff[min(attempt, Self.backoff.count - 1)])
            attempt += 1
            do {
                let netlink = try DSTNetlink()
                let device = try netlink.device(index)
                guard device.state == .disconnected || device.state == .reconnecting else {
                    log.info("\(name): \(device.stateName ?? "state unknown"); no reconnect needed")
                    return
                }
                try attemptOnce(device, netlink: netlink)
                log.info("\(name): reconnected to \(device.remote ?? "?") after \(attempt) attempt(s)")
                return
            } catch DSTError.noSuchDevice {
                log.info("\(name): removed; giving up")
                return
            } catch DSTError.moduleNotLoaded {
                return
            } catch {
                log.warning("\(name): reconnect attempt \(attempt): \(error)")
            }
        }
    }

    private func attemptOnce(_ device: DSTDevice, netlink: DSTNetlink) throws {
        guard let remote = device.remote, let csum = device.csum else {
            throw DSTError.daemon("the kernel did not report the remote and checksum")
        }
        let address = try DSTAddress(parsing: remote)
        let stream = try Net.connect(to: address, timeout: Net.connectTimeout)
        let negotiated = try DSTClientHandshake.perform(on: stream, exportName: device.exportName ?? "",
                                                        csum: csum, peer: address.description)
        if let uuid = device.uuid, uuid != negotiated.uuid {
            throw DSTError.handshake(peer: address.description,
                                     reason: "export UUID changed from \(uuid) to \(negotiated.uuid)")
        }
        if let size = device.size, size != negotiated.size {
            throw DSTError.handshake(peer: address.description,
                                     reason: "export size changed from \(size) to \(negotiated.size)")
        }
        try stream.prepareForKernel()
        try netlink.connectDevice(device.index, socket: stream.fd.raw)
    }
}
