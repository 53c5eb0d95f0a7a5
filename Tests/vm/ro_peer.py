#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""A TLS client that ignores read-only, for the VM tests.

ro_peer.py HOST:PORT CERT KEY CA SERVER_NAME

Attaches with a client certificate over TLS 1.3 (Python's ssl), sends the
DST hello, then a 4 KiB WRITE at offset 0 whatever the reply's features
say. Prints the reply's features, then the WRITE's status by name
("status: rofs"), and exits 0 when the server answered it; 1 when the
server refused the hello or closed the connection.
"""
import os
import socket
import ssl
import sys

from dst_spec import CONSTANTS as C
from dstwire import HELLO, REP, REPLY, REQ, recv_exact

STATUS = {v: k[len("DST_ST_"):].lower() for k, v in C.items() if k.startswith("DST_ST_")}


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    cert, key, ca, name = sys.argv[2:6]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(ca)
    ctx.load_cert_chain(cert, key)
    raw = socket.create_connection((host, int(port)), timeout=10)
    s = ctx.wrap_socket(raw, server_hostname=name)
    body = b""
    s.sendall(HELLO.pack(C["DST_HELLO_MAGIC"], C["DST_PROTO_VERSION"], 0, C["DST_CSUM_NONE"], len(body),
                         os.urandom(C["DST_SESSION_LEN"]), 1, 0) + body)
    try:
        r = REPLY.unpack(recv_exact(s, REPLY.size))
        msg = recv_exact(s, r[9]).decode(errors="replace")
    except (EOFError, OSError) as e:
        print(f"closed: {e}")
        return 1
    if r[2] != 0:
        print(f"refused: {r[2]} {msg}")
        return 1
    print(f"features: {r[7]:#x} (read-only: {'yes' if r[7] & C['DST_FEAT_READ_ONLY'] else 'no'})")
    s.sendall(REQ.pack(C["DST_REQ_MAGIC"], C["DST_OP_WRITE"], 0, 1, 0, 4096, 0, 0, 0) + os.urandom(4096))
    try:
        rep = REP.unpack(recv_exact(s, REP.size))
    except (EOFError, OSError) as e:
        print(f"closed: {e}")
        return 1
    print(f"status: {STATUS.get(rep[1], rep[1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
