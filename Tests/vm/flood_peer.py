#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""A hostile client: opens connections to an export one after another from
one source address and floods each with WRITE requests of max-transfer bytes
without ever reading a reply, until the server refuses a connection.

    flood_peer.py --connect ADDR:PORT --source IP --name EXPORT --max N

Prints, one a line:
    conn K: accepted, flooding
    conn K: sent N writes (M bytes) before the socket filled
    refused: STATUS MESSAGE        (the hello was refused)
    closed: WHY                    (the connection closed right after the hello)
    accepted N connections
then keeps every connection open, unread, until killed.
"""

import argparse
import os
import socket
import sys
import time

from dst_spec import CONSTANTS as C
from dstwire import HELLO, REPLY, REQ, recv_exact

HELLO_MAGIC, REQ_MAGIC, OP_WRITE = C["DST_HELLO_MAGIC"], C["DST_REQ_MAGIC"], C["DST_OP_WRITE"]
# Hello status by value, as the spec names them (DST_HELLO_BAD_VERSION: bad-version).
STATUS = {v: k[len("DST_HELLO_"):].lower().replace("_", "-") for k, v in C.items()
          if k.startswith("DST_HELLO_") and k not in ("DST_HELLO_MAGIC", "DST_HELLO_MAX")}


def attach(addr, port, source, name):
    """A connection past the hello, or (None, why)."""
    s = socket.socket()
    s.bind((source, 0))
    s.settimeout(10)
    s.connect((addr, port))
    body = name.encode()
    s.sendall(HELLO.pack(HELLO_MAGIC, C["DST_PROTO_VERSION"], 0, C["DST_CSUM_NONE"], len(body),
                         os.urandom(C["DST_SESSION_LEN"]), 1, 0) + body)
    try:
        r = REPLY.unpack(recv_exact(s, REPLY.size))
        msg = recv_exact(s, r[9]).decode(errors="replace")
    except (EOFError, OSError) as e:
        s.close()
        return None, f"closed: {e}"
    if r[2] != 0:
        s.close()
        return None, f"refused: {STATUS.get(r[2], r[2])} {msg}"
    return (s, r[6]), None


def flood(s, max_xfer, size):
    """WRITEs until the socket is full; (count, bytes)."""
    s.setblocking(False)
    payload = os.urandom(max_xfer)
    n = 0
    sent = 0
    frame = b""
    deadline = time.time() + 10
    while time.time() < deadline:
        if not frame:
            off = (n * max_xfer) % (size - max_xfer + 1) // 4096 * 4096
            frame = REQ.pack(REQ_MAGIC, OP_WRITE, 0, n + 1, off, max_xfer, 0, 0, 0) + payload
            n += 1
        try:
            k = s.send(frame)
        except BlockingIOError:
            time.sleep(0.2)
            try:
                k = s.send(frame)
            except BlockingIOError:
                break
        sent += k
        frame = frame[k:]
    return n, sent


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--connect", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--max", type=int, required=True)
    p.add_argument("--size", type=int, default=64 << 20, help="export size in bytes")
    a = p.parse_args()
    addr, _, port = a.connect.rpartition(":")
    conns = []
    for k in range(1, a.max + 1):
        c, why = attach(addr, int(port), a.source, a.name)
        if c is None:
            print(why, flush=True)
            break
        s, max_xfer = c
        print(f"conn {k}: accepted, flooding", flush=True)
        n, sent = flood(s, max_xfer, a.size)
        print(f"conn {k}: sent {n} writes ({sent} bytes) before the socket filled", flush=True)
        conns.append(s)
    print(f"accepted {len(conns)} connections", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    sys.exit(main())
