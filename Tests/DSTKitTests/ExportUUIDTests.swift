// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Foundation
import XCTest
@testable import DSTKit

/// Export UUIDs: parsing --uuid, version 5 UUIDs, and the default UUID of an
/// export, which must stay the same for the same export of the same disk.
final class ExportUUIDTests: XCTestCase {
    let machine = "0123456789abcdef0123456789abcdef"
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("dst-uuid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func file(_ name: String, _ content: String = "x") throws -> String {
        let path = dir.appendingPathComponent(name).path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(content.utf8)))
        return path
    }

    // MARK: parsing

    func testParse() {
        let cases = [
            ("6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab", "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab"),
            ("6F1C2D3E-4B5A-4C6D-8E7F-0123456789AB", "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab"),
            ("6f1C2d3E-4b5A-4c6D-8e7F-0123456789aB", "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab"),
            ("00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000"),
            ("ffffffff-ffff-ffff-ffff-ffffffffffff", "ffffffff-ffff-ffff-ffff-ffffffffffff"),
        ]
        for (text, canonical) in cases {
            XCTAssertEqual(DSTUUID(parsing: text)?.description, canonical, text)
        }
        XCTAssertEqual(DSTUUID(parsing: "00010203-0405-0607-0809-0a0b0c0d0e0f"), DSTUUID(bytes: Array(0...15)))
        XCTAssertTrue(DSTUUID(parsing: "00000000-0000-0000-0000-000000000000")!.isZero)
        XCTAssertFalse(DSTUUID(parsing: "00000000-0000-0000-0000-000000000001")!.isZero)
    }

    func testParseRefuses() {
        for text in ["", "xyz", "6f1c2d3e4b5a4c6d8e7f0123456789ab", "{6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab}",
                     "urn:uuid:6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab", " 6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab",
                     "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab ", "6f1c2d3e-4b5a-4c6d-8e7f-0123456789a",
                     "6f1c2d3e-4b5a-4c6d-8e7f-0123456789abc", "6f1c2d3e4-b5a-4c6d-8e7f-0123456789ab",
                     "6f1c2d3e-4b5a-4c6d-8e7f_0123456789ab", "6f1c2d3g-4b5a-4c6d-8e7f-0123456789ab",
                     "６f1c2d3e-4b5a-4c6d-8e7f-0123456789a", "+f1c2d3e-4b5a-4c6d-8e7f-0123456789ab"] {
            XCTAssertNil(DSTUUID(parsing: text), text)
        }
    }

    // MARK: version 5

    /// RFC 9562 appendix A.4 and Python's uuid.uuid5.
    func testNameBasedVector() {
        let dns = DSTUUID(parsing: "6ba7b810-9dad-11d1-80b4-00c04fd430c8")!
        XCTAssertEqual(DSTUUID.nameBased(namespace: dns, name: Array("www.example.com".utf8)).description,
                       "2ed6657d-e927-568b-95e1-2665a8aea6a2")
    }

    func testNamespace() {
        XCTAssertEqual(DSTUUID.dstNamespace.description, "e9846c98-9fa2-4370-9f9c-7cba190760d0")
    }

    // MARK: default export UUID

    /// Pinned values (computed with Python's uuid.uuid5): a change of the
    /// derivation changes every export's UUID, and clients refuse it.
    func testDerivationIsPinned() {
        XCTAssertEqual(DSTBacking.exportUUID(machineID: machine, exportName: "disk",
                                             identity: .blockDevice(major: 8, minor: 16)).description,
                       "1d54526c-000c-5c87-abed-d524978df81d")
        XCTAssertEqual(DSTBacking.exportUUID(machineID: machine, exportName: "db",
                                             identity: .regularFile(major: 254, minor: 1, inode: 1234,
                                                                    generation: nil)).description,
                       "317cf6de-038b-517e-8dd5-2439035a3f55")
        XCTAssertEqual(DSTBacking.exportUUID(machineID: machine, exportName: "db",
                                             identity: .regularFile(major: 254, minor: 1, inode: 1234,
                                                                    generation: 0xdead_beef)).description,
                       "471aa7af-5dba-5250-96f7-4eada0f3c115")
    }

    func testDerivation() {
        let block = DSTBacking.Identity.blockDevice(major: 8, minor: 16)
        let uuid = DSTBacking.exportUUID(machineID: machine, exportName: "disk", identity: block)
        XCTAssertEqual(uuid, DSTBacking.exportUUID(machineID: machine, exportName: "disk", identity: block))
        XCTAssertEqual(uuid.bytes[6] >> 4, 5, "version 5")
        XCTAssertEqual(uuid.bytes[8] >> 6, 0b10, "variant 10")
        let others: [(String, String, DSTBacking.Identity)] = [
            (machine, "disk2", block),
            (machine, "Disk", block),
            (machine, "disk", .blockDevice(major: 8, minor: 17)),
            (machine, "disk", .blockDevice(major: 16, minor: 8)),
            (machine, "disk", .regularFile(major: 8, minor: 16, inode: 0, generation: nil)),
            (machine, "disk", .regularFile(major: 8, minor: 16, inode: 0, generation: 0)),
            (machine, "disk", .regularFile(major: 8, minor: 16, inode: 0, generation: 1)),
            ("fedcba9876543210fedcba9876543210", "disk", block),
        ]
        var seen: Set<DSTUUID> = [uuid]
        for (m, name, identity) in others {
            XCTAssertTrue(seen.insert(DSTBacking.exportUUID(machineID: m, exportName: name, identity: identity)).inserted,
                          "\(m) \(name) \(identity)")
        }
    }

    func testIdentityText() {
        XCTAssertEqual(DSTBacking.Identity.blockDevice(major: 259, minor: 3).description, "block:259:3")
        XCTAssertEqual(DSTBacking.Identity.regularFile(major: 0, minor: 45, inode: 1 << 40, generation: nil).description,
                       "file:0:45:1099511627776")
        XCTAssertEqual(DSTBacking.Identity.regularFile(major: 254, minor: 1, inode: 12, generation: 0).description,
                       "file:254:1:12:0")
        XCTAssertEqual(DSTBacking.Identity.regularFile(major: 254, minor: 1, inode: 12, generation: .max).description,
                       "file:254:1:12:4294967295")
    }

    /// glibc's major(3) and minor(3) (values from Python's os.makedev).
    func testDevNumbers() {
        let cases: [(UInt64, UInt32, UInt32)] = [
            (0x810, 8, 16), (0x10303, 259, 3), (0xffff_ffff, 4095, 1_048_575),
            (0x1001_0000_0000, 4096, 1_048_576), (0x7fff_f7ff_ffff_ffff, 0x7fff_ffff, 0x7fff_ffff),
        ]
        for (dev, major, minor) in cases {
            XCTAssertEqual(devMajor(dev), major, "major of \(dev)")
            XCTAssertEqual(devMinor(dev), minor, "minor of \(dev)")
        }
    }

    /// The same file opened again is the same disk; a file put in its place
    /// (a new inode) is another.
    func testFileIdentity() throws {
        let path = try file("disk.img")
        let first = try DSTBacking.open(path, readOnly: true)
        let again = try DSTBacking.open(path, readOnly: false)
        XCTAssertEqual(first.identity, again.identity)
        XCTAssertEqual(first.exportUUID(name: "disk"), again.exportUUID(name: "disk"))
        XCTAssertNotEqual(first.exportUUID(name: "disk"), first.exportUUID(name: "disk2"))
        guard case let .regularFile(_, _, inode, _) = first.identity else { return XCTFail("\(first.identity)") }
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertEqual(inode, UInt64(st.st_ino))

        let replacement = try file("new.img")
        XCTAssertEqual(rename(replacement, path), 0)
        let renamed = try DSTBacking.open(path, readOnly: true)
        XCTAssertNotEqual(renamed.identity, first.identity)
        XCTAssertNotEqual(renamed.exportUUID(name: "disk"), first.exportUUID(name: "disk"))
    }

    /// A file deleted and created again may get the same inode number (ext4
    /// hands out the one just freed), but not the same generation.
    func testRecreatedFile() throws {
        let path = try file("disk.img")
        let first = try DSTBacking.open(path, readOnly: true)
        guard case let .regularFile(_, _, _, generation) = first.identity, generation != nil else {
            throw XCTSkip("no inode generations on this filesystem: \(first.identity)")
        }
        var seen: Set<String> = [first.identity.description]
        for round in 1...3 {
            XCTAssertEqual(unlink(path), 0)
            _ = try file("disk.img")
            let again = try DSTBacking.open(path, readOnly: true)
            XCTAssertTrue(seen.insert(again.identity.description).inserted, "round \(round): \(again.identity)")
        }
    }

    func testMachineID() throws {
        XCTAssertEqual(DSTBacking.machineID(file: try file("id1", "0123456789abcdef0123456789abcdef\n")),
                       "0123456789abcdef0123456789abcdef")
        XCTAssertEqual(DSTBacking.machineID(file: try file("id2", " \tabc \n")), "abc")
        let host = DSTBacking.hostName()
        XCTAssertFalse(host.isEmpty)
        XCTAssertEqual(DSTBacking.machineID(file: dir.appendingPathComponent("missing").path), host)
        XCTAssertEqual(DSTBacking.machineID(file: try file("id3", "")), host)
        XCTAssertEqual(DSTBacking.machineID(file: try file("id4", "\n")), host)
        XCTAssertEqual(DSTBacking.machineID(file: try file("id5", "uninitialized\n")), host)
        if let kernel = try? String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8) {
            XCTAssertEqual(host, kernel.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
