#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Export-side tests of dst.ko, speaking raw generic netlink and raw wire
# protocol v1 frames (no hello: the test hands the accepted TCP socket to
# export-connect itself, with the session and generation a hello would have
# carried, and plays the client on the other end). A hostile client:
# malformed, out-of-bounds and checksum-broken frames, clients that vanish
# mid-I/O, hundreds of pipelined requests, PINGs, sessions fenced by newer
# generations. Names and numbers come from the generated dst_spec.py.
#
#   export_peer.py file PATH SCRATCH | bdev PATH | fence SLOWPATH MS | stale PATH |
#                  leave PATH
#
# fence wants a block device whose every I/O takes MS milliseconds (dm-delay).
import errno
import os
import random
import socket
import struct
import sys
import threading
import time

from dst_spec import CONSTANTS as C
from dstnl import Events as EventSocket
from dstnl import Genl, NLError
from dstwire import REP, REQ, crc32c, recv_exact

EV = {n: C["DST_EXPORT_EV_" + n] for n in ("ADDED", "REMOVED", "CLIENT_CONNECTED",
                                          "CLIENT_DISCONNECTED", "CLIENT_FENCED")}
EV_NAME = {v: k for k, v in EV.items()}


class Events:
    """export-change-ntf, as dicts: name, event, clients, peer, last_error."""

    def __init__(self, nl):
        self.events = EventSocket(nl)

    def next(self, timeout=10):
        """The next export event, or None after timeout seconds."""
        end = time.time() + timeout
        while True:
            got = self.events.next(max(end - time.time(), 0.001))
            if got is None:
                return None
            cmd, a = got
            if cmd != "EXPORT_CHANGE_NTF":
                continue
            return {
                "name": a.str("EXPORT_NAME"),
                "event": EV_NAME.get(a.u32("EXPORT_EVENT")),
                "clients": a.u32("CLIENTS"),
                "peer": a.str("PEER"),
                "last_error": a.str("LAST_ERROR"),
            }

    def expect(self, name, event, clients=None, peer=None, last_error=None, timeout=10):
        """The next event is this one (None: any value)."""
        got = self.next(timeout)
        want = {"name": name, "event": event, "clients": clients, "peer": peer,
                "last_error": last_error}
        ok = got is not None and all(v is None or got[k] == v for k, v in want.items())
        check(ok, f"event {got} matches {({k: v for k, v in want.items() if v is not None})}")
        return got

    def wait_for(self, what, pred, timeout=20):
        """Skip events until pred(event); fail after timeout."""
        end = time.time() + timeout
        while time.time() < end:
            got = self.next(end - time.time())
            if got and pred(got):
                check(True, f"{what}: {got}")
                return got
        check(False, f"{what}: no such event in {timeout}s")
        return None

    def drain(self):
        while self.next(0.2):
            pass

    def close(self):
        self.events.close()


# ---------- checks ----------

failures = 0


def check(cond, what):
    global failures
    if cond:
        print(f"ok: {what}")
    else:
        failures += 1
        print(f"FAIL: {what}")


def expect_nlerr(fn, err, substr, what):
    try:
        fn()
    except NLError as e:
        check(e.err == err and substr in e.msg, f"{what}: {e}")
        return
    check(False, f"{what}: succeeded")


# ---------- exports ----------


def export_add(nl, name, path, flags=os.O_RDWR, ro=False, fd=None, uuid=None):
    """export-add, then wait until the export is ready: a regular file is
    probed for direct I/O first."""
    own = fd is None
    if own:
        fd = os.open(path, flags)
    try:
        attrs = dict(EXPORT_NAME=name, BACKING_FD=fd, BACKING_PATH=path, LISTEN="127.0.0.1:1025")
        if ro:
            attrs["READ_ONLY"] = True
        if uuid:
            attrs["UUID"] = uuid
        nl.cmd("EXPORT_ADD", **attrs)
    finally:
        if own:
            os.close(fd)
    end = time.time() + 20
    while export_get(nl, name)["state"] == C["DST_EXPORT_PROBING"] and time.time() < end:
        time.sleep(0.05)


def export_get(nl, name):
    a = nl.cmd("EXPORT_GET", EXPORT_NAME=name)[0]
    return {
        "name": a.str("EXPORT_NAME"),
        "size": a.u64("SIZE"),
        "lbs": a.u32("LOGICAL_BS"),
        "pbs": a.u32("PHYSICAL_BS"),
        "max_xfer": a.u32("MAX_XFER"),
        "features": a.u32("FEATURES"),
        "clients": a.u32("CLIENTS"),
        "state": a.u32("EXPORT_STATE"),
        "uuid": a["UUID"],
        "path": a.str("BACKING_PATH") or "",
    }


def export_del(nl, name, wait=True):
    """export-del; with wait, until the export left the list (its backing
    file closed once its clients' requests drained)."""
    nl.cmd("EXPORT_DEL", EXPORT_NAME=name)
    end = time.time() + 60
    while wait and time.time() < end:
        try:
            export_get(nl, name)
        except NLError as e:
            if e.err == errno.ENOENT:
                return
            raise
        time.sleep(0.05)


class Client:
    """One connection: a TCP pair on loopback, the server end given to dst.

    session (16 bytes) and gen are what a client hello carries and userspace
    hands to export-connect; None leaves the attribute out."""

    def __init__(self, nl, name, csum=0, session=None, gen=None):
        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen(1)
        self.s = socket.create_connection(ls.getsockname())
        srv, _ = ls.accept()
        ls.close()
        attrs = dict(EXPORT_NAME=name, SOCK_FD=srv.fileno(), CSUM=csum)
        if session is not None:
            attrs["SESSION"] = session
        if gen is not None:
            attrs["GENERATION"] = gen
        try:
            nl.cmd("EXPORT_CONNECT", **attrs)
        except NLError:
            self.s.close()
            raise
        finally:
            srv.close()
        self.csum = csum
        self.tag = 0
        self.s.settimeout(30)
        host, port = self.s.getsockname()[:2]
        self.peer = f"{host}:{port}"  # as the export names it

    def send(self, op, offset, length, data=b"", flags=0, tag=None, magic=None,
             reserved=0, data_csum=None, bad_hdr_csum=False):
        if tag is None:
            self.tag += 1
            tag = self.tag
        if data_csum is None:
            data_csum = crc32c(data) if (self.csum and data) else 0
        hdr = REQ.pack(magic or C["DST_REQ_MAGIC"], op, flags, tag, offset, length,
                       data_csum, 0, reserved)
        if self.csum:
            hc = crc32c(hdr)
            if bad_hdr_csum:
                hc ^= 1
            hdr = hdr[:32] + struct.pack(">I", hc) + hdr[36:]
        self.s.sendall(hdr + bytes(data))
        return tag

    def recv_exact(self, n):
        return recv_exact(self.s, n)

    def reply(self):
        h = self.recv_exact(REP.size)
        magic, status, tag, op, flags, length, dcs, hcs = REP.unpack(h)
        assert magic == C["DST_REP_MAGIC"], hex(magic)
        assert flags == 0
        if self.csum:
            z = h[:28] + b"\0\0\0\0"
            assert crc32c(z) == hcs, "reply hdr csum"
        else:
            assert hcs == 0 and dcs == 0
        data = self.recv_exact(length) if length else b""
        if self.csum and length:
            assert crc32c(data) == dcs, "reply data csum"
        return tag, status, op, data

    def io(self, op, offset, length, data=b"", flags=0):
        t = self.send(op, offset, length, data, flags)
        tag, status, rop, rdata = self.reply()
        assert tag == t and rop == op, (tag, t, rop, op)
        return status, rdata

    def ping(self, epoch=1):
        """Send a PING with the tag a client uses; its tag."""
        return self.send(OP["PING"], 0, 0, tag=(epoch << 32) | C["DST_PING_ID"])

    def closed(self, timeout=10):
        """True when the server dropped the connection."""
        self.s.settimeout(timeout)
        try:
            while True:
                d = self.s.recv(65536)
                if not d:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.s.close()


OP = {n: C["DST_OP_" + n] for n in ("READ", "WRITE", "FLUSH", "DISCARD", "WRITE_ZEROES", "PING")}
ST = {n: C["DST_ST_" + n] for n in ("OK", "IO", "NOSPC", "INVAL", "ROFS", "NOTSUPP", "NOMEM", "BAD_DATA_CSUM")}


def pattern(seed, n):
    # In C: the fencing test's timing wants writes sent without delay.
    return random.Random(seed).randbytes(n)


def wait_clients(nl, name, n, what, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if export_get(nl, name)["clients"] == n:
            check(True, f"{what}: clients == {n}")
            return
        time.sleep(0.1)
    check(False, f"{what}: clients {export_get(nl, name)['clients']} != {n}")


# ---------- test bodies ----------


def test_data(nl, name, csum, discard_ok=True):
    print(f"--- data path on {name}, csum {csum}")
    info = export_get(nl, name)
    lbs, size, mx = info["lbs"], info["size"], info["max_xfer"]
    c = Client(nl, name, csum)
    # write then read back, several sizes
    for i, (off, ln) in enumerate([(0, lbs), (lbs * 3, 8192), (65536, mx), (size - lbs, lbs),
                                    (size - mx, mx)]):
        d = pattern(i + 1, ln)
        st, _ = c.io(OP["WRITE"], off, ln, d, flags=C["DST_CMD_F_FUA"] if i % 2 else 0)
        check(st == ST["OK"], f"write {off}+{ln}")
        st, r = c.io(OP["READ"], off, ln)
        check(st == ST["OK"] and r == d, f"read back {off}+{ln}")
    st, _ = c.io(OP["FLUSH"], 0, 0)
    check(st == ST["OK"], "flush")
    # write zeroes
    c.io(OP["WRITE"], 0, 65536, pattern(9, 65536))
    st, _ = c.io(OP["WRITE_ZEROES"], 4096, 32768)
    check(st == ST["OK"], "write zeroes")
    st, r = c.io(OP["READ"], 0, 65536)
    exp = pattern(9, 65536)
    exp = exp[:4096] + bytes(32768) + exp[4096 + 32768:]
    check(st == ST["OK"] and r == exp, "zeroes read back, neighbours intact")
    c.io(OP["WRITE"], 0, 65536, pattern(10, 65536))
    st, _ = c.io(OP["WRITE_ZEROES"], 8192, 16384, flags=C["DST_CMD_F_NOUNMAP"])
    check(st == ST["OK"], "write zeroes, no unmap")
    st, r = c.io(OP["READ"], 0, 65536)
    exp = pattern(10, 65536)
    exp = exp[:8192] + bytes(16384) + exp[8192 + 16384:]
    check(st == ST["OK"] and r == exp, "zeroes (no unmap) read back, neighbours intact")
    st, _ = c.io(OP["WRITE_ZEROES"], 0, size)
    check(st == ST["OK"] or size > (1 << 30), "write zeroes whole export")
    st, _ = c.io(OP["DISCARD"], 0, 1 << 20)
    check(st == (ST["OK"] if discard_ok else ST["NOTSUPP"]), f"discard status {st}")
    # refused requests, the stream staying in step
    bad = [
        (OP["READ"], size, lbs, 0, "read past the end"),
        (OP["READ"], size - lbs, 2 * lbs, 0, "read across the end"),
        (OP["READ"], 1, lbs, 0, "misaligned offset") if lbs > 1 else None,
        (OP["READ"], 0, lbs + 1, 0, "misaligned length"),
        (OP["READ"], 0, 0, 0, "zero length"),
        (OP["READ"], 0, mx + lbs, 0, "read beyond max-xfer"),
        (OP["READ"], 0xFFFFFFFFFFFFF000, 4096, 0, "offset overflow"),
        (OP["FLUSH"], 4096, 0, 0, "flush with offset"),
        (OP["FLUSH"], 0, 4096, 0, "flush with length"),
        (OP["READ"], 0, lbs, C["DST_CMD_F_FUA"], "FUA on a read"),
        (OP["WRITE_ZEROES"], 0, lbs, C["DST_CMD_F_FUA"], "FUA on write zeroes"),
        (OP["READ"], 0, lbs, C["DST_CMD_F_NOUNMAP"], "NOUNMAP on a read"),
        (OP["DISCARD"], 0, lbs, C["DST_CMD_F_NOUNMAP"], "NOUNMAP on a discard"),
        (99, 0, 0, 0, "unknown opcode"),
        (0, 0, 0, 0, "opcode 0"),
        (OP["DISCARD"], 0, (1 << 30) + 4096, 0, "discard beyond 1 GiB"),
        (OP["WRITE_ZEROES"], size, 4096, 0, "write zeroes past the end"),
    ]
    for b in bad:
        if b is None:
            continue
        op, off, ln, fl, what = b
        st, r = c.io(op, off, ln, flags=fl)
        check(st == ST["INVAL"] and r == b"", f"refused: {what} (status {st})")
    # refused writes: payload is consumed
    st, _ = c.io(OP["WRITE"], size, lbs, bytes(lbs))
    check(st == ST["INVAL"], "write past the end refused")
    st, _ = c.io(OP["WRITE"], 0, lbs + 1, bytes(lbs + 1))
    check(st == ST["INVAL"], "misaligned write refused")
    st, r = c.io(OP["READ"], 0, lbs)
    check(st == ST["OK"], "stream in step after refused writes")
    if csum:
        t = c.send(OP["READ"], 0, lbs, data_csum=0x1234)
        tag, st, op, r = c.reply()
        check(st == ST["INVAL"], "data csum on a read refused")
    c.close()
    wait_clients(nl, name, 0, "client closed")


def test_pipeline(nl, name, csum, nreq=600):
    print(f"--- pipelined mixed I/O on {name}, csum {csum}")
    info = export_get(nl, name)
    c = Client(nl, name, csum)
    blocks = 64
    bs = 65536
    expect = {}
    replies = {}
    err = []

    def reader():
        try:
            for _ in range(nreq):
                tag, st, op, data = c.reply()
                replies[tag] = (st, op, data)
        except Exception as e:  # noqa
            err.append(e)
    th = threading.Thread(target=reader)
    th.start()
    sent = {}
    # First write every block, then mixed reads and rewrites of distinct blocks.
    for i in range(nreq):
        blk = i % blocks
        if i < blocks or i % 3 == 0:
            d = pattern(i, bs)
            t = c.send(OP["WRITE"], blk * bs, bs, d)
            sent[t] = ("w", blk, d)
        elif i % 3 == 1:
            t = c.send(OP["FLUSH"], 0, 0)
            sent[t] = ("f", None, None)
        else:
            t = c.send(OP["WRITE_ZEROES"], (blocks + blk) * bs, bs)
            sent[t] = ("z", None, None)
    th.join(120)
    check(not err and len(replies) == nreq, f"{nreq} pipelined replies ({len(replies)}, {err})")
    check(all(r[0] == ST["OK"] for r in replies.values()), "all OK")
    # last write per block wins: replies arrived, so they completed.
    for t, (k, blk, d) in sorted(sent.items()):
        if k == "w":
            expect[blk] = d
    ok = True
    for blk, d in expect.items():
        st, r = c.io(OP["READ"], blk * bs, bs)
        ok = ok and st == ST["OK"] and r == d
    check(ok, "pipelined writes read back")
    c.close()
    wait_clients(nl, name, 0, "pipeline client closed")


def test_hostile(nl, name):
    print(f"--- hostile frames on {name}")
    info = export_get(nl, name)
    ev = Events(nl)
    cases = [
        (0, dict(magic=0x12345678), "bad magic", "malformed request: bad magic"),
        (0, dict(reserved=1), "reserved set", "malformed request: reserved field set"),
        (1, dict(bad_hdr_csum=True), "header csum mismatch",
         "malformed request: header checksum mismatch"),
        (0, dict(flags=0x8000), "unknown flag", "malformed request: unknown flags"),
        (1, dict(flags=0x4), "unknown flag, crc32c", "malformed request: unknown flags"),
    ]
    for csum, kw, what, why in cases:
        c = Client(nl, name, csum)
        c.send(OP["READ"], 0, 4096, **kw)
        check(c.closed(), f"dropped: {what}")
        ev.wait_for(f"reason: {what}", lambda e, c=c, why=why:
                    e["event"] == "CLIENT_DISCONNECTED" and e["peer"] == c.peer and
                    e["last_error"] == why)
        c.close()
    # A malformed PING is refused like any request; it has no payload.
    for csum in (0, 1):
        c = Client(nl, name, csum)
        for kw, what in [(dict(offset=4096), "offset"), (dict(length=4096), "length"),
                         (dict(flags=C["DST_CMD_F_FUA"]), "FUA")]:
            kw = dict(dict(offset=0, length=0), **kw)
            t = c.send(OP["PING"], kw.pop("offset"), kw.pop("length"), **kw)
            tag, st, op, r = c.reply()
            check(tag == t and op == OP["PING"] and st == ST["INVAL"] and r == b"",
                  f"ping with {what} refused, csum {csum} (status {st})")
        if csum:
            t = c.send(OP["PING"], 0, 0, data_csum=0x1234)
            tag, st, op, r = c.reply()
            check(tag == t and st == ST["INVAL"], "ping with a data csum refused")
        st, r = c.io(OP["READ"], 0, 4096)
        check(st == ST["OK"] and len(r) == 4096, "stream in step after refused pings")
        c.close()
    c = Client(nl, name, 0)
    t = c.send(OP["READ"], 0, 4096, data_csum=5)
    tag, st, op, r = c.reply()
    check(st == ST["OK"] and len(r) == 4096, "data csum not looked at without checksums")
    c.s.sendall(REQ.pack(C["DST_REQ_MAGIC"], OP["WRITE"], 0, 1, 0, info["max_xfer"] + 4096,
                         0, 0, 0))
    check(c.closed(), "dropped: write longer than max-xfer")
    c.close()
    c = Client(nl, name, 1)
    st, before = c.io(OP["READ"], 0, 8192)
    d = pattern(3, 8192)
    if d == before:
        d = pattern(4, 8192)
    t = c.send(OP["WRITE"], 0, 8192, d, data_csum=crc32c(d) ^ 1)
    tag, st, op, r = c.reply()
    check(tag == t and st == ST["BAD_DATA_CSUM"], f"write data csum mismatch answered bad-data-csum (status {st})")
    st, after = c.io(OP["READ"], 0, 8192)
    check(st == ST["OK"] and after == before, "the write with a bad data csum was not executed")
    c.close()
    # A header in pieces, then a peer that vanishes mid-payload.
    c = Client(nl, name, 0)
    hdr = REQ.pack(C["DST_REQ_MAGIC"], OP["READ"], 0, 7, 0, 4096, 0, 0, 0)
    for i in range(0, 40, 7):
        c.s.sendall(hdr[i:i + 7])
        time.sleep(0.01)
    tag, st, op, data = c.reply()
    check(tag == 7 and st == ST["OK"] and len(data) == 4096, "header sent in pieces")
    c.s.sendall(REQ.pack(C["DST_REQ_MAGIC"], OP["WRITE"], 0, 8, 0, 65536, 0, 0, 0) + bytes(100))
    c.close()
    wait_clients(nl, name, 0, "hostile clients gone")
    ev.close()


def test_ping(nl, name, csum):
    print(f"--- PING on {name}, csum {csum}")
    c = Client(nl, name, csum)
    for epoch in (1, 7, 0xFFFFFFFF):
        t = c.ping(epoch)
        h = c.recv_exact(REP.size)
        magic, st, tag, op, flags, length, dcs, hcs = REP.unpack(h)
        if csum:
            ok_csum = crc32c(h[:28] + b"\0\0\0\0") == hcs
        else:
            ok_csum = hcs == 0
        check(magic == C["DST_REP_MAGIC"] and st == ST["OK"] and tag == t and op == OP["PING"] and
              flags == 0 and length == 0 and dcs == 0 and ok_csum,
              f"ping epoch {epoch:#x}: ok, same tag, no data")
    # The server does not care about the tag.
    for tag in (0, 12345, 1 << 63):
        t = c.send(OP["PING"], 0, 0, tag=tag)
        rtag, st, op, r = c.reply()
        check(rtag == tag and st == ST["OK"] and op == OP["PING"] and r == b"",
              f"ping with tag {tag:#x}")
    # Many, pipelined among data requests: one reply each.
    n = 200
    want = {}
    for i in range(n):
        if i % 4 == 0:
            want[c.send(OP["READ"], (i % 64) * 4096, 4096)] = OP["READ"]
        else:
            want[c.send(OP["PING"], 0, 0)] = OP["PING"]
    got = {}
    for _ in range(n):
        tag, st, op, r = c.reply()
        got[tag] = (op, st)
    check(sorted(got) == sorted(want) and
          all(got[t] == (want[t], ST["OK"]) for t in want), f"{n} pipelined pings and reads")
    c.close()
    wait_clients(nl, name, 0, "ping client closed")


def test_fence(nl, name, delay):
    """On an export whose every I/O takes delay seconds."""
    print(f"--- sessions and generations on {name}, {delay}s per I/O")
    bs, nblk = 65536, 32
    ev = Events(nl)
    sess = os.urandom(C["DST_SESSION_LEN"])
    other = os.urandom(C["DST_SESSION_LEN"])

    def writes(c, seed, first=0, n=nblk):
        for j in range(first, first + n):
            c.send(OP["WRITE"], j * bs, bs, pattern(seed * 1000 + j, bs))

    def reads(c, blocks):
        """Pipelined: every I/O takes delay. {block: data}, None if refused."""
        tags = {c.send(OP["READ"], j * bs, bs): j for j in blocks}
        got = {}
        for _ in tags:
            tag, st, op, r = c.reply()
            got[tags[tag]] = r if st == ST["OK"] else None
        return got

    def ping_first(c, what):
        """A PING's reply comes before any of the slow writes' replies; and
        RX has read (and submitted or held) every request before it."""
        t = c.ping()
        tag, st, op, r = c.reply()
        check(tag == t and op == OP["PING"] and st == ST["OK"],
              f"{what}: ping answered before the slow writes")

    # Generation 1: two connections coexist; one more of another session.
    c1 = Client(nl, name, 1, sess, 1)
    c1b = Client(nl, name, 0, sess, 1)
    x = Client(nl, name, 0, other, 5)
    for i, c in enumerate((c1, c1b, x)):
        ev.expect(name, "CLIENT_CONNECTED", i + 1, c.peer)
    # No session at all: never fenced, never fences.
    n0 = Client(nl, name, 0, bytes(C["DST_SESSION_LEN"]), 9)
    ev.expect(name, "CLIENT_CONNECTED", 4, n0.peer)
    # Gen 1's writes land no sooner than t0 + delay, so without the fence
    # gen 2's would be done at about t0 + delay too; with it, after 2 x delay.
    t0 = time.time()
    writes(c1, 1)
    writes(c1b, 2, nblk, 8)
    ping_first(c1, "gen 1")
    ping_first(c1b, "gen 1, second connection")

    # Generation 2 fences both, and nothing else.
    c2 = Client(nl, name, 1, sess, 2)
    ev.expect(name, "CLIENT_CONNECTED", 5, c2.peer)
    check(c1.closed(5) and c1b.closed(5), "gen-1 connections closed by gen 2")
    writes(c2, 3)
    ping_first(c2, "gen 2 while the fence holds")
    ok = True
    for _ in range(nblk):
        tag, st, op, r = c2.reply()
        ok = ok and st == ST["OK"] and op == OP["WRITE"]
    took = time.time() - t0
    check(ok, "gen-2 writes ok")
    check(took >= 1.9 * delay, f"gen-2 writes waited for gen 1's: {took:.2f}s >= 2 x {delay}s")
    # The fenced ones were reported when drained, before gen 2 ran.
    fenced = set()
    for n in (4, 3):
        got = ev.expect(name, "CLIENT_FENCED", n, None, "fenced by generation 2", timeout=1)
        fenced.add(got and got["peer"])
    check(fenced == {c1.peer, c1b.peer}, "both gen-1 connections reported fenced")
    check(export_get(nl, name)["clients"] == 3, "gen 2, other session, no session left")
    got = reads(c2, range(nblk + 8))
    check(all(got[i] == pattern(3000 + i, bs) for i in range(nblk)),
          "gen-2 data reads back, not gen 1's")
    # gen 1's second connection wrote blocks gen 2 did not: those landed.
    check(all(got[i] == pattern(2000 + i, bs) for i in range(nblk, nblk + 8)),
          "gen-1 writes accepted before the fence completed")
    c1.close()
    c1b.close()

    # Too old now, live or draining.
    expect_nlerr(lambda: Client(nl, name, 0, sess, 1), errno.ESTALE, "newer generation",
                 "gen 1 after gen 2")
    c2b = Client(nl, name, 0, sess, 2)
    ev.expect(name, "CLIENT_CONNECTED", 4, c2b.peer)
    st, r = c2b.io(OP["READ"], 0, bs)
    check(st == ST["OK"] and r == pattern(3000, bs), "a second gen-2 connection serves at once")

    # A fence on a fence: gen 2 slow writes in flight, gen 3 connects and
    # holds; gen 4 fences gen 3 while it waits: gen 3's held writes never run.
    writes(c2, 4)
    ping_first(c2, "gen 2 again")
    c3 = Client(nl, name, 0, sess, 3)
    writes(c3, 5)
    c3.send(OP["WRITE"], (nblk + 20) * bs, bs, pattern(77, bs))
    ping_first(c3, "gen 3 held")
    c4 = Client(nl, name, 0, sess, 4)
    check(c3.closed(5) and c2.closed(5) and c2b.closed(5), "gen 2 and 3 closed by gen 4")
    writes(c4, 6)
    ok = True
    for _ in range(nblk):
        tag, st, op, r = c4.reply()
        ok = ok and st == ST["OK"]
    got = reads(c4, list(range(nblk)) + [nblk + 20])
    check(ok and all(got[i] == pattern(6000 + i, bs) for i in range(nblk)),
          "gen-4 data reads back")
    check(got[nblk + 20] not in (None, pattern(77, bs)), "gen 3's held write never ran")
    ev.wait_for("gen 3 fenced by gen 4", lambda e: e["event"] == "CLIENT_FENCED" and
                e["peer"] == c3.peer and e["last_error"] == "fenced by generation 4")
    # The other session and the sessionless client were left alone.
    st, r = x.io(OP["READ"], 0, bs)
    st2, r2 = n0.io(OP["PING"], 0, 0)
    check(st == ST["OK"] and st2 == ST["OK"], "other sessions untouched")

    # A fenced generation waiting while its export goes: export-del is prompt.
    writes(c4, 7)
    ping_first(c4, "gen 4")
    c5 = Client(nl, name, 0, sess, 5)
    writes(c5, 8)
    t0 = time.time()
    export_del(nl, name)
    took = time.time() - t0
    check(took < 10 * delay + 5, f"export-del with a held generation took {took:.2f}s")
    for c in (c3, c4, c5, x, n0, c2, c2b):
        check(c.closed(5), "client dropped by export-del")
        c.close()
    ev.wait_for("export removed", lambda e: e["event"] == "REMOVED")
    ev.close()


def test_stale(nl, path):
    """The export remembers a session's newest generation after its
    connections left: an older one is refused even when none is connected."""
    print("--- a late connection of an older generation")
    export_add(nl, "st", path)
    sess = os.urandom(C["DST_SESSION_LEN"])
    c2 = Client(nl, "st", 0, sess, 2)
    st, _ = c2.io(OP["READ"], 0, 4096)
    check(st == ST["OK"], "generation 2 serves")
    c2.close()
    wait_clients(nl, "st", 0, "generation 2 left")
    expect_nlerr(lambda: Client(nl, "st", 0, sess, 1), errno.ESTALE, "newer generation",
                 "generation 1 after generation 2 left")
    for gen in (2, 3):
        c = Client(nl, "st", 0, sess, gen)
        st, _ = c.io(OP["READ"], 0, 4096)
        check(st == ST["OK"], f"generation {gen} serves")
        c.close()
    wait_clients(nl, "st", 0, "all left")
    export_del(nl, "st")


def test_readonly(nl, path):
    print("--- read-only export")
    expect_nlerr(lambda: export_add(nl, "ro", path, os.O_RDONLY), errno.EBADF,
                 "not writable", "read-only fd, writable export")
    export_add(nl, "ro", path, os.O_RDONLY, ro=True)
    info = export_get(nl, "ro")
    check(info["features"] & C["DST_FEAT_READ_ONLY"], "read-only feature")
    c = Client(nl, "ro", 1)
    st, _ = c.io(OP["WRITE"], 0, 4096, pattern(1, 4096))
    check(st == ST["ROFS"], "write → ROFS")
    st, _ = c.io(OP["WRITE_ZEROES"], 0, 4096)
    check(st == ST["ROFS"], "write zeroes → ROFS")
    st, _ = c.io(OP["DISCARD"], 0, 4096)
    check(st == ST["ROFS"], "discard → ROFS")
    st, r = c.io(OP["READ"], 0, 4096)
    check(st == ST["OK"] and len(r) == 4096, "read works")
    st, _ = c.io(OP["FLUSH"], 0, 0)
    check(st == ST["OK"], "flush works")
    c.close()
    export_del(nl, "ro")


def test_netlink(nl, path, scratch):
    print("--- netlink")
    for bad in ["", "a b", "x" * 65, "é", "a/b"]:
        expect_nlerr(lambda: export_add(nl, bad, path), errno.EINVAL,
                     "" if len(bad) > 64 else "name",
                     f"name {bad!r}")
    d = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    expect_nlerr(lambda: export_add(nl, "dir", "/", fd=d), errno.EINVAL,
                 "block device or regular file", "directory backing")
    os.close(d)
    n = os.open("/dev/null", os.O_RDWR)
    expect_nlerr(lambda: export_add(nl, "null", "/dev/null", fd=n), errno.EINVAL,
                 "block device or regular file", "char device backing")
    os.close(n)
    expect_nlerr(lambda: export_add(nl, "badfd", "x", fd=999), errno.EBADF, "not an open file",
                 "bad fd")
    empty = os.path.join(scratch, "empty")
    open(empty, "w").close()
    expect_nlerr(lambda: export_add(nl, "empty", empty), errno.EINVAL, "empty", "empty file")
    odd = os.path.join(scratch, "odd")
    with open(odd, "wb") as f:
        f.write(bytes(4096 + 100))
    expect_nlerr(lambda: export_add(nl, "odd", odd), errno.EINVAL, "multiple", "odd size")
    uuid = bytes(range(16))
    export_add(nl, "n1", path, uuid=uuid)
    expect_nlerr(lambda: export_add(nl, "n1", path), errno.EEXIST, "already in use", "duplicate")
    info = export_get(nl, "n1")
    check(info["uuid"] == uuid and info["path"] == path and info["clients"] == 0,
          f"export-get {info}")
    expect_nlerr(lambda: export_get(nl, "nope"), errno.ENOENT, "no such export", "get unknown")
    expect_nlerr(lambda: export_del(nl, "nope"), errno.ENOENT, "no such export", "del unknown")
    expect_nlerr(lambda: nl.cmd("EXPORT_ADD", EXPORT_NAME="x"), errno.EINVAL, "",
                 "missing backing fd")
    expect_nlerr(lambda: nl.cmd("EXPORT_CONNECT", EXPORT_NAME="n1", SOCK_FD=0), errno.ENOTSOCK, "not a socket",
                 "connect non-socket")
    names = [f"d{i:03d}" for i in range(40)]
    for nm in names:
        export_add(nl, nm, path)
    dump = nl.cmd("EXPORT_GET", dump=True)
    got = sorted(a.str("EXPORT_NAME") for a in dump)
    check(got == sorted(names + ["n1"]), f"dump lists {len(got)} exports")
    for nm in names:
        export_del(nl, nm)
    export_del(nl, "n1")
    check(nl.cmd("EXPORT_GET", dump=True) == [], "dump empty")


def test_clients(nl, name):
    print(f"--- several clients, events, removal with clients on {name}")
    ev = Events(nl)
    cs = [Client(nl, name, i % 2) for i in range(4)]
    for i in range(4):
        ev.expect(name, "CLIENT_CONNECTED", i + 1, cs[i].peer)
    check(export_get(nl, name)["clients"] == 4, "4 clients")
    errs = []

    def worker(k, c):
        try:
            for j in range(40):
                off = (k * 40 + j) * 8192
                d = pattern(k * 1000 + j, 8192)
                st, _ = c.io(OP["WRITE"], off, 8192, d)
                st2, r = c.io(OP["READ"], off, 8192)
                if st != 0 or st2 != 0 or r != d:
                    errs.append((k, j, st, st2))
        except Exception as e:  # noqa
            errs.append(e)
    ths = [threading.Thread(target=worker, args=(k, c)) for k, c in enumerate(cs)]
    [t.start() for t in ths]
    [t.join() for t in ths]
    check(not errs, f"4 concurrent clients {errs[:3]}")
    cs[0].close()
    ev.expect(name, "CLIENT_DISCONNECTED", 3, cs[0].peer, "connection closed by peer")
    wait_clients(nl, name, 3, "one left")
    # In-flight I/O when the export goes away.
    for c in cs[1:]:
        for j in range(30):
            c.send(OP["WRITE"], j * 65536, 65536, pattern(j, 65536))
    t0 = time.time()
    export_del(nl, name)
    check(True, f"export-del with 3 busy clients took {time.time() - t0:.2f}s")
    # Each client's end, then the export's, in the order of the counts.
    left = {c.peer for c in cs[1:]}
    for n in (2, 1, 0):
        got = ev.expect(name, "CLIENT_DISCONNECTED", n, None, "export removed")
        left.discard(got and got["peer"])
    check(not left, f"every client reported: {left} left")
    ev.expect(name, "REMOVED", 0)
    ev.close()
    for c in cs[1:]:
        check(c.closed(), "client dropped by export-del")
        c.close()
    expect_nlerr(lambda: export_get(nl, name), errno.ENOENT, "", "gone after del")


def test_vanish(nl, name, rounds=20):
    print(f"--- clients vanishing mid-I/O on {name}")
    for r in range(rounds):
        c = Client(nl, name, r % 2)
        for j in range(20):
            c.send(OP["WRITE"] if j % 2 else OP["READ"], j * 65536, 65536,
                   pattern(j, 65536) if j % 2 else b"")
        if r % 3 == 0:
            c.s.shutdown(socket.SHUT_WR)
        c.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
    wait_clients(nl, name, 0, f"{rounds} vanished clients reaped")


def main():
    mode = sys.argv[1]
    nl = Genl()
    if mode == "file":
        path, scratch = sys.argv[2], sys.argv[3]
        test_netlink(nl, path, scratch)
        test_readonly(nl, path)
        export_add(nl, "f", path)
        info = export_get(nl, "f")
        print("export f:", info)
        test_data(nl, "f", 0)
        test_data(nl, "f", 1)
        test_ping(nl, "f", 0)
        test_ping(nl, "f", 1)
        test_pipeline(nl, "f", 0)
        test_hostile(nl, "f")
        test_vanish(nl, "f")
        test_clients(nl, "f")
    elif mode == "bdev":
        path = sys.argv[2]
        export_add(nl, "b", path)
        info = export_get(nl, "b")
        print("export b:", info)
        discard = bool(info["features"] & C["DST_FEAT_DISCARD"])
        test_data(nl, "b", 1, discard_ok=discard)
        test_ping(nl, "b", 1)
        test_pipeline(nl, "b", 1)
        test_vanish(nl, "b")
        test_clients(nl, "b")
    elif mode == "fence":
        path, delay = sys.argv[2], int(sys.argv[3]) / 1000
        ev = Events(nl)
        export_add(nl, "s", path)
        ev.expect("s", "ADDED", 0)
        ev.close()
        test_fence(nl, "s", delay)
    elif mode == "stale":
        test_stale(nl, sys.argv[2])
    elif mode == "leave":
        # Leave an export with busy clients behind for rmmod to clean up.
        path = sys.argv[2]
        export_add(nl, "left", path)
        cs = [Client(nl, "left", 0) for _ in range(3)]
        for c in cs:
            for j in range(20):
                c.send(OP["WRITE"], j * 65536, 65536, pattern(j, 65536))
        print("left 3 busy clients", flush=True)
        time.sleep(600)
        return 0
    print(f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
