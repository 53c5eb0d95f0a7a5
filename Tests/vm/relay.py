#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""A TCP relay that tampers with TLS once, for the VM tests.

relay.py LISTEN_PORT TARGET_HOST:TARGET_PORT FLIP_AFTER

Listens on 127.0.0.1:LISTEN_PORT and joins every connection to the target.
Server-to-client bytes are parsed as TLS records; the first application
data record (type 23) that starts after FLIP_AFTER bytes of that direction
has one byte of its payload inverted, once over the relay's life. Prints
"relay: listening", then "relay: flipped a byte of record N" when it did.
"""
import socket
import sys
import threading

HEADER = 5
APPLICATION_DATA = 23


class Tamperer:
    """Follows record boundaries in one direction and flips one payload byte."""

    def __init__(self, flip_after, state):
        self.flip_after = flip_after
        self.state = state
        self.seen = 0
        self.header = b""
        self.left = 0          # payload bytes of the current record still to come
        self.record = 0
        self.target = False    # the current record is the one to tamper with
        self.offset = 0        # payload bytes of the current record seen

    def feed(self, data):
        out = bytearray(data)
        i = 0
        while i < len(out):
            if self.left == 0:
                take = min(HEADER - len(self.header), len(out) - i)
                self.header += bytes(out[i:i + take])
                i += take
                if len(self.header) == HEADER:
                    start = self.seen + i - HEADER
                    self.left = int.from_bytes(self.header[3:5], "big")
                    self.record += 1
                    self.offset = 0
                    with self.state["lock"]:
                        self.target = (not self.state["flipped"] and self.header[0] == APPLICATION_DATA
                                       and start >= self.flip_after and self.left > 32)
                        if self.target:
                            self.state["flipped"] = True
                    self.header = b""
                continue
            take = min(self.left, len(out) - i)
            if self.target and self.offset <= 16 < self.offset + take:
                out[i + 16 - self.offset] ^= 0xff
                print(f"relay: flipped a byte of record {self.record}", flush=True)
                self.target = False
            self.offset += take
            self.left -= take
            i += take
        self.seen += len(data)
        return bytes(out)


def pump(src, dst, tamperer):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(tamperer.feed(data) if tamperer else data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    port = int(sys.argv[1])
    host, tport = sys.argv[2].rsplit(":", 1)
    flip_after = int(sys.argv[3])
    state = {"lock": threading.Lock(), "flipped": False}
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(16)
    print("relay: listening", flush=True)
    while True:
        client, _ = ls.accept()
        try:
            server = socket.create_connection((host, int(tport)))
        except OSError as e:
            print(f"relay: cannot connect: {e}", flush=True)
            client.close()
            continue
        threading.Thread(target=pump, args=(client, server, None), daemon=True).start()
        threading.Thread(target=pump, args=(server, client, Tamperer(flip_after, state)), daemon=True).start()


if __name__ == "__main__":
    main()
