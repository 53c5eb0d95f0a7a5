# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""The one generic netlink client of the VM tests' Python helpers (nlraw.py,
export_peer.py): Python's standard library only, so that the tests see what
the kernel itself answers, independent of dstctl and libnl. Names and numbers
come from the generated dst_spec.py.

    nl = Genl()                                  # resolves the family "dst"
    answer = nl.ask("DEV_GET", DEV_INDEX=0)      # errno, extack and replies
    replies = nl.cmd("EXPORT_GET", dump=True)    # raises NLError on an errno

Attribute values are given as Python values (int, str, bytes, True for a
flag) and encoded by the attribute's type in the spec; raw bytes go as they
are. A nest takes a dict of its set's attributes by name (CONN={"SLOT": 0}),
a multi-attr attribute a list of values (CONN=[{...}, {...}]). Replies
decode the same way: Attrs of the nested set for a nest, a list for a
multi-attr attribute (empty when absent).
"""

import errno
import os
import socket
import struct
import time

from dst_spec import ATTR_SETS, MULTI_ATTR, NESTS, CONSTANTS as C

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_EXT_ACK = 11

NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x2, 0x4, 0x300
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSG_ERROR, NLMSG_DONE = 2, 3

GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MCAST_GROUPS = 1, 2, 7

NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSGERR_ATTR_MISS_TYPE = 1, 2, 5

NLA_F_NESTED = 0x8000
NLA_TYPE_MASK = 0x3FFF

NLMSGHDR = struct.Struct("=IHHII")
GENLMSGHDR = struct.Struct("=BBH")
NLATTR = struct.Struct("=HH")


class AttrSet:
    """One attribute set of the spec: numbers, types and C names of its
    attributes by short name (DEV_INDEX in dst, SLOT in conn), and names by
    number."""

    def __init__(self, prefix, types):
        self.numbers = {k[len(prefix):]: C[k] for k in types}
        self.names = {v: k for k, v in self.numbers.items()}
        self.types = {k[len(prefix):]: t for k, t in types.items()}
        self.cnames = {k[len(prefix):]: k for k in types}

    def nested(self, name):
        """The AttrSet a nest attribute carries."""
        return SETS[NESTS[self.cnames[name]]]

    def multi(self, name):
        return self.cnames[name] in MULTI_ATTR


SETS = {name: AttrSet(prefix, types) for name, (prefix, types) in ATTR_SETS.items()}
TOP = SETS[next(iter(ATTR_SETS))]

# Attribute and command numbers, and back.
ATTRS = TOP.numbers
ATTR_NAMES = TOP.names
CMDS = {k[len("DST_CMD_"):]: v for k, v in C.items() if k.startswith("DST_CMD_")}


def align4(n):
    return (n + 3) & ~3


def nla(kind, payload):
    """One attribute, padded."""
    return NLATTR.pack(NLATTR.size + len(payload), kind) + payload + b"\0" * (align4(len(payload)) - len(payload))


def encode(name, value, aset=None):
    """An attribute of the spec, by name (DEV_INDEX) in aset (the top-level
    set by default), from a Python value: a nest from a dict (or Attrs) of
    its set's attributes, a multi-attr attribute from a list, once per item."""
    aset = aset or TOP
    kind = aset.numbers[name]
    typ = aset.types[name]
    if aset.multi(name) and isinstance(value, (list, tuple)):
        return b"".join(encode(name, item, aset) for item in value)
    if typ == "nest":
        # Strict validation refuses a nest without NLA_F_NESTED.
        if isinstance(value, (bytes, bytearray)):
            payload = bytes(value)
        else:
            inner = aset.nested(name)
            payload = b"".join(encode(k, v, inner) for k, v in value.items())
        return nla(kind | NLA_F_NESTED, payload)
    if isinstance(value, (bytes, bytearray)):
        payload = bytes(value)
    elif typ == "u32":
        payload = struct.pack("=I", value)
    elif typ == "u64":
        payload = struct.pack("=Q", value)
    elif typ == "string":
        payload = value.encode() + b"\0"
    elif typ == "flag":
        payload = b""
    else:
        raise ValueError(f"attribute {name} of type {typ} needs bytes")
    return nla(kind, payload)


def parse_attrs(data):
    """[(type, payload, offset)] of a run of attributes."""
    out = []
    off = 0
    while off + NLATTR.size <= len(data):
        length, kind = NLATTR.unpack_from(data, off)
        if length < NLATTR.size:
            break
        out.append((kind & NLA_TYPE_MASK, data[off + NLATTR.size:off + length], off))
        off += align4(length)
    return out


class Attrs(dict):
    """A reply's (or a nest's) attributes by name, with typed getters: the
    payload bytes of each, the last when one repeats; for a nest the Attrs
    of its set; for a multi-attr attribute a list of those, in order. The
    getters of a multi-attr attribute return lists (empty when absent)."""

    def __init__(self, data, aset=None):
        super().__init__()
        self.aset = aset = aset or TOP
        for kind, payload, _ in parse_attrs(data):
            name = aset.names.get(kind, kind)
            if name in aset.types and aset.types[name] == "nest":
                payload = Attrs(payload, aset.nested(name))
            if name in aset.types and aset.multi(name):
                self.setdefault(name, []).append(payload)
            else:
                self[name] = payload

    def _get(self, name, decode):
        if self.aset.multi(name):
            return [decode(v) for v in self.get(name, [])]
        return decode(self[name]) if name in self else None

    def u32(self, name):
        return self._get(name, lambda v: struct.unpack("=I", v[:4])[0])

    def u64(self, name):
        return self._get(name, lambda v: struct.unpack("=Q", v[:8])[0])

    def str(self, name):
        return self._get(name, lambda v: v.rstrip(b"\0").decode(errors="replace"))

    def nest(self, name):
        """The Attrs of a nest (a list of them when it repeats)."""
        return self._get(name, lambda v: v)


class Answer:
    """What the kernel answered: errno (0: none), extack and replies."""

    def __init__(self, err, ext, replies):
        self.errno = err
        self.message = ext.get(NLMSGERR_ATTR_MSG, b"").rstrip(b"\0").decode(errors="replace")
        self.offset = struct.unpack("=I", ext[NLMSGERR_ATTR_OFFS][:4])[0] if NLMSGERR_ATTR_OFFS in ext else None
        self.missing = (ATTR_NAMES.get(struct.unpack("=I", ext[NLMSGERR_ATTR_MISS_TYPE][:4])[0])
                        if NLMSGERR_ATTR_MISS_TYPE in ext else None)
        self.replies = replies


class NLError(Exception):
    def __init__(self, err, msg):
        super().__init__(f"{os.strerror(err)} ({err}): {msg}")
        self.err = err
        self.msg = msg


class Genl:
    def __init__(self, name=C["DST_FAMILY_NAME"]):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.s.bind((0, 0))
        self.seq = 0
        answer = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, nla(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
        if answer.errno or not answer.replies:
            raise NLError(answer.errno or errno.ENOENT, f'generic netlink family "{name}" not found')
        ctrl = {kind: payload for kind, payload, _ in parse_attrs(answer.replies[0])}
        self.fam = struct.unpack("=H", ctrl[CTRL_ATTR_FAMILY_ID][:2])[0]
        self.groups = {}
        for _, group, _ in parse_attrs(ctrl.get(CTRL_ATTR_MCAST_GROUPS, b"")):
            g = {kind: payload for kind, payload, _ in parse_attrs(group)}
            self.groups[g[1].rstrip(b"\0").decode()] = struct.unpack("=I", g[2])[0]

    def request(self, fam, cmd, payload=b"", dump=False):
        """Send one request; an Answer."""
        self.seq += 1
        msg = GENLMSGHDR.pack(cmd, 1, 0) + payload
        flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        self.s.send(NLMSGHDR.pack(NLMSGHDR.size + len(msg), fam, flags, self.seq, 0) + msg)
        replies = []
        while True:
            data = self.s.recv(1 << 20)
            off = 0
            while off + NLMSGHDR.size <= len(data):
                length, mtype, flags, seq, _ = NLMSGHDR.unpack_from(data, off)
                body = data[off + NLMSGHDR.size:off + length]
                off += align4(length)
                if seq != self.seq:
                    continue
                if mtype == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", body)[0]
                    ext = {}
                    if flags & NLM_F_ACK_TLVS:
                        # The request echoed back: its header only when capped.
                        inner = struct.unpack_from("=I", body, 4)[0]
                        skip = 4 + (NLMSGHDR.size if flags & NLM_F_CAPPED else align4(inner))
                        ext = {kind: payload for kind, payload, _ in parse_attrs(body[skip:])}
                    return Answer(err, ext, replies)
                if mtype == NLMSG_DONE:
                    return Answer(0, {}, replies)
                replies.append(body[GENLMSGHDR.size:])

    def ask(self, cmd, payload=b"", dump=False, **attrs):
        """A dst command by name (DEV_GET) with attributes by name (a dict
        for a nest, a list for a multi-attr attribute); an Answer."""
        payload += b"".join(encode(k, v) for k, v in attrs.items())
        return self.request(self.fam, CMDS[cmd], payload, dump)

    def cmd(self, cmd, payload=b"", dump=False, **attrs):
        """The same, raising NLError on an errno; the replies' Attrs."""
        answer = self.ask(cmd, payload, dump, **attrs)
        if answer.errno:
            raise NLError(answer.errno, answer.message)
        return [Attrs(r) for r in answer.replies]


class Events:
    """The events group: each event as (command name, Attrs)."""

    def __init__(self, nl):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.s.bind((0, 0))
        self.s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, nl.groups["events"])

    def next(self, timeout=10):
        """The next event, or None after timeout seconds."""
        end = time.time() + timeout
        while True:
            self.s.settimeout(max(end - time.time(), 0.001))
            try:
                data = self.s.recv(65536)
            except (socket.timeout, BlockingIOError):
                return None
            length = NLMSGHDR.unpack_from(data)[0]
            cmd = data[NLMSGHDR.size]
            names = {v: k for k, v in CMDS.items()}
            return names.get(cmd, cmd), Attrs(data[NLMSGHDR.size + GENLMSGHDR.size:length])

    def close(self):
        self.s.close()
