// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc
import XCTest
@testable import DSTKit

/// A loopback port nobody listens on (bound, then closed).
func unusedPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var sin = sockaddr_in()
    sin.sin_family = sa_family_t(AF_INET)
    sin.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    try withUnsafeMutablePointer(to: &sin) {
        try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            XCTAssertEqual(bind(fd, $0, len), 0)
            guard getsockname(fd, $0, &len) == 0 else { throw DSTError.system(call: "getsockname", errno: errno) }
        }
    }
    return UInt16(bigEndian: sin.sin_port)
}

final class SocketTests: XCTestCase {
    func testConnectionRefused() throws {
        let address = try DSTAddress(parsing: "127.0.0.1:\(try unusedPort())")
        XCTAssertThrowsError(try Net.connect(to: address, timeout: 2)) {
            XCTAssertEqual($0 as? DSTError, .cannotConnect(address: address.description, errno: ECONNREFUSED))
            XCTAssertEqual("\($0)", "cannot connect to \(address): Connection refused")
        }
    }

    func testUnresolvableHost() throws {
        let address = try DSTAddress(parsing: "nonexistent.invalid:1025")
        XCTAssertThrowsError(try Net.connect(to: address, timeout: 2)) {
            guard case let .cannotResolve(host, _)? = $0 as? DSTError else { return XCTFail("\($0)") }
            XCTAssertEqual(host, "nonexistent.invalid")
            XCTAssertTrue("\($0)".hasPrefix("cannot resolve nonexistent.invalid: "), "\($0)")
        }
    }

    /// The whole handshake over loopback TCP, server on a thread.
    func testHandshakeOverTCP() throws {
        let address = try DSTAddress(parsing: "127.0.0.1:\(try unusedPort())")
        let listener = try Net.listen(on: address)
        let e = DSTExport(name: "disk", size: 1 << 24, listen: address.description)
        let done = DispatchSemaphoreLite()
        var outcome: DSTServerOutcome?
        try Processes.detachThread {
            defer { done.signal() }
            guard (try? pollReadable([listener.raw], timeoutMillis: 5000))?.isEmpty == false,
                  let stream = try? Net.accept(listener) else { return }
            outcome = try? DSTServerHandshake.perform(on: stream, listen: address.description) { [e] }
        }
        let client = try Net.connect(to: address, timeout: 5)
        let session = try DSTSession.random()
        let n = try DSTClientHandshake.perform(on: client, exportName: "disk", csum: .crc32c, session: session,
                                               generation: 3, peer: address.description)
        done.wait()
        XCTAssertEqual(n.size, 1 << 24)
        XCTAssertEqual(n.csum, .crc32c)
        guard case let .accepted(chosen, csum, request) = outcome else { return XCTFail("server: \(String(describing: outcome))") }
        XCTAssertEqual(chosen, e)
        XCTAssertEqual(request.session, session)
        XCTAssertEqual(request.generation, 3)
        XCTAssertEqual(csum, .crc32c)
        XCTAssertNoThrow(try client.prepareForKernel())
    }

    /// Listens on `text`, connects to `remote` (default: the same), and
    /// returns the peer address the accepting side names.
    func acceptedPeer(listen text: String, connect remote: String? = nil) throws -> String {
        let address = try DSTAddress(parsing: text)
        let listener = try Net.listen(on: address)
        defer { listener.close() }
        let client = try Net.connect(to: try DSTAddress(parsing: remote ?? text), timeout: 5)
        defer { client.fd.close() }
        XCTAssertEqual(client.peer, remote ?? address.description)
        XCTAssertFalse(try pollReadable([listener.raw], timeoutMillis: 5000).isEmpty)
        let accepted = try XCTUnwrap(try Net.accept(listener))
        accepted.fd.close()
        return accepted.peer
    }

    func skipUnlessIPv6() throws {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw XCTSkip("no IPv6 here") }
        close(fd)
    }

    func testIPv6Loopback() throws {
        try skipUnlessIPv6()
        let peer = try acceptedPeer(listen: "[::1]:\(try unusedPort())")
        XCTAssertTrue(peer.hasPrefix("[::1]:"), peer)
    }

    /// "[::]:P" is v6-only, so that "0.0.0.0:P" can be served beside it.
    func testIPv6WildcardBesideIPv4() throws {
        try skipUnlessIPv6()
        let port = try unusedPort()
        let six = try Net.listen(on: try DSTAddress(parsing: "[::]:\(port)"))
        defer { six.close() }
        let four = try Net.listen(on: try DSTAddress(parsing: "0.0.0.0:\(port)"))
        four.close()
    }

    /// An IPv4-mapped listen address takes IPv4 clients (a v6-only socket
    /// could not bind it), and names them by their IPv4 address, as the
    /// kernel does, so that an IPv4 allow-from prefix matches them.
    func testIPv4MappedListener() throws {
        try skipUnlessIPv6()
        let port = try unusedPort()
        let peer = try acceptedPeer(listen: "[::ffff:127.0.0.1]:\(port)", connect: "127.0.0.1:\(port)")
        XCTAssertTrue(peer.hasPrefix("127.0.0.1:"), peer)
        XCTAssertTrue(DSTAccess(from: [try XCTUnwrap(DSTCIDR(parsing: "127.0.0.0/8"))]).admits(peer: peer))
    }

    func testDaemonLockIsExclusive() throws {
        // A dstd may run here; only check exclusivity if we got the lock.
        guard let lock = try DaemonLock.acquire() else { return }
        XCTAssertTrue(DaemonLock.isHeld())
        XCTAssertNil(try DaemonLock.acquire())
        // sync() gets the answer once "dstd" answers the pending peers.
        let done = DispatchSemaphoreLite()
        var answer: [String]?
        try Processes.detachThread {
            answer = DaemonLock.sync(timeout: 5)
            done.signal()
        }
        var peers: [FileDescriptor] = []
        XCTAssertTrue(waitFor(millis: 5000) {
            peers += DaemonLock.acceptPending(lock)
            return peers.count >= 2  // isHeld's probe above, then sync
        })
        DaemonLock.answer(peers, problems: ["cannot listen on 192.0.2.1:1025: Cannot assign requested address"])
        done.wait()
        XCTAssertEqual(answer, ["cannot listen on 192.0.2.1:1025: Cannot assign requested address"])
        lock.close()
        XCTAssertFalse(DaemonLock.isHeld())
    }
}

/// A one-shot semaphore without Dispatch.
final class DispatchSemaphoreLite: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var fired = false

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
    }

    func signal() {
        pthread_mutex_lock(&mutex)
        fired = true
        pthread_cond_signal(&cond)
        pthread_mutex_unlock(&mutex)
    }

    func wait() {
        pthread_mutex_lock(&mutex)
        while !fired { pthread_cond_wait(&cond, &mutex) }
        pthread_mutex_unlock(&mutex)
    }
}
