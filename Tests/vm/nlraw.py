#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""Send one raw generic netlink request to the "dst" family; print the answer.

Independent of dstctl and libnl (dstnl.py: Python's standard library only),
so the VM tests can check what the kernel itself answers (errno, extack
message, offending or missing attribute). Names and numbers come from the
generated dst_spec.py.

    nlraw.py CMD [ATTR=TYPE:VALUE ...]

    CMD   DEV_ADD, DEV_DEL, ... (DST_CMD_ prefix optional)
    ATTR  LOGICAL_BS, DEV_INDEX, ... (DST_A_ prefix optional)
    TYPE  u8 u16 u32 u64 str bin(hex) flag   e.g. LOGICAL_BS=u32:3, READ_ONLY=flag:
          tcp(NETNS): the fd of a connected TCP socket (both ends on the
          loopback of network namespace NETNS, "" for the caller's)
          e.g. SOCK_FD=tcp:server

Output, one "key: value" a line:

    errno: EINVAL (22)        or "errno: 0 (0)"
    message: <NLMSGERR_ATTR_MSG>          when the kernel sent one
    bad-attribute: DST_A_...              NLMSGERR_ATTR_OFFS resolved
    missing-attribute: DST_A_...          NLMSGERR_ATTR_MISS_TYPE
    reply-attribute: DST_A_...=<hex>      for each attribute of a reply

Exit status: 0 when the kernel answered, 2 when it could not be asked (no
family "dst", bad arguments).
"""

import errno
import os
import re
import socket
import struct
import sys

from dstnl import ATTR_NAMES, ATTRS, CMDS, GENLMSGHDR, NLMSGHDR, Genl, NLError, nla, parse_attrs

# Sockets made for tcp: attributes stay open until the request is answered.
_keep = []


def die(msg):
    print("nlraw: " + msg, file=sys.stderr)
    sys.exit(2)


def setns(path):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, 0) != 0:
            die("setns %s: %s" % (path, os.strerror(ctypes.get_errno())))
    finally:
        os.close(fd)


def tcp_pair(netns):
    """A connected TCP socket over the loopback of netns (the caller's if
    empty); the caller's netns is restored. Its fd."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY) if netns else None
    try:
        if netns:
            setns("/run/netns/" + netns)
        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen(1)
        c = socket.create_connection(ls.getsockname())
        srv, _ = ls.accept()
        ls.close()
    finally:
        if home is not None:
            setns("/proc/self/fd/%d" % home)
            os.close(home)
    _keep.extend((c, srv))
    return c.fileno()


def encode(typ, value):
    if typ == "tcp":
        return struct.pack("=I", tcp_pair(value))
    if typ in ("u8", "u16", "u32", "u64"):
        fmt = {"u8": "=B", "u16": "=H", "u32": "=I", "u64": "=Q"}[typ]
        return struct.pack(fmt, int(value, 0))
    if typ == "str":
        return value.encode() + b"\0"
    if typ == "bin":
        return bytes.fromhex(value)
    if typ == "flag":
        return b""
    die("unknown attribute type " + typ)


def strip(prefix, name):
    name = name.upper()
    return name[len(prefix):] if name.startswith(prefix) else name


def main(argv):
    if not argv:
        die(__doc__.strip().splitlines()[0])
    cmd = strip("DST_CMD_", argv[0])
    if cmd not in CMDS:
        die("no command DST_CMD_%s" % cmd)
    payload = b""
    # Offsets of our attributes in the message, for NLMSGERR_ATTR_OFFS.
    offsets = {}
    off = NLMSGHDR.size + GENLMSGHDR.size
    for spec in argv[1:]:
        m = re.fullmatch(r"(\w+)=(\w+):(.*)", spec)
        if not m:
            die("bad attribute %r: want NAME=TYPE:VALUE" % spec)
        name = strip("DST_A_", m.group(1))
        if name not in ATTRS:
            die("no attribute DST_A_%s" % name)
        a = nla(ATTRS[name], encode(m.group(2), m.group(3)))
        offsets[off] = name
        off += len(a)
        payload += a

    try:
        nl = Genl()
    except NLError as e:
        die(e.msg + " (is dst.ko loaded?)")
    answer = nl.ask(cmd, payload)
    err = answer.errno
    print("errno: %s (%d)" % (errno.errorcode.get(err, "ok") if err else "0", err))
    if answer.message:
        print("message: " + answer.message)
    if answer.offset is not None:
        print("bad-attribute: " + ("DST_A_" + offsets[answer.offset] if answer.offset in offsets
                                   else "offset %d" % answer.offset))
    if answer.missing:
        print("missing-attribute: DST_A_" + answer.missing)
    for reply in answer.replies:
        for kind, val, _ in parse_attrs(reply):
            print("reply-attribute: DST_A_%s=%s" % (ATTR_NAMES.get(kind, kind), val.hex()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
