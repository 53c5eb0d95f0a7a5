#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""Send one raw generic netlink request to the "dst" family; print the answer.

Independent of dstctl and libnl: Python's standard library only, so the VM
tests can check what the kernel itself answers (errno, extack message,
offending or missing attribute). Command and attribute numbers are read from
the generated uapi header (kmod/gen/dst.h) at run time, never written here.

    nlraw.py [--header PATH] CMD [ATTR=TYPE:VALUE ...]

    CMD   DEV_ADD, DEV_DEL, ... (DST_CMD_ prefix optional)
    ATTR  LOGICAL_BS, DEV_INDEX, ... (DST_A_ prefix optional)
    TYPE  u8 u16 u32 u64 str bin(hex) flag   e.g. LOGICAL_BS=u32:3, READ_ONLY=flag:
          tcp(NETNS): the fd of a connected TCP socket (both ends on the
          loopback of network namespace NETNS, "" for the caller's)
          e.g. SOCK_FD=tcp:server

Output, one "key: value" a line:

    errno: EINVAL (22)        or "errno: 0 (ok)"
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

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_EXT_ACK = 11

NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200
NLMSG_ERROR = 0x2
NLMSG_DONE = 0x3

GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2

NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2
NLMSGERR_ATTR_MISS_TYPE = 5

NLMSGHDR = struct.Struct("=IHHII")
GENLMSGHDR = struct.Struct("=BBH")
NLATTR = struct.Struct("=HH")


def die(msg):
    print("nlraw: " + msg, file=sys.stderr)
    sys.exit(2)


def parse_header(path):
    """Every enumerator of every enum in the header: {name: value}."""
    text = open(path).read()
    values = {}
    for body in re.findall(r"enum\s*\w*\s*\{(.*?)\}", text, re.S):
        body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
        nxt = 0
        for item in body.split(","):
            item = item.strip()
            if not item:
                continue
            m = re.fullmatch(r"(\w+)(?:\s*=\s*(.+))?", item, re.S)
            if not m:
                continue
            name, expr = m.group(1), m.group(2)
            if expr is not None:
                try:
                    nxt = int(expr.strip(), 0)
                except ValueError:
                    continue  # DST_X_MAX = (__DST_X_MAX - 1): not needed
            values[name] = nxt
            nxt += 1
    return values


def align4(n):
    return (n + 3) & ~3


def nla(kind, payload):
    return NLATTR.pack(NLATTR.size + len(payload), kind) + payload + b"\0" * (
        align4(len(payload)) - len(payload)
    )


def parse_attrs(data):
    out = []
    off = 0
    while off + NLATTR.size <= len(data):
        length, kind = NLATTR.unpack_from(data, off)
        if length < NLATTR.size:
            break
        out.append((kind & 0x3FFF, data[off + NLATTR.size : off + length], off))
        off += align4(length)
    return out


# Sockets made for tcp: attributes stay open until the request is answered.
_keep = []


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


class Genl:
    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.bind((0, 0))
        self.seq = 0

    def request(self, family, cmd, attrs, version=1):
        """Send; return (errno, extack attrs, [reply payloads])."""
        self.seq += 1
        payload = GENLMSGHDR.pack(cmd, version, 0) + b"".join(attrs)
        hdr = NLMSGHDR.pack(NLMSGHDR.size + len(payload), family,
                            NLM_F_REQUEST | NLM_F_ACK, self.seq, 0)
        self.sock.send(hdr + payload)
        replies = []
        while True:
            data = self.sock.recv(65536)
            off = 0
            while off + NLMSGHDR.size <= len(data):
                length, mtype, flags, seq, _ = NLMSGHDR.unpack_from(data, off)
                body = data[off + NLMSGHDR.size : off + length]
                off += align4(length)
                if seq != self.seq:
                    continue
                if mtype == NLMSG_ERROR:
                    (err,) = struct.unpack_from("=i", body)
                    ext = {}
                    if flags & NLM_F_ACK_TLVS:
                        # The request echoed back: header only when capped.
                        (inner_len,) = struct.unpack_from("=I", body, 4)
                        skip = 4 + (NLMSGHDR.size if flags & NLM_F_CAPPED else align4(inner_len))
                        for kind, val, _ in parse_attrs(body[skip:]):
                            ext[kind] = val
                    return -err, ext, replies
                if mtype == NLMSG_DONE:
                    return 0, {}, replies
                replies.append(body[GENLMSGHDR.size :])

    def family_id(self, name):
        err, _, replies = self.request(
            GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
            [nla(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0")])
        if err:
            return None
        for reply in replies:
            for kind, val, _ in parse_attrs(reply):
                if kind == CTRL_ATTR_FAMILY_ID:
                    return struct.unpack("=H", val[:2])[0]
        return None


def main(argv):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    header = os.path.join(repo, "kmod", "gen", "dst.h")
    if len(argv) >= 2 and argv[0] == "--header":
        header, argv = argv[1], argv[2:]
    if not argv:
        die(__doc__.strip().splitlines()[0])
    enums = parse_header(header)

    def lookup(prefix, name):
        key = name if name.startswith(prefix) else prefix + name
        if key not in enums:
            die("%s is not in %s" % (key, header))
        return enums[key]

    cmd = lookup("DST_CMD_", argv[0].upper())
    attr_names = {v: k for k, v in enums.items() if k.startswith("DST_A_") and not k.startswith("DST_A_MAX")}
    attrs = []
    # Offsets of our attributes in the message, for NLMSGERR_ATTR_OFFS.
    offsets = {}
    off = NLMSGHDR.size + GENLMSGHDR.size
    for spec in argv[1:]:
        m = re.fullmatch(r"(\w+)=(\w+):(.*)", spec)
        if not m:
            die("bad attribute %r: want NAME=TYPE:VALUE" % spec)
        kind = lookup("DST_A_", m.group(1).upper())
        a = nla(kind, encode(m.group(2), m.group(3)))
        offsets[off] = kind
        off += len(a)
        attrs.append(a)

    nl = Genl()
    fam = nl.family_id("dst")
    if fam is None:
        die('generic netlink family "dst" not found (is dst.ko loaded?)')
    err, ext, replies = nl.request(fam, cmd, attrs)
    print("errno: %s (%d)" % (errno.errorcode.get(err, "ok") if err else "0", err))
    if NLMSGERR_ATTR_MSG in ext:
        print("message: " + ext[NLMSGERR_ATTR_MSG].rstrip(b"\0").decode(errors="replace"))
    if NLMSGERR_ATTR_OFFS in ext:
        (o,) = struct.unpack("=I", ext[NLMSGERR_ATTR_OFFS][:4])
        print("bad-attribute: " + attr_names.get(offsets.get(o), "offset %d" % o))
    if NLMSGERR_ATTR_MISS_TYPE in ext:
        (t,) = struct.unpack("=I", ext[NLMSGERR_ATTR_MISS_TYPE][:4])
        print("missing-attribute: " + attr_names.get(t, str(t)))
    for reply in replies:
        for kind, val, _ in parse_attrs(reply):
            print("reply-attribute: %s=%s" % (attr_names.get(kind, str(kind)), val.hex()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
