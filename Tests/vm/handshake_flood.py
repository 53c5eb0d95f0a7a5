#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""Hostile handshakes against an export's address, for the VM tests.

handshake_flood.py HOST:PORT SECONDS SOURCE_ADDRESS...

For SECONDS, keeps 64 connections open from each source address, a third
of each kind: stalled (connect, send nothing), garbage (random bytes, then
nothing), and slow TLS (the first 3 bytes of a ClientHello record, then
nothing). A connection the server closes is opened again REOPEN seconds
later (the attacker's own machines would not share the server's CPUs;
here they do, so the flood must not spin in a tight loop). Prints
"flood: started" when the first round is open, and at the end how many
connections it opened and how many the server closed.
"""
import os
import resource
import selectors
import socket
import sys
import time

PER_SOURCE = 64
REOPEN = 1.0
KINDS = ("stalled", "garbage", "slow-tls")


def open_one(target, source, kind, sel):
    s = socket.socket()
    s.setblocking(False)
    s.bind((source, 0))
    try:
        s.connect(target)
    except BlockingIOError:
        pass
    sel.register(s, selectors.EVENT_WRITE, (source, kind, "connecting"))


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    target = (host, int(port))
    seconds = float(sys.argv[2])
    sources = sys.argv[3:]
    want = len(sources) * PER_SOURCE + 64
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(want, resource.getrlimit(resource.RLIMIT_NOFILE)[1])))
    sel = selectors.DefaultSelector()
    opened = closed = 0
    for source in sources:
        for i in range(PER_SOURCE):
            open_one(target, source, KINDS[i % len(KINDS)], sel)
            opened += 1
    print("flood: started", flush=True)
    end = time.monotonic() + seconds
    later = []
    while time.monotonic() < end:
        now = time.monotonic()
        while later and later[0][0] <= now:
            _, source, kind = later.pop(0)
            open_one(target, source, kind, sel)
            opened += 1
        for key, _ in sel.select(timeout=0.1):
            s = key.fileobj
            source, kind, phase = key.data
            if phase == "connecting":
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    sel.unregister(s)
                    s.close()
                    closed += 1
                    later.append((time.monotonic() + REOPEN, source, kind))
                    continue
                try:
                    if kind == "garbage":
                        s.send(os.urandom(200))
                    elif kind == "slow-tls":
                        s.send(b"\x16\x03\x01")
                except OSError:
                    pass
                sel.modify(s, selectors.EVENT_READ, (source, kind, "open"))
                continue
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                sel.unregister(s)
                s.close()
                closed += 1
                later.append((time.monotonic() + REOPEN, source, kind))
    print(f"flood: opened {opened}, closed by the server {closed}", flush=True)


if __name__ == "__main__":
    main()
