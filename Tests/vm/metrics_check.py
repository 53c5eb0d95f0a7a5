#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""Checks of `dstctl status --prometheus` and dstd's log, for 250-metrics.sh.

  metrics_check.py compare PROM JSON [--min-pings N] [--rtt-max SECS] [--sysfs]
      PROM (the metrics) must parse with prometheus_client's parser, every
      family with HELP and TYPE, and say what JSON (`dstctl status --json`,
      read at the same quiescent moment) says, exactly: every counter, state,
      gauge, and per connection the PINGs and round trips. With --min-pings,
      every connection answered that many PINGs and its round trips are
      above 0 and below --rtt-max. With --sysfs, each device's counters in
      JSON are those of /sys/block/dstN/dst/ too.
  metrics_check.py watch FILE STOPFILE READYFILE
      Creates READYFILE, then reads FILE over and over until STOPFILE
      exists: each read must be
      missing (before the first write) or the same as the first complete
      one, never a part of it (the textfile is replaced atomically).
  metrics_check.py log FILE...
      Every line of dstd's log files is "DATE TIME level=L event=NAME" and
      key=value fields, values bare or double-quoted with escapes.
"""
import json
import os
import re
import sys
import time

from prometheus_client.parser import text_string_to_metric_families

COUNTERS = {
    "reads": ("dst_device_ios_total", "read"),
    "writes": ("dst_device_ios_total", "write"),
    "flushes": ("dst_device_ios_total", "flush"),
    "discards": ("dst_device_ios_total", "discard"),
    "write_zeroes": ("dst_device_ios_total", "write_zeroes"),
    "read_bytes": ("dst_device_bytes_total", "read"),
    "write_bytes": ("dst_device_bytes_total", "write"),
    "errors": ("dst_device_errors_total", None),
    "csum_errors": ("dst_device_checksum_errors_total", None),
    "protocol_errors": ("dst_device_protocol_errors_total", None),
    "reconnects": ("dst_device_reconnects_total", None),
    "resends": ("dst_device_resends_total", None),
    "timeouts": ("dst_device_timeouts_total", None),
    "rekeys": ("dst_device_rekeys_total", None),
    "tls_errors": ("dst_device_tls_errors_total", None),
}

failed = False


def fail(msg):
    global failed
    print(f"FAIL: {msg}")
    failed = True


def expect(what, got, want):
    if got != want:
        fail(f"{what}: metrics say {got!r}, status --json says {want!r}")
    else:
        print(f"ok: {what} = {want!r}")


def parse(text):
    """{(sample name, frozenset of labels): value}, checking HELP and TYPE."""
    samples = {}
    types = {}
    for fam in text_string_to_metric_families(text):
        if not fam.documentation:
            fail(f"family {fam.name} has no HELP")
        if fam.type not in ("counter", "gauge"):
            fail(f"family {fam.name} has type {fam.type}")
        for s in fam.samples:
            key = (s.name, frozenset(s.labels.items()))
            if key in samples:
                fail(f"sample {s.name} {s.labels} twice")
            samples[key] = s.value
            types[s.name] = fam.type
    # Each family's lines together, HELP and TYPE before its samples.
    seen, current = set(), None
    for line in text.splitlines():
        m = re.match(r"# (HELP|TYPE) (\S+)", line) or re.match(r"(\w+)[{ ]", line)
        if not m:
            fail(f"unexpected line {line!r}")
            continue
        name = m.group(2) if line.startswith("#") else m.group(1)
        if name != current:
            if name in seen:
                fail(f"the lines of {name} are not together")
            seen.add(name)
            current = name
    return samples, types


def get(samples, name, labels):
    return samples.get((name, frozenset(labels.items())))


def compare(prom_path, json_path, min_pings, rtt_max, sysfs):
    with open(prom_path) as f:
        samples, types = parse(f.read())
    with open(json_path) as f:
        status = json.load(f)
    print(f"{len(samples)} samples parsed")
    for d in status["devices"]:
        dl = {"device": d["name"], "export": d["export"] or "", "remote": d["remote"] or ""}
        for name, value in d["counters"].items():
            if sysfs:
                with open(f"/sys/block/{d['name']}/dst/{name}") as f:
                    expect(f"{d['name']} {name} in sysfs, as status --json", int(f.read()), value)
            metric, op = COUNTERS[name]
            labels = dict(dl, op=op) if op else dl
            if types.get(metric) != "counter":
                fail(f"{metric} is not a counter")
            expect(f"{d['name']} {name}", get(samples, metric, labels), value)
        for state in ("connected", "disconnected", "reconnecting", "failed", "removed"):
            expect(f"{d['name']} state {state}", get(samples, "dst_device_state", dict(dl, state=state)),
                   1 if state == d["state"] else 0)
        expect(f"{d['name']} connections", get(samples, "dst_device_connections", dl), d["connections"])
        expect(f"{d['name']} connections wanted", get(samples, "dst_device_connections_wanted", dl),
               d["conn_count"])
        expect(f"{d['name']} inflight", get(samples, "dst_device_inflight", dl), d["inflight"])
        expect(f"{d['name']} io timeout", get(samples, "dst_device_io_timeout_seconds", dl), d["io_timeout"])
        expect(f"{d['name']} size", get(samples, "dst_device_size_bytes", dl), d["size"])
        expect(f"{d['name']} down", get(samples, "dst_device_down_seconds", dl), d["down_time"])
        for c in d["conns"]:
            cl = {"device": d["name"], "slot": str(c["slot"]), "generation": str(c["generation"]),
                  "peer": c["peer"]}
            what = f"{d['name']} slot {c['slot']}"
            expect(f"{what} pings", get(samples, "dst_connection_pings_total", cl), c["pings"])
            for key, metric in (("ping_rtt_us", "dst_connection_ping_rtt_seconds"),
                                ("ping_srtt_us", "dst_connection_ping_srtt_seconds")):
                want = None if c[key] is None else c[key] / 1e6
                got = get(samples, metric, cl)
                expect(f"{what} {metric}", got, want)
                if min_pings is not None and not (got is not None and 0 < got < rtt_max):
                    fail(f"{what} {metric} {got} is not in (0, {rtt_max}) s")
            if min_pings is not None and (c["pings"] or 0) < min_pings:
                fail(f"{what} answered {c['pings']} PINGs, fewer than {min_pings}")
    for e in status["exports"]:
        el = {"export": e["name"], "listen": e["listen"]}
        expect(f"export {e['name']} clients", get(samples, "dst_export_clients", el), e["clients"])
        expect(f"export {e['name']} data bytes", get(samples, "dst_export_data_bytes", el), e["data_bytes"])
        expect(f"export {e['name']} size", get(samples, "dst_export_size_bytes", el), e["size"])
        for state in ("probing", "ready", "removing"):
            expect(f"export {e['name']} state {state}", get(samples, "dst_export_state", dict(el, state=state)),
                   1 if state == e["state"] else 0)


def watch(path, stop, ready):
    first, reads, missing = None, 0, 0
    open(ready, "w").close()
    while not os.path.exists(stop):
        try:
            with open(path) as f:
                text = f.read()
        except FileNotFoundError:
            if first is not None:
                fail(f"{path} went away after it was written")
                return
            missing += 1
            time.sleep(0.001)
            continue
        reads += 1
        # Often, but leaving the writer the CPU: the test VMs run their
        # vCPUs in turns on one host thread.
        time.sleep(0.001)
        if first is None:
            parse(text)
            if "dst_device_state" not in text:
                fail(f"the first read of {path} is incomplete:\n{text}")
                return
            first = text
        elif text != first:
            fail(f"read {reads} of {path} differs from the first ({len(text)} bytes, not {len(first)})")
            return
    if reads == 0:
        fail(f"{path} was never there to read")
    print(f"ok: {reads} reads of {path} while it was rewritten, all complete and the same")


FIELD = r'[a-z][a-z0-9-]*=(?:"(?:[^"\\]|\\.)*"|[^ "=\\]+)'
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} level=(?:error|warning|info|debug) "
                  rf"event=[a-z][a-z-]*(?: {FIELD})*$")


def log(paths):
    for path in paths:
        with open(path) as f:
            lines = f.read().splitlines()
        bad = [line for line in lines if not LINE.match(line)]
        for line in bad:
            fail(f"{path}: not one event of key=value fields: {line!r}")
        if not bad:
            print(f"ok: all {len(lines)} lines of {os.path.basename(path)} are key=value events")


def main():
    args = sys.argv[1:]
    if args[:1] == ["compare"] and len(args) >= 3:
        min_pings = rtt_max = None
        sysfs = False
        rest = args[3:]
        while rest:
            if rest[0] == "--sysfs":
                sysfs = True
                rest = rest[1:]
                continue
            if rest[0] == "--min-pings":
                min_pings = int(rest[1])
            elif rest[0] == "--rtt-max":
                rtt_max = float(rest[1])
            else:
                sys.exit(f"unknown option {rest[0]}")
            rest = rest[2:]
        if min_pings is not None and rtt_max is None:
            sys.exit("--min-pings needs --rtt-max")
        compare(args[1], args[2], min_pings, rtt_max, sysfs)
    elif args[:1] == ["watch"] and len(args) == 4:
        watch(args[1], args[2], args[3])
    elif args[:1] == ["log"] and len(args) >= 2:
        log(args[1:])
    else:
        sys.exit(__doc__)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
