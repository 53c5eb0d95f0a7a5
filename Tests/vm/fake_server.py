#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# A small DST server in userspace, for the client's fault tests
# (Tests/vm/tests/175-hostile-server.sh): it does the server half of the
# handshake itself (no dstd, no dst.ko export), serves READ, WRITE, FLUSH,
# DISCARD, WRITE_ZEROES and PING from a regular file, and misbehaves once on
# a chosen connection when told to:
#
#   unknown-tag    the next data reply carries a tag no request had
#   duplicate      the next data reply is sent twice
#   stale-epoch    the next data reply carries the previous connection's epoch
#   bad-hdr-csum   the next data reply's header checksum is wrong (crc32c only)
#   bad-data-csum  the next successful READ reply's data checksum is wrong
#   nomem          the next data request is not executed and answered NOMEM
#                  (arm it N times for N such answers in a row)
#   write-csum     the next WRITE is not executed and answered bad-data-csum,
#                  as if its data had not matched its checksum
#   silent         from now on nothing is answered (not even PING); requests
#                  are read and dropped, the TCP connection stays open
#
# "Data reply" means a reply to anything but PING. A fault is armed for one
# connection (connections are numbered from 1 in the order their handshake
# completed) and fires once; the next connection behaves unless it was armed
# too. Arming:
#
#   --fault KIND@N      on the command line: for connection N
#   --control FIFO      lines written to FIFO: "KIND" (the newest connection),
#                       "KIND@N", or "KIND@next" (the next connection)
#   --always KIND       on every connection, for good: "silent" answers
#                       nothing after the handshake, "nomem" answers every
#                       data request NOMEM
#
# Fencing, as the real export does it: when a connection completes its
# handshake, every older connection stops applying writes (this server has
# one client; the session id is logged, not compared).
#
# Log lines (stdout, or --log FILE), which the test waits for:
#   conn N: hello from ADDR session HEX generation G csum C name NAME
#   conn N: epoch E
#   conn N: fault KIND armed | fault KIND sent (tag T) | silent
#   conn N: fault nomem sent (opcode O, tag T) at SECONDS (a monotonic clock)
#   conn N: closed (WHY)
#
#   fake_server.py --listen ADDR:PORT --backing FILE [--size BYTES]
#                  [--uuid UUID] [--name NAME] [--max-xfer BYTES]
#                  [--fault KIND@N]... [--always KIND]... [--control FIFO]
#                  [--log FILE]
import argparse
import os
import socket
import struct
import sys
import threading
import time
import uuid as uuidlib

from dst_spec import CONSTANTS as C
from dstwire import HELLO, REP, REPLY, REQ, Closed, crc32c, recv_exact

HELLO_MAGIC, REPLY_MAGIC = C["DST_HELLO_MAGIC"], C["DST_REPLY_MAGIC"]
REQ_MAGIC, REP_MAGIC = C["DST_REQ_MAGIC"], C["DST_REP_MAGIC"]
PROTO_VERSION = C["DST_PROTO_VERSION"]
CSUM_NONE, CSUM_CRC32C = C["DST_CSUM_NONE"], C["DST_CSUM_CRC32C"]
OP_READ, OP_WRITE, OP_FLUSH = C["DST_OP_READ"], C["DST_OP_WRITE"], C["DST_OP_FLUSH"]
OP_DISCARD, OP_WRITE_ZEROES, OP_PING = C["DST_OP_DISCARD"], C["DST_OP_WRITE_ZEROES"], C["DST_OP_PING"]
OP_RESIZE = C["DST_OP_RESIZE"]
FLAG_FUA = C["DST_CMD_F_FUA"]
ST_OK, ST_IO, ST_INVAL = C["DST_ST_OK"], C["DST_ST_IO"], C["DST_ST_INVAL"]
ST_NOTSUPP, ST_NOMEM = C["DST_ST_NOTSUPP"], C["DST_ST_NOMEM"]
ST_BAD_DATA_CSUM = C["DST_ST_BAD_DATA_CSUM"]
HELLO_OK, HELLO_BAD_VERSION = C["DST_HELLO_OK"], C["DST_HELLO_BAD_VERSION"]
HELLO_UNKNOWN_EXPORT, HELLO_BAD_CSUM = C["DST_HELLO_UNKNOWN_EXPORT"], C["DST_HELLO_BAD_CHECKSUM"]
HELLO_BAD_REQUEST = C["DST_HELLO_BAD_REQUEST"]
FEAT_FLUSH, FEAT_FUA = C["DST_FEAT_FLUSH"], C["DST_FEAT_FUA"]
FEAT_DISCARD, FEAT_WRITE_ZEROES = C["DST_FEAT_DISCARD"], C["DST_FEAT_WRITE_ZEROES"]
FEAT_RESIZE = C["DST_FEAT_RESIZE"]
EXPORT_NAME_MAX = C["DST_EXPORT_NAME_MAX"]

FAULTS = ("unknown-tag", "duplicate", "stale-epoch", "bad-hdr-csum", "bad-data-csum", "nomem", "write-csum",
          "silent", "resize-shrink", "resize-bad-csum")

# ---------- server ----------

log_file = sys.stdout
log_lock = threading.Lock()


def log(msg):
    with log_lock:
        print(f"{time.strftime('%H:%M:%S')} {msg}", file=log_file, flush=True)


class Server:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()  # conns, faults, counters; held around writes (fencing)
        self.nconns = 0
        self.conns = {}  # number -> Conn, live ones
        self.pending = {}  # connection number -> [fault kinds]
        self.last_epoch = 0  # epoch seen on the newest connection that sent a request
        self.fd = os.open(args.backing, os.O_RDWR | os.O_CREAT, 0o600)
        if args.size is not None:
            os.ftruncate(self.fd, args.size)
        self.size = os.fstat(self.fd).st_size
        if self.size == 0 or self.size % 512:
            sys.exit(f"fake_server: {args.backing}: size {self.size} is not a positive multiple of 512")
        self.uuid = uuidlib.UUID(args.uuid).bytes if args.uuid else uuidlib.uuid4().bytes
        for spec in args.fault:
            self.arm(spec, initial=True)

    # --- arming ---

    def arm(self, spec, initial=False):
        kind, _, which = spec.strip().partition("@")
        if kind not in FAULTS:
            log(f"control: unknown fault {kind!r} (one of {', '.join(FAULTS)})")
            if initial:
                sys.exit(2)
            return
        with self.lock:
            if not which:
                n = max(self.conns) if self.conns else self.nconns + 1
            elif which == "next":
                n = self.nconns + 1
            elif which.isdigit() and int(which) >= 1:
                n = int(which)
            else:
                log(f"control: bad connection {which!r} in {spec!r}")
                if initial:
                    sys.exit(2)
                return
            conn = self.conns.get(n)
            if conn is not None:
                conn.arm(kind)
            else:
                self.pending.setdefault(n, []).append(kind)
        log(f"conn {n}: fault {kind} armed")

    def control_loop(self, path):
        while True:
            with open(path) as f:  # blocks until a writer opens the FIFO
                for line in f:
                    if line.strip():
                        self.arm(line)

    # --- connections ---

    def run(self):
        host, _, port = self.args.listen.rpartition(":")
        ls = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((host.strip("[]"), int(port)))
        ls.listen(16)
        log(f"listening on {self.args.listen}, export {self.args.name}, {self.size} bytes, "
            f"uuid {uuidlib.UUID(bytes=self.uuid)}")
        if self.args.control:
            threading.Thread(target=self.control_loop, args=(self.args.control,), daemon=True).start()
        while True:
            s, peer = ls.accept()
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=Conn(self, s, peer).run, daemon=True).start()


class Conn:
    def __init__(self, server, sock, peer):
        self.srv = server
        self.sock = sock
        self.peer = f"{peer[0]}:{peer[1]}"
        self.n = 0
        self.csum = CSUM_NONE
        self.epoch = None
        self.faults = []
        self.silent = False
        self.fenced = False
        self.served = 0
        self.prev_epoch = 0
        self.silent_logged = False

    def arm(self, kind):  # under srv.lock
        if kind == "silent":
            self.silent = True
        else:
            self.faults.append(kind)

    def run(self):
        why = "closed"
        try:
            if self.handshake():
                self.serve()
        except Closed as e:
            why = str(e)
        except OSError as e:
            why = e.strerror or str(e)
        except ProtocolError as e:
            why = f"protocol error: {e}"
        finally:
            with self.srv.lock:
                self.srv.conns.pop(self.n, None)
            try:
                self.sock.close()
            except OSError:
                pass
        log(f"conn {self.n or '-'}: {why} ({self.served} requests served)")

    def handshake(self):
        a = self.srv.args
        magic, version, features, csum, name_len, session, generation, reserved = HELLO.unpack(
            recv_exact(self.sock, HELLO.size))
        if magic != HELLO_MAGIC:
            raise ProtocolError(f"bad hello magic {magic:#x}")
        if name_len > EXPORT_NAME_MAX:
            raise ProtocolError(f"hello name-len {name_len}")
        name = recv_exact(self.sock, name_len).decode(errors="replace") if name_len else ""
        status, msg = HELLO_OK, a.name
        if version != PROTO_VERSION:
            status, msg = HELLO_BAD_VERSION, f"version {version} not supported"
        elif reserved != 0:
            status, msg = HELLO_BAD_REQUEST, "reserved field not zero"
        elif csum not in (CSUM_NONE, CSUM_CRC32C):
            status, msg = HELLO_BAD_CSUM, f"checksum {csum} not supported"
        elif name and name != a.name:
            status, msg = HELLO_UNKNOWN_EXPORT, f"no export {name}"
        feats = (FEAT_FLUSH | FEAT_FUA | FEAT_WRITE_ZEROES | FEAT_DISCARD | FEAT_RESIZE) & features
        body = msg.encode()
        self.sock.sendall(REPLY.pack(REPLY_MAGIC, PROTO_VERSION, status, self.srv.size, 512, 4096,
                                     a.max_xfer, feats, csum, len(body), self.srv.uuid) + body)
        if status != HELLO_OK:
            log(f"conn -: refused hello from {self.peer}: {msg}")
            return False
        self.csum = csum
        with self.srv.lock:
            self.srv.nconns += 1
            self.n = self.srv.nconns
            # Fence: older connections apply no more writes.
            for old in self.srv.conns.values():
                old.fenced = True
            self.srv.conns[self.n] = self
            for kind in self.srv.pending.pop(self.n, []):
                self.arm(kind)
            if "silent" in a.always:
                self.arm("silent")
        log(f"conn {self.n}: hello from {self.peer} session {session.hex()} generation {generation} "
            f"csum {csum} name {name or '(none)'}")
        if self.silent:
            log(f"conn {self.n}: silent")
        return True

    # --- data phase ---

    def serve(self):
        while True:
            hdr = recv_exact(self.sock, REQ.size)
            magic, op, flags, tag, off, length, dcsum, hcsum, reserved = REQ.unpack(hdr)
            if magic != REQ_MAGIC:
                raise ProtocolError(f"bad request magic {magic:#x}")
            if self.csum == CSUM_CRC32C and crc32c(hdr[:32] + b"\0" * 8) != hcsum:
                raise ProtocolError(f"request header checksum mismatch, tag {tag:#x}")
            if reserved or flags & ~FLAG_FUA or (flags and op != OP_WRITE):
                raise ProtocolError(f"bad flags {flags:#x} or reserved {reserved:#x}")
            data = b""
            if op == OP_WRITE:
                if length > self.srv.args.max_xfer:
                    raise ProtocolError(f"WRITE of {length} bytes exceeds max-xfer")
                data = recv_exact(self.sock, length)
                if self.csum == CSUM_CRC32C and crc32c(data) != dcsum:
                    raise ProtocolError(f"write data checksum mismatch, tag {tag:#x}")
            epoch = tag >> 32
            if self.epoch is None:
                self.epoch = epoch
                with self.srv.lock:
                    self.prev_epoch = self.srv.last_epoch
                    self.srv.last_epoch = epoch
                log(f"conn {self.n}: epoch {epoch}")
            with self.srv.lock:
                silent = self.silent
            if silent:
                if not self.silent_logged:
                    self.silent_logged = True
                    log(f"conn {self.n}: silent: dropping tag {tag:#x} and everything after it")
                continue
            if op != OP_PING and self.take_fault("nomem"):
                self.sock.sendall(self.frame(op, tag, ST_NOMEM, b""))
                log(f"conn {self.n}: fault nomem sent (opcode {op}, tag {tag:#x}) at {time.monotonic():.6f}")
                continue
            if op == OP_WRITE and self.take_fault("write-csum"):
                self.sock.sendall(self.frame(op, tag, ST_BAD_DATA_CSUM, b""))
                log(f"conn {self.n}: fault write-csum sent (tag {tag:#x})")
                continue
            status, payload = self.execute(op, flags, off, length, data)
            self.reply(op, tag, status, payload)
            self.served += 1

    def take_fault(self, kind):
        if kind in self.srv.args.always:
            return True
        with self.srv.lock:
            if kind in self.faults:
                self.faults.remove(kind)
                return True
        return False

    def execute(self, op, flags, off, length, data):
        fd, size = self.srv.fd, self.srv.size
        if op == OP_PING:
            return ST_OK, b""
        if op == OP_FLUSH:
            os.fsync(fd)
            return ST_OK, b""
        if op not in (OP_READ, OP_WRITE, OP_DISCARD, OP_WRITE_ZEROES):
            return ST_NOTSUPP, b""
        if off % 512 or length % 512 or length == 0 or off + length > size:
            return ST_INVAL, b""
        if op in (OP_READ, OP_WRITE) and length > self.srv.args.max_xfer:
            return ST_INVAL, b""
        if op == OP_READ:
            return ST_OK, os.pread(fd, length, off)
        if op == OP_DISCARD:
            return ST_OK, b""
        if op == OP_WRITE_ZEROES:
            data = bytes(length)
        with self.srv.lock:
            if self.fenced:  # a newer connection took over: drop the write and the connection
                raise Closed("fenced: a newer connection took over")
            os.pwrite(fd, data, off)
            if flags & FLAG_FUA:
                os.fdatasync(fd)
        return ST_OK, b""

    def frame(self, op, tag, status, payload, bad_hdr=False, bad_data=False):
        dcsum = crc32c(payload) if payload and self.csum == CSUM_CRC32C else 0
        if bad_data:
            dcsum ^= 0x1
        hdr = REP.pack(REP_MAGIC, status, tag, op, 0, len(payload), dcsum, 0)
        hcsum = crc32c(hdr) if self.csum == CSUM_CRC32C else 0
        if bad_hdr:
            hcsum ^= 0x1
        return REP.pack(REP_MAGIC, status, tag, op, 0, len(payload), dcsum, hcsum) + payload

    def reply(self, op, tag, status, payload):
        fault = None
        if op != OP_PING:
            with self.srv.lock:
                for k in self.faults:
                    if k == "nomem":
                        continue
                    if k != "bad-data-csum" or (op == OP_READ and status == ST_OK):
                        fault = k
                        self.faults.remove(k)
                        break
        if fault is None:
            self.sock.sendall(self.frame(op, tag, status, payload))
            return
        epoch, tid = tag >> 32, tag & 0xFFFFFFFF
        out = tag
        if fault == "unknown-tag":
            out = (epoch << 32) | ((tid + 0x10000000) & 0xFFFFFFFF)
            if out & 0xFFFFFFFF == 0xFFFFFFFF:
                out ^= 1
            frame = self.frame(op, out, status, payload)
        elif fault == "stale-epoch":
            stale = self.prev_epoch if 0 < self.prev_epoch < epoch else (epoch - 1) & 0xFFFFFFFF
            out = (stale << 32) | tid
            frame = self.frame(op, out, status, payload)
        elif fault == "duplicate":
            frame = self.frame(op, tag, status, payload) * 2
        elif fault == "bad-hdr-csum":
            frame = self.frame(op, tag, status, payload, bad_hdr=True)
        elif fault.startswith("resize-"):
            # A RESIZE notice that shrinks the export, or whose size does
            # not match its checksum, before the reply.
            size = self.srv.size - 4096 if fault == "resize-shrink" else self.srv.size + (1 << 20)
            notice = self.frame(OP_RESIZE, 0, ST_OK, struct.pack(">Q", size),
                                bad_data=fault == "resize-bad-csum")
            frame = notice + self.frame(op, tag, status, payload)
        else:  # bad-data-csum
            frame = self.frame(op, tag, status, payload, bad_data=True)
        # Logged first: the client may drop the connection before sendall()
        # is done with it (after the first copy of a duplicate).
        log(f"conn {self.n}: fault {fault} sent (opcode {op}, tag {tag:#x} sent as {out:#x})")
        self.sock.sendall(frame)


class ProtocolError(Exception):
    pass


def main():
    global log_file
    p = argparse.ArgumentParser(description="A misbehaving DST server for client fault tests.")
    p.add_argument("--listen", required=True, metavar="ADDR:PORT")
    p.add_argument("--backing", required=True, metavar="FILE")
    p.add_argument("--size", type=int, help="truncate FILE to this many bytes first")
    p.add_argument("--uuid", help="export UUID (default: random)")
    p.add_argument("--name", default="fake", help="export name (default: fake)")
    p.add_argument("--max-xfer", type=int, default=128 << 10, help="bytes (default 128 KiB)")
    p.add_argument("--fault", action="append", default=[], metavar="KIND@N",
                   help=f"misbehave once on connection N; KIND: {', '.join(FAULTS)}")
    p.add_argument("--always", action="append", default=[], choices=("silent", "nomem"),
                   help="misbehave on every connection, every time")
    p.add_argument("--control", metavar="FIFO", help="read KIND, KIND@N or KIND@next lines from FIFO")
    p.add_argument("--log", metavar="FILE")
    args = p.parse_args()
    if args.log:
        log_file = open(args.log, "a", buffering=1)
    if args.control and not os.path.exists(args.control):
        os.mkfifo(args.control)
    Server(args).run()


if __name__ == "__main__":
    main()
