// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Foundation
import XCTest
@testable import DSTKit

/// Small files and the system-call helper they are read with.
final class FilesTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("dst-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func write(_ name: String, _ value: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try value.write(to: url, atomically: false, encoding: .utf8)
        return url.path
    }

    func testFirstLine() throws {
        XCTAssertEqual(readFirstLine(try write("a", "0123abcd \t\r\nsecond\n")), "0123abcd")
        XCTAssertEqual(readFirstLine(try write("b", "")), "")
        XCTAssertEqual(readFirstLine(try write("c", "no newline")), "no newline")
        XCTAssertNil(readFirstLine(dir.appendingPathComponent("missing").path))
    }

    func testMachineID() throws {
        XCTAssertEqual(DSTBacking.machineID(file: try write("id", "  f00d\n")), "f00d")
        XCTAssertEqual(DSTBacking.machineID(file: try write("early", "uninitialized\n")), DSTBacking.hostName())
        XCTAssertEqual(DSTBacking.machineID(file: dir.appendingPathComponent("none").path), DSTBacking.hostName())
    }

    func testSyscallErrno() {
        XCTAssertEqual(FileDescriptor.open(dir.appendingPathComponent("missing").path, O_RDONLY).map(\.raw),
                       .failure(Errno(ENOENT)))
        var calls = 0
        let result = Syscall.result { () -> Int32 in
            calls += 1
            if calls < 3 {
                errno = EINTR
                return -1
            }
            return 7
        }
        XCTAssertEqual(result, .success(7), "EINTR is retried")
        XCTAssertEqual(calls, 3)
        let once = Syscall.result(retryOnInterrupt: false) { () -> Int32 in
            errno = EINTR
            return -1
        }
        XCTAssertEqual(once, .failure(Errno(EINTR)))
        XCTAssertThrowsError(try Syscall.check("close") { close(-1) }) {
            XCTAssertEqual($0 as? DSTError, .system(call: "close", errno: EBADF))
        }
    }
}
