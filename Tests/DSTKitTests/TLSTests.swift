// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Foundation
import Glibc
import XCTest
@testable import DSTKit

/// TLS 1.3 handshakes over loopback TCP, both sides here (the hand-off to
/// kernel TLS needs the tls module: the VM tests cover it). Failures are
/// checked as each side words them.
final class TLSTests: XCTestCase {
    static let certs: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dst-tls-certs").path
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../tls/make-certs.sh").standardized.path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: script)
        p.arguments = [dir]
        try? p.run()
        p.waitUntilExit()
        return dir
    }()

    var dir: URL!
    let key = Array(repeating: UInt8(7), count: DSTKeyFile.keySize)

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("dst-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func keyFile(_ bytes: [UInt8], mode: Int = 0o600, name: String = "key") throws -> String {
        let path = dir.appendingPathComponent(name).path
        try (Base64.encode(bytes) + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, mode_t(mode))
        return path
    }

    func cert(_ name: String) -> String { "\(Self.certs)/\(name).pem" }
    func certKey(_ name: String) -> String { "\(Self.certs)/\(name)-key.pem" }

    struct Outcome {
        var client: Result<(identity: String, cipher: DSTTLSCipher?), DSTError>
        var server: Result<(identity: String, got: [UInt8]), DSTError>
    }

    /// A handshake between `client` and a server thread, then "ping" and
    /// "pong" through TLS.
    func run(client: DSTCredentials, ciphers: DSTTLSCiphers = .any, server: DSTCredentials?, host: String = "127.0.0.1",
             lookup: ((String) -> [UInt8]?)?) throws -> Outcome {
        let address = try DSTAddress(parsing: "\(host):\(try unusedPort())")
        let listener = try Net.listen(on: address)
        let done = DispatchSemaphoreLite()
        var serverSide: Result<(identity: String, got: [UInt8]), DSTError> = .failure(.timedOut("no client"))
        try Processes.detachThread {
            defer { done.signal() }
            guard (try? pollReadable([listener.raw], timeoutMillis: 5000))?.isEmpty == false,
                  let stream = try? Net.accept(listener) else { return }
            do {
                let tls = try TLSStream.server(stream, credentials: server, lookup: lookup)
                let got = try tls.read(exactly: 4)
                try tls.write(all: Array("pong".utf8))
                serverSide = .success((tls.peerIdentity, got))
            } catch let error as DSTError {
                serverSide = .failure(error)
            } catch {
                serverSide = .failure(.timedOut("\(error)"))
            }
        }
        let stream = try Net.connect(to: address, timeout: 5)
        var clientSide: Result<(identity: String, cipher: DSTTLSCipher?), DSTError>
        do {
            let tls = try TLSStream.client(stream, credentials: client, ciphers: ciphers)
            try tls.write(all: Array("ping".utf8))
            let pong = try tls.read(exactly: 4)
            XCTAssertEqual(pong, Array("pong".utf8))
            clientSide = .success((tls.peerIdentity, tls.cipher))
        } catch let error as DSTError {
            clientSide = .failure(error)
        }
        done.wait()
        return Outcome(client: clientSide, server: serverSide)
    }

    func failure<T>(_ r: Result<T, DSTError>) -> String? {
        if case let .failure(e) = r { return "\(e)" }
        return nil
    }

    func testPSK() throws {
        let path = try keyFile(key)
        for (ciphers, cipher) in [(DSTTLSCiphers.any, DSTTLSCipher.aes128GCM),
                                  (.chacha20Poly1305, .chacha20Poly1305)] {
            let o = try run(client: .psk(identity: "alice", keyPath: path), ciphers: ciphers, server: nil) {
                $0 == "alice" ? self.key : nil
            }
            XCTAssertEqual(try o.server.get().identity, "alice")
            XCTAssertEqual(try o.server.get().got, Array("ping".utf8))
            XCTAssertEqual(try o.client.get().cipher, cipher)
        }
    }

    func testWrongKey() throws {
        let path = try keyFile(Array(repeating: 8, count: 32))
        let o = try run(client: .psk(identity: "alice", keyPath: path), server: nil) { _ in self.key }
        XCTAssertTrue(failure(o.client)?.hasSuffix(
            "failed: wrong key: the server's key for this identity differs (illegal_parameter)") ?? false,
                      "\(o.client)")
        XCTAssertTrue(failure(o.server)?.hasSuffix("failed: wrong key") ?? false, "\(o.server)")
    }

    func testUnknownIdentity() throws {
        let path = try keyFile(key)
        let o = try run(client: .psk(identity: "nobody", keyPath: path), server: nil) { _ in nil }
        XCTAssertTrue(failure(o.client)?.hasSuffix(
            "failed: unknown identity: the server does not admit it (unknown_psk_identity)") ?? false,
                      "\(o.client)")
        XCTAssertTrue(failure(o.server)?.hasSuffix("failed: unknown identity \"nobody\"") ?? false, "\(o.server)")
    }

    func testX509() throws {
        let server = DSTCredentials.x509(certPath: cert("server"), keyPath: certKey("server"), caPath: cert("ca"),
                                         serverName: nil)
        let alice = DSTCredentials.x509(certPath: cert("alice"), keyPath: certKey("alice"), caPath: cert("ca"),
                                        serverName: "server.dst.test")
        let o = try run(client: alice, server: server, lookup: nil)
        XCTAssertEqual(try o.server.get().identity, "alice")
        XCTAssertEqual(try o.client.get().identity, "server.dst.test")

        let mallory = DSTCredentials.x509(certPath: cert("mallory"), keyPath: certKey("mallory"),
                                          caPath: cert("ca"), serverName: "server.dst.test")
        let m = try run(client: mallory, server: server, lookup: nil)
        XCTAssertTrue(failure(m.client)?.hasSuffix("the server does not trust our certificate (bad_certificate)")
                      ?? false, "\(m.client)")
        XCTAssertTrue(failure(m.server)?.hasSuffix("the client's certificate is not trusted (unknown issuer)")
                      ?? false, "\(m.server)")

        let wrongName = DSTCredentials.x509(certPath: cert("alice"), keyPath: certKey("alice"), caPath: cert("ca"),
                                            serverName: "other.dst.test")
        let w = try run(client: wrongName, server: server, lookup: nil)
        XCTAssertTrue(failure(w.client)?.hasSuffix("the server's certificate is not trusted (name does not match)")
                      ?? false, "\(w.client)")
    }

    /// A server named by an address literal, as `--server-name` defaults
    /// to the host of `--remote`: the certificate's IP addresses are checked
    /// (an IP literal is not sent as SNI, which takes DNS names only).
    func testX509AddressLiteral() throws {
        let server = DSTCredentials.x509(certPath: cert("server-ip"), keyPath: certKey("server-ip"),
                                         caPath: cert("ca"), serverName: nil)
        func alice(_ name: String) -> DSTCredentials {
            .x509(certPath: cert("alice"), keyPath: certKey("alice"), caPath: cert("ca"), serverName: name)
        }
        let v4 = try run(client: alice("127.0.0.1"), server: server, lookup: nil)
        XCTAssertEqual(try v4.client.get().identity, "server-ip")
        let v6 = try run(client: alice(try DSTAddress(parsing: "[::1]").host), server: server, host: "[::1]", lookup: nil)
        XCTAssertEqual(try v6.client.get().identity, "server-ip")
        XCTAssertEqual(try v6.server.get().identity, "alice")
        for name in ["fd00::2", "127.0.0.2"] {
            let w = try run(client: alice(name), server: server, host: "[::1]", lookup: nil)
            XCTAssertTrue(failure(w.client)?.hasSuffix("the server's certificate is not trusted (name does not match)")
                          ?? false, "\(name): \(w.client)")
        }
        // A certificate with a DNS name only does not match an address.
        let dnsOnly = DSTCredentials.x509(certPath: cert("server"), keyPath: certKey("server"), caPath: cert("ca"),
                                          serverName: nil)
        let d = try run(client: alice("::1"), server: dnsOnly, host: "[::1]", lookup: nil)
        XCTAssertTrue(failure(d.client)?.hasSuffix("the server's certificate is not trusted (name does not match)")
                      ?? false, "\(d.client)")
    }

    /// A plaintext DST hello to a TLS server.
    func testPlaintextClient() throws {
        let address = try DSTAddress(parsing: "127.0.0.1:\(try unusedPort())")
        let listener = try Net.listen(on: address)
        let done = DispatchSemaphoreLite()
        var result: String?
        try Processes.detachThread {
            defer { done.signal() }
            guard (try? pollReadable([listener.raw], timeoutMillis: 5000))?.isEmpty == false,
                  let stream = try? Net.accept(listener) else { return }
            do {
                _ = try TLSStream.server(stream, credentials: nil, lookup: { _ in nil })
            } catch {
                result = "\(error)"
            }
        }
        let client = try Net.connect(to: address, timeout: 5)
        try client.write(all: DSTClientHandshake.hello(exportName: "", csum: .none, session: .none, generation: 1))
        done.wait()
        XCTAssertTrue(result?.hasSuffix("failed: the client did not speak TLS") ?? false, result ?? "nil")
    }

    func testKeyFiles() throws {
        let generated = try DSTKeyFile.generate()
        XCTAssertEqual(generated.count, 44)
        let path = try keyFile(Base64.decode(Array(generated.utf8)) ?? [])
        XCTAssertEqual(try DSTKeyFile.read(path).count, 32)
        let open = try keyFile(key, mode: 0o644, name: "open")
        XCTAssertThrowsError(try DSTKeyFile.read(open)) {
            XCTAssertEqual("\($0)", "key file \(open): readable or writable by others (mode 644); chmod 600 it")
        }
        let short = try keyFile(Array(repeating: 1, count: 16), name: "short")
        XCTAssertThrowsError(try DSTKeyFile.read(short)) {
            XCTAssertEqual("\($0)", "key file \(short): not a key: expected one line of base64 (dstctl genkey)")
        }
    }

    func testBase64() {
        for n in 1..<40 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            XCTAssertEqual(Base64.decode(Array(Base64.encode(bytes).utf8)), bytes)
        }
        XCTAssertEqual(Base64.encode(Array("foobar".utf8)), "Zm9vYmFy")
        XCTAssertEqual(Base64.encode(Array("fo".utf8)), "Zm8=")
        for bad in ["Zm9", "Zm8==", "Z=m8", "Zm9v!", "", "Zm9=Zm9v"] {
            XCTAssertNil(Base64.decode(Array(bad.utf8)), bad)
        }
    }
}
