# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""DST wire frames and CRC32C for the Python test peers (export_peer.py,
fake_server.py, flood_peer.py). The layouts are the generated ones of
Documentation/spec/dst.yaml (dst_spec.py)."""

import socket
import threading

from dst_spec import STRUCTS

# Each a struct.Struct, its members in the spec's order.
HELLO = STRUCTS["client_hello"][0]
REPLY = STRUCTS["server_reply"][0]
REQ = STRUCTS["req_hdr"][0]
REP = STRUCTS["rep_hdr"][0]


class Closed(EOFError):
    """The peer closed the connection in the middle of something."""


def recv_exact(sock, n):
    """Exactly @n bytes from @sock; Closed when the peer closes first."""
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise Closed("closed by the peer" if not buf else f"closed by the peer after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)

# ---------- crc32c (Castagnoli): the kernel's through AF_ALG, else Python ----------

_tab = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _tab.append(_c)


def crc32c_py(data):
    c = 0xFFFFFFFF
    for b in bytes(data):
        c = _tab[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


_alg = threading.local()


def crc32c(data):
    """CRC32C of @data; one AF_ALG socket per thread, Python if there is none."""
    if getattr(_alg, "broken", False):
        return crc32c_py(data)
    try:
        if not hasattr(_alg, "s"):
            s = socket.socket(socket.AF_ALG, socket.SOCK_SEQPACKET, 0)
            s.bind(("hash", "crc32c"))
            _alg.s = s
        op, _ = _alg.s.accept()
        with op:
            mv = memoryview(data)
            for i in range(0, len(mv), 65536):
                op.sendall(mv[i:i + 65536], socket.MSG_MORE)
            op.sendall(b"")
            return int.from_bytes(op.recv(4), "little")
    except (OSError, AttributeError):
        _alg.broken = True
        return crc32c_py(data)


assert crc32c(b"123456789") == 0xE3069283
