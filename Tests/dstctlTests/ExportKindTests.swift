// SPDX-License-Identifier: GPL-2.0-only OR MIT
import XCTest
@testable import DSTKit
@testable import dstctl

/// TLS exports on one address take one kind of credentials.
final class ExportKindTests: XCTestCase {
    let psk = DSTAccess(tlsRequired: true, allow: [DSTAllowEntry(identity: "alice", keyPath: "/k", readOnly: false)])
    let x509 = DSTAccess(tlsRequired: true, allow: [DSTAllowEntry(identity: "alice", keyPath: nil, readOnly: false)],
                         server: DSTServerCertificate(certPath: "/c", keyPath: "/k", caPath: "/ca"))

    func export(_ name: String, _ access: DSTAccess, listen: String = "192.0.2.1:1025") -> DSTExport {
        var e = DSTExport(name: name, size: 1 << 20, listen: listen)
        e.access = access
        return e
    }

    func testKinds() throws {
        let listen = "192.0.2.1:1025"
        XCTAssertThrowsError(try Dstctl.Export.checkKind(x509, listen: listen, among: [export("a", psk)])) {
            XCTAssertEqual("\($0)", "export a on 192.0.2.1:1025 takes pre-shared keys; TLS exports on one address "
                + "take the same kind (use another port)")
        }
        XCTAssertThrowsError(try Dstctl.Export.checkKind(psk, listen: listen, among: [export("b", x509)]))
        XCTAssertNoThrow(try Dstctl.Export.checkKind(psk, listen: listen, among: [export("a", psk)]))
        XCTAssertNoThrow(try Dstctl.Export.checkKind(psk, listen: listen, among: [export("p", DSTAccess())]))
        XCTAssertNoThrow(try Dstctl.Export.checkKind(DSTAccess(), listen: listen, among: [export("b", x509)]))
        XCTAssertNoThrow(try Dstctl.Export.checkKind(psk, listen: listen,
                                                     among: [export("b", x509, listen: "192.0.2.1:1026")]))
    }
}
