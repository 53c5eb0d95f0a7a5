// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc
import XCTest
@testable import DSTKit

/// dstd's log lines: key=value fields, quoting, the journal's priorities.
final class LogTests: XCTestCase {
    func testEventLine() {
        let e = DSTLogEvent("reconnect-failed", [
            "device": "dst0", "conn": UInt32(1), "generation": UInt32(5), "identity": nil,
            "reason": "connection refused", "delay": DSTLogEvent.seconds(millis: 2000),
        ])
        XCTAssertEqual(e.description,
                       #"event=reconnect-failed device=dst0 conn=1 generation=5 reason="connection refused" delay=2s"#)
        XCTAssertEqual(e["reason"], "connection refused")
        XCTAssertNil(e["identity"])
        XCTAssertEqual(DSTLogEvent("start").description, "event=start")
    }

    func testQuoting() {
        XCTAssertEqual(DSTLogEvent.quoted("192.0.2.1:1025"), "192.0.2.1:1025")
        XCTAssertEqual(DSTLogEvent.quoted(""), #""""#)
        XCTAssertEqual(DSTLogEvent.quoted("a=b"), #""a=b""#)
        XCTAssertEqual(DSTLogEvent.quoted(#"say "hi""#), #""say \"hi\"""#)
        XCTAssertEqual(DSTLogEvent.quoted("back\\slash"), #""back\\slash""#)
        XCTAssertEqual(DSTLogEvent.quoted("two\nlines\tand\u{1}\u{7f}"), #""two\nlines\tand\x01\x7f""#)
        XCTAssertEqual(DSTLogEvent.quoted("é"), "é")
        XCTAssertEqual(DSTLogEvent.seconds(millis: 500), "0.5s")
    }

    func testLines() {
        let e = DSTLogEvent("reconnect", ["device": "dst0", "generation": UInt32(3)])
        XCTAssertEqual(DSTLog.line(.info, e, journal: false, timestamp: "2025-01-31 12:34:56.789"),
                       "2025-01-31 12:34:56.789 level=info event=reconnect device=dst0 generation=3")
        XCTAssertEqual(DSTLog.line(.info, e, journal: true, timestamp: "x"), "<6>event=reconnect device=dst0 generation=3")
        XCTAssertEqual(DSTLog.line(.error, e, journal: true, timestamp: "x").prefix(3), "<3>")
        XCTAssertEqual(DSTLog.line(.warning, e, journal: true, timestamp: "x").prefix(3), "<4>")
        XCTAssertEqual(DSTLog.line(.debug, e, journal: true, timestamp: "x").prefix(3), "<7>")
    }

    /// One write per line, levels above the log's left out.
    func testWritesToFD() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        let log = DSTLog(fd: fds[1], journal: true, level: .info)
        log.info("listen", ["listen": "192.0.2.1:1025", "exports": "disk"])
        log.debug("dial", ["device": "dst0"])
        log.warning("handshake-refused", ["peer": "192.0.2.2:40112", "reason": "8 handshakes in progress"])
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = read(fds[0], &buf, buf.count)
        XCTAssertEqual(String(decoding: buf.prefix(max(n, 0)), as: UTF8.self), """
            <6>event=listen listen=192.0.2.1:1025 exports=disk
            <4>event=handshake-refused peer=192.0.2.2:40112 reason="8 handshakes in progress"

            """)
    }

    /// $JOURNAL_STREAM names a stream by device and inode: only that one is
    /// the journal, not a file stderr was redirected to.
    func testJournalStream() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        var st = stat()
        XCTAssertEqual(fstat(fds[1], &st), 0)
        XCTAssertTrue(DSTLog.isJournal(fd: fds[1], stream: "\(st.st_dev):\(st.st_ino)"))
        XCTAssertFalse(DSTLog.isJournal(fd: fds[1], stream: "\(st.st_dev):\(st.st_ino + 1)"))
        XCTAssertFalse(DSTLog.isJournal(fd: fds[1], stream: nil))
        XCTAssertFalse(DSTLog.isJournal(fd: fds[1], stream: "garbage"))
    }
}
