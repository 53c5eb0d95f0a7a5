// The committed outputs must be what the generator makes of the committed
// spec, byte for byte; and they must compile.

import Foundation
import XCTest
@testable import dst_nlgen

/// The repository root: this file is Tests/NLGenTests/GeneratedFilesTests.swift.
let repoRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()

/// The outputs of the real spec.
func generateFromRepoSpec() throws -> [GeneratedFile] {
    let yaml = try String(contentsOf: repoRoot.appendingPathComponent(Generator.specPath), encoding: .utf8)
    return try Generator.generate(yaml: yaml)
}

final class GeneratedFilesTests: XCTestCase {
    func testCommittedFilesMatchTheSpec() throws {
        let files = try generateFromRepoSpec()
        XCTAssertEqual(files.map(\.path), [
            "kmod/gen/dst.h",
            "kmod/gen/dst-nl-gen.h",
            "kmod/gen/dst-nl-gen.c",
            "Sources/DSTKit/Generated/DSTSpec.swift",
            "Sources/DSTKit/Generated/DSTMessages.swift",
            "Tests/vm/dst_spec.py",
        ])
        for file in files {
            let committed = try String(contentsOf: repoRoot.appendingPathComponent(file.path), encoding: .utf8)
            if committed == file.text {
                continue
            }
            let old = committed.split(separator: "\n", omittingEmptySubsequences: false)
            let new = file.text.split(separator: "\n", omittingEmptySubsequences: false)
            let line = zip(old, new).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(old.count, new.count)
            XCTFail("""
                \(file.path) is stale at line \(line + 1); run Tools/generate.sh
                committed: \(line < old.count ? String(old[line]) : "<end>")
                generated: \(line < new.count ? String(new[line]) : "<end>")
                """)
        }
    }

    func testGeneratedFilesCarryTheBanner() throws {
        for file in try generateFromRepoSpec() {
            let head = file.text.split(separator: "\n").prefix(2).joined(separator: "\n")
            XCTAssertTrue(head.contains(banner), file.path)
            if file.path.hasSuffix(".c") {
                XCTAssertTrue(file.text.hasPrefix("// SPDX-License-Identifier: GPL-2.0-only OR MIT\n"), file.path)
            } else if file.path.hasSuffix(".h") {
                XCTAssertTrue(file.text.hasPrefix("/* SPDX-License-Identifier: GPL-2.0-only OR MIT */\n"), file.path)
            }
        }
    }

    /// The uapi header compiles as C and its structs have the sizes and
    /// offsets the spec implies. Fails where there is no C compiler.
    func testUAPIHeaderCompiles() throws {
        guard let cc = findTool("cc") ?? findTool("gcc") ?? findTool("clang") else {
            return XCTFail("no C compiler on PATH (Tools/setup.sh installs build-essential)")
        }
        let dir = try temporaryDirectory()
        let uapi = try XCTUnwrap(try generateFromRepoSpec().first { $0.path == "kmod/gen/dst.h" })
        try uapi.text.write(to: dir.appendingPathComponent("dst.h"), atomically: true, encoding: .utf8)
        let probe = """
            #include <stddef.h>
            #include "dst.h"
            _Static_assert(sizeof(struct dst_client_hello) == DST_CLIENT_HELLO_SIZE, "client-hello");
            _Static_assert(sizeof(struct dst_server_reply) == DST_SERVER_REPLY_SIZE, "server-reply");
            _Static_assert(sizeof(struct dst_req_hdr) == DST_REQ_HDR_SIZE, "req-hdr");
            _Static_assert(sizeof(struct dst_rep_hdr) == DST_REP_HDR_SIZE, "rep-hdr");
            _Static_assert(offsetof(struct dst_req_hdr, tag) == 8, "tag");
            _Static_assert(offsetof(struct dst_server_reply, uuid) == 48, "uuid");
            _Static_assert(DST_A_MAX == DST_A_DISCARD_ALIGNMENT, "attrs");
            _Static_assert(DST_A_ALLOW_MAX == DST_A_ALLOW_READ_ONLY, "allow attrs");
            _Static_assert(DST_A_CONN_MAX == DST_A_CONN_PING_SRTT_US, "conn attrs");
            _Static_assert(DST_CMD_MAX == DST_CMD_EXPORT_RESIZE, "cmds");
            _Static_assert(DST_OP_MAX == DST_OP_RESIZE, "ops");
            _Static_assert(DST_HELLO_MAGIC == 0x44535448454c4c4fULL, "magic");
            """
        try probe.write(to: dir.appendingPathComponent("probe.c"), atomically: true, encoding: .utf8)
        let result = try runTool(cc, ["-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "probe.c"], in: dir)
        XCTAssertEqual(result.status, 0, result.output)
    }

    /// The Swift bindings compile on their own and their codecs round-trip.
    /// Fails where swiftc is not on PATH.
    func testSwiftBindingsCompileAndRoundTrip() throws {
        guard let swiftc = findTool("swiftc") else {
            return XCTFail("no swiftc on PATH")
        }
        let dir = try temporaryDirectory()
        let bindings = try XCTUnwrap(try generateFromRepoSpec().first { $0.path.hasSuffix("DSTSpec.swift") })
        try bindings.text.write(to: dir.appendingPathComponent("DSTSpec.swift"), atomically: true, encoding: .utf8)
        let driver = """
            import Foundation

            func check(_ ok: Bool, _ what: String, line: Int = #line) {
                if !ok { print("FAIL line \\(line): \\(what)"); exit(1) }
            }

            let req = DSTReqHdr(magic: UInt32(DSTWire.reqMagic), opcode: UInt16(DSTOpcode.writeZeroes.rawValue),
                                flags: UInt16(DSTCmdFlags.fua.rawValue), tag: 0x0102_0304_0506_0708,
                                offset: 1 << 40, length: 4096, dataCsum: 0xdead_beef, hdrCsum: 7, reserved: 0)
            let bytes = req.encoded()
            check(bytes.count == 40 && DSTReqHdr.size == 40, "req size")
            check(Array(bytes[0..<4]) == Array("DSTQ".utf8), "magic is big-endian")
            check(bytes[4] == 0 && bytes[5] == 5, "opcode")
            check(Array(bytes[8..<16]) == [1, 2, 3, 4, 5, 6, 7, 8], "tag")
            check((try? DSTReqHdr(decoding: bytes + [9, 9])) == req, "req round trip, trailing bytes ignored")
            do {
                _ = try DSTReqHdr(decoding: bytes.dropLast())
                check(false, "short req decoded")
            } catch {
                check(error == .truncated(type: "req-hdr", needed: 40, got: 39), "truncated")
            }

            let reply = DSTServerReply(magic: UInt64(DSTWire.replyMagic), version: UInt32(DSTWire.protoVersion),
                                       status: DSTHelloStatus.internal.rawValue, size: 1 << 33, logicalBs: 512,
                                       physicalBs: 4096, maxXfer: UInt32(DSTWire.maxXferDefault),
                                       features: DSTFeatures.all.rawValue, csum: DSTChecksum.crc32c.rawValue,
                                       msgLen: 0, uuid: Array(0..<16))
            check(Array(reply.encoded()[0..<8]) == Array("DSTREPLY".utf8), "reply magic")
            check(reply.encoded()[48...] == ArraySlice(0..<16), "uuid at 48")
            check((try? DSTServerReply(decoding: reply.encoded())) == reply, "reply round trip")
            let hello = DSTClientHello(magic: UInt64(DSTWire.helloMagic), version: 1, features: 3, csum: 0, nameLen: 4,
                                       session: Array(0..<16), generation: 7, reserved: 0)
            check((try? DSTClientHello(decoding: hello.encoded())) == hello, "hello round trip")
            check(Array(hello.encoded()[0..<8]) == Array("DSTHELLO".utf8), "hello magic")
            check(hello.encoded()[24..<40] == ArraySlice(0..<16), "session at 24")
            let rep = DSTRepHdr(magic: UInt32(DSTWire.repMagic), status: DSTStatus.nospc.rawValue, tag: 42,
                                opcode: 2, flags: 0, length: 0, dataCsum: 0, hdrCsum: 0)
            check((try? DSTRepHdr(decoding: rep.encoded())) == rep, "rep round trip")

            check(DSTFeatures.all.rawValue == 0xff, "features mask")
            check(DSTFeatures([.flush, .readOnly, DSTFeatures(rawValue: 1 << 20)]).specNames == ["flush", "read-only"],
                  "specNames")
            check(DSTOpcode.writeZeroes.specName == "write-zeroes", "opcode specName")
            check(DSTDevState.allCases.map(\\.rawValue) == [1, 2, 3, 4, 5], "value-start")
            check(DSTAttr.devIndex.rawValue == 1 && DSTAttr.inflight.rawValue == 20, "attr numbers")
            check(DSTAttr.uuid.kind == .binary(exactLength: 16), "uuid kind")
            check(DSTAttr.exportName.kind == .string(maxLength: 64), "export-name kind")
            check(DSTAttr.maxXfer.valueRange == 4096...4_194_304, "max-xfer range")
            check(DSTAttr.conn.kind == .nest && DSTAttr.conn.specName == "conn", "conn nest")
            check(DSTConnAttr.slot.rawValue == 1 && DSTConnAttr.recordErrors.rawValue == 9, "conn attr numbers")
            check(DSTConnAttr.identity.kind == .string(maxLength: DSTWire.identityMax), "identity kind")
            check(DSTTlsCipher.chacha20Poly1305.specName == "chacha20-poly1305", "tls-cipher")
            check(DSTCommand.devAdd.rawValue == 1 && DSTCommand.exportChangeNtf.rawValue == 10, "cmd numbers")
            check(DSTCommand.devChangeNtf.multicastGroup == DSTFamily.eventsGroup, "ntf group")
            check(DSTCommand.devAdd.requiresAdmin && !DSTCommand.devGet.requiresAdmin, "admin")
            print("ok")
            """
        try driver.write(to: dir.appendingPathComponent("main.swift"), atomically: true, encoding: .utf8)
        let build = try runTool(swiftc, ["-warnings-as-errors", "-o", "codec", "main.swift", "DSTSpec.swift"], in: dir)
        XCTAssertEqual(build.status, 0, build.output)
        guard build.status == 0 else {
            return
        }
        let result = try runTool(dir.appendingPathComponent("codec").path, [], in: dir)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(result.output, "ok\n")
    }
}

// MARK: - Helpers

func findTool(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let candidate = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
    }
    return nil
}

extension XCTestCase {
    /// A fresh directory, removed when the test ends.
    func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nlgen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock {
            try? FileManager.default.removeItem(at: dir)
        }
        return dir
    }
}

func runTool(_ tool: String, _ arguments: [String], in dir: URL) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    process.currentDirectoryURL = dir
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
