#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""What went over a link: capture TCP payloads on an interface, then look at
them.

  capture.py record IFACE PORT OUT   until SIGTERM or SIGINT: the payload of
                                     every TCP segment to or from PORT, by
                                     direction, reassembled by sequence
                                     number, into OUT (a JSON file)
  capture.py find OUT HEX            exit 0 when the bytes HEX occur in the
                                     capture, 1 when not
  capture.py tls OUT                 parse each direction as TLS records:
                                     print the record types seen and exit 0
                                     only if, after the first handshake
                                     records (the ClientHello, the
                                     ServerHello), every record is
                                     application data (TLS 1.3 hides all
                                     else inside it) and none is cut short
"""

import json
import signal
import socket
import struct
import sys

ETH_P_ALL = 0x0003


def record(iface, port, out):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    # Room for bursts: a dropped frame would read as a hole in the stream.
    SO_RCVBUFFORCE = 33
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
    s.bind((iface, 0))
    s.settimeout(0.2)
    # Per direction ("to"/"from" the port): sequence number -> payload.
    segs = {"to": {}, "from": {}}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    packet_drops(s)
    print("capture: recording", flush=True)
    while not stop:
        try:
            # A segmentation-offload frame is up to 64 KiB of payload.
            frame, addr = s.recvfrom(1 << 18)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        # Outgoing frames are seen too (PACKET_OUTGOING): each once.
        seg = tcp_payload(frame)
        if seg is None:
            continue
        sport, dport, seq, payload = seg
        if not payload:
            continue
        if dport == port:
            segs["to"].setdefault(seq, payload.hex())
        elif sport == port:
            segs["from"].setdefault(seq, payload.hex())
    if packet_drops(s):
        print("capture: the kernel dropped frames", file=sys.stderr)
    with open(out, "w") as f:
        json.dump({d: {str(k): v for k, v in m.items()} for d, m in segs.items()}, f)


def packet_drops(s):
    """Frames the kernel dropped for this socket (PACKET_STATISTICS, reset on read)."""
    PACKET_STATISTICS = 6
    _, drops = struct.unpack("II", s.getsockopt(263, PACKET_STATISTICS, 8))
    return drops


def tcp_payload(frame):
    """(sport, dport, seq, payload) of an Ethernet frame carrying TCP over IP."""
    if len(frame) < 14:
        return None
    ethertype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if ethertype == 0x0800 and len(ip) >= 20:
        ihl = (ip[0] & 0xF) * 4
        if ip[9] != 6:
            return None
        total = struct.unpack("!H", ip[2:4])[0]
        tcp = ip[ihl:total]
    elif ethertype == 0x86DD and len(ip) >= 40:
        if ip[6] != 6:
            return None
        tcp = ip[40:40 + struct.unpack("!H", ip[4:6])[0]]
    else:
        return None
    if len(tcp) < 20:
        return None
    sport, dport, seq = struct.unpack("!HHI", tcp[:8])
    off = (tcp[12] >> 4) * 4
    return sport, dport, seq, bytes(tcp[off:])


def streams(path):
    """Each direction's bytes in sequence order, a retransmitted or
    re-segmented stretch taken once: meaningful for one TCP connection
    (find() also looks into each segment alone). Sequence numbers count
    from the first segment seen, modulo 2^32. A stretch never seen is
    reported and stands as a hole: the chunks after it are the next list."""
    with open(path) as f:
        data = json.load(f)
    out = {}
    for d, m in data.items():
        if not m:
            out[d] = []
            continue
        base = int(next(iter(m)))
        segs = sorted(((int(k) - base) % (1 << 32), bytes.fromhex(v)) for k, v in m.items())
        chunks, at = [], segs[0][0]
        for start, payload in segs:
            if start + len(payload) <= at:
                continue
            if start > at:
                print(f"{d}: {start - at} bytes never seen at byte {at}", file=sys.stderr)
                chunks.append(None)
            else:
                payload = payload[at - start:]
            chunks.append(payload)
            at = max(at, start) + len(payload)
        out[d] = chunks
    return out


def find(path, hexbytes):
    needle = bytes.fromhex(hexbytes)
    for chunks in streams(path).values():
        joined = b"".join(c for c in chunks if c is not None)
        if needle in joined or any(c and needle in c for c in chunks):
            return 0
    return 1


def tls(path):
    ok = True
    for d, chunks in streams(path).items():
        if None in chunks:
            print(f"{d}: the capture has a hole; the records cannot be checked")
            ok = False
            continue
        stream = b"".join(chunks)
        types = []
        i = 0
        while i + 5 <= len(stream):
            t, ver, n = stream[i], stream[i + 1:i + 3], struct.unpack("!H", stream[i + 3:i + 5])[0]
            if ver not in (b"\x03\x01", b"\x03\x03") or t not in (20, 21, 22, 23):
                print(f"{d}: not a TLS record at byte {i}: {stream[i:i + 8].hex()}")
                ok = False
                break
            types.append(t)
            i += 5 + n
        counts = {t: types.count(t) for t in sorted(set(types))}
        print(f"{d}: {len(types)} records, by type {counts}, {len(stream)} bytes")
        after = types[1:] if types[:1] == [22] else types
        if any(t != 23 for t in after):
            print(f"{d}: a record other than application data after the first: {after[:20]}")
            ok = False
        if ok and i != len(stream):
            print(f"{d}: the last record is cut short ({len(stream) - i} of its bytes seen)")
            ok = False
    return 0 if ok else 1


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "record" and len(sys.argv) == 5:
        record(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return 0
    if cmd == "find" and len(sys.argv) == 4:
        return find(sys.argv[2], sys.argv[3])
    if cmd == "tls" and len(sys.argv) == 3:
        return tls(sys.argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
