#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Turns one benchmark run into tables:
#
#   Tools/bench/report.py RESULTS_DIR      (vm-logs/bench/<kver>/)
#
# Reads RESULTS_DIR/raw/SYSTEM/JOB.json (fio --output-format=json),
# snap/*.txt (the snapshots bench.sh takes), dev/*.txt, guest.env and host.env;
# writes RESULTS_DIR/results.md and summary.json and prints results.md.
# Runs in the VM at the end of Tools/bench/bench.sh, and again on the host
# whenever wanted (it needs nothing but the directory).
import json
import os
import re
import sys

SYSTEMS = [
    ("local", "local brd"),
    ("nvme", "NVMe/TCP"),
    ("nvme-digest", "NVMe/TCP digests"),
    ("nbd", "NBD"),
    ("nbd-tls", "NBD TLS"),
    ("dst-none", "dst csum=none"),
    ("dst-crc32c", "dst csum=crc32c"),
    ("dst-tls", "dst TLS"),
]
LABEL = dict(SYSTEMS)
DST = ["dst-none", "dst-crc32c"]
JOBS = [
    ("randread-4k-qd1", "4k random read, QD1"),
    ("randread-4k-qd32", "4k random read, QD32"),
    ("randwrite-4k-qd32", "4k random write, QD32"),
    ("seqread-1m-qd8", "1M sequential read, QD8"),
    ("seqwrite-1m-qd8", "1M sequential write, QD8"),
]
JOB_LABEL = dict(JOBS)
# Memory deltas: (key, column title). Keys are computed by mem_figures().
MEM = [
    ("Slab", "Slab"),
    ("SUnreclaim", "SUnreclaim"),
    ("slab_active", "slabinfo objs"),
    ("slab_pages", "slabinfo pages"),
    ("KernelStack", "KernelStack"),
    ("Percpu", "Percpu"),
    ("VmallocUsed", "Vmalloc"),
    ("tcp", "TCP buffers"),
    ("kernel", "kernel total*"),
    ("MemFree", "free drop*"),
]


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def parse_snap(path):
    """A snapshot of bench.sh's snap(): uptime, cpu, meminfo, slab, tasks."""
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    snap = {"meminfo": {}, "slab": {}, "tasks": {}}
    part = None
    for line in text.splitlines():
        if line.startswith("## "):
            part = snap_header(snap, line.split())
        else:
            SNAP_PARTS.get(part, lambda s, l: None)(snap, line)
    return snap if "uptime" in snap else None


def snap_header(snap, f):
    """A "## PART [values]" line: the part that follows; uptime and the
    first line of /proc/stat are values of their own."""
    part = f[1]
    if part == "uptime":
        snap["uptime"] = float(f[2])
    elif part == "uptime_end":
        snap["uptime_end"] = float(f[2])
    elif part in ("stat", "stat_end"):
        names = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]
        snap["cpu" if part == "stat" else "cpu_end"] = {n: int(v) for n, v in zip(names, f[3:])}
    return part


def snap_meminfo(snap, line):
    k, rest = line.split(":", 1)
    snap["meminfo"][k] = int(rest.split()[0])


def snap_slabinfo(snap, line):
    if line.startswith(("slabinfo", "#")):
        return
    f = line.split()
    # name active_objs num_objs objsize objperslab pagesperslab :
    # tunables ... : slabdata active_slabs num_slabs sharedavail
    snap["slab"][f[0]] = {"active_objs": int(f[1]), "num_objs": int(f[2]),
                          "objsize": int(f[3]), "pagesperslab": int(f[5]),
                          "num_slabs": int(f[14])}


def snap_zoneinfo(snap, line):
    f = line.split()
    if len(f) == 2 and f[0] == "count:":
        snap["pcp_kib"] = snap.get("pcp_kib", 0) + int(f[1]) * 4


def snap_sockstat(snap, line):
    f = line.split()
    if f and f[0] == "TCP:" and "mem" in f:
        snap["tcp_kib"] = int(f[f.index("mem") + 1]) * 4


def snap_task(snap, line):
    # tid (comm) state ...: comm may hold spaces and parentheses.
    try:
        tid = int(line[: line.index(" ")])
        comm = line[line.index("(") + 1 : line.rindex(")")]
        f = line[line.rindex(")") + 2 :].split()
        snap["tasks"][tid] = (comm, int(f[11]) + int(f[12]))
    except (ValueError, IndexError):
        pass


# The parser of each part's lines.
SNAP_PARTS = {
    "meminfo": snap_meminfo,
    "slabinfo": snap_slabinfo,
    "zoneinfo": snap_zoneinfo,
    "sockstat": snap_sockstat,
    "tasks": snap_task,
}


def median(vals):
    v = sorted(vals)
    return v[len(v) // 2]


def merge_median(snaps):
    """One snapshot whose meminfo and slab figures are the per-field median
    of SNAPS (the three of a --settle)."""
    snaps = [s for s in snaps if s]
    if not snaps:
        return None
    if len(snaps) == 1:
        return snaps[0]
    out = {"uptime": snaps[0]["uptime"], "cpu": snaps[0]["cpu"], "tasks": snaps[0]["tasks"],
           "meminfo": {}, "slab": {}}
    for k in snaps[0]["meminfo"]:
        out["meminfo"][k] = median([s["meminfo"].get(k, 0) for s in snaps])
    for k in ("pcp_kib", "tcp_kib"):
        if all(k in s for s in snaps):
            out[k] = median([s[k] for s in snaps])
    zero = {"active_objs": 0, "num_objs": 0, "objsize": 0, "pagesperslab": 0, "num_slabs": 0}
    for name in set().union(*(s["slab"] for s in snaps)):
        cs = [s["slab"].get(name, zero) for s in snaps]
        c = {k: median([x[k] for x in cs]) for k in zero}
        c["objsize"] = max(x["objsize"] for x in cs)
        c["pagesperslab"] = max(x["pagesperslab"] for x in cs)
        out["slab"][name] = c
    return out


def kworker(comm):
    """kworker/1:2H-kblockd -> kworker(kblockd); other names unchanged."""
    m = re.match(r"kworker/[0-9u:]+H?[-+]?(.*)$", comm)
    if not m:
        # A workqueue's rescuer or a worker named after its queue:
        # "nbd0-recv+nbd0-recv" -> "nbd0-recv".
        a, plus, b = comm.partition("+")
        return a if plus and a == b else comm
    return f"kworker({m.group(1)})" if m.group(1) else "kworker"


def env(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    out[k] = v
    except OSError:
        pass
    return out


class Run:
    def __init__(self, d):
        self.d = d
        self.guest = env(os.path.join(d, "guest.env"))
        self.host = env(os.path.join(d, "host.env"))
        self.hz = int(self.guest.get("hz", "100"))
        self.runtime = float(self.guest.get("runtime", "0") or 0)
        self.snaps = {}
        self.results = {}  # sys -> job -> figures
        for sys_, _ in SYSTEMS:
            for job, _ in JOBS:
                r = self.fio(sys_, job)
                if r:
                    self.results.setdefault(sys_, {})[job] = r

    def snap(self, name):
        """NAME, or the median of NAME, NAME.2, NAME.3 when there are three."""
        if name not in self.snaps:
            p = os.path.join(self.d, "snap", name)
            self.snaps[name] = merge_median([parse_snap(p + ".txt"), parse_snap(p + ".2.txt"),
                                             parse_snap(p + ".3.txt")])
        return self.snaps[name]

    def later(self, *names):
        """The snapshot of NAMES taken last (None if none exists)."""
        snaps = [self.snap(n) for n in names]
        snaps = [x for x in snaps if x]
        return max(snaps, key=lambda x: x["uptime"]) if snaps else None

    def fio(self, sys_, job):
        """The job's figures, averaged over its rounds (raw/SYS/JOB.rN.json;
        raw/SYS/JOB.json from a run without rounds), with the spread of
        the throughput between rounds."""
        rounds = []
        for n in range(1, 100):
            r = self.fio_round(sys_, job, f".r{n}")
            if r is None and not os.path.exists(os.path.join(self.d, "raw", sys_, f"{job}.r{n}.json")):
                break
            if r:
                rounds.append(r)
        if not rounds:
            r = self.fio_round(sys_, job, "")
            rounds = [r] if r else []
        if not rounds:
            return None
        out = {}
        for k in rounds[0]:
            vals = [r[k] for r in rounds if isinstance(r.get(k), (int, float))]
            if len(vals) == len(rounds):
                out[k] = sum(vals) / len(vals)
        iops = [r["iops"] for r in rounds]
        out["rounds"] = len(rounds)
        out["iops_rounds"] = iops
        out["spread_pct"] = 100.0 * (max(iops) - min(iops)) / 2 / out["iops"] if out["iops"] else 0
        # Thread lists of all rounds, averaged.
        threads = {}
        for r in rounds:
            for c, pct in r.get("threads", []):
                threads[c] = threads.get(c, 0) + pct / len(rounds)
        if threads:
            out["threads"] = sorted(threads.items(), key=lambda kv: -kv[1])[:8]
        return out

    def fio_round(self, sys_, job, suffix):
        j = load(os.path.join(self.d, "raw", sys_, job + suffix + ".json"))
        if not j or not j.get("jobs"):
            return None
        j = j["jobs"][0]
        if j.get("error"):
            return None
        op = "write" if j["write"]["total_ios"] > j["read"]["total_ios"] else "read"
        r = j[op]
        if not r["total_ios"]:
            return None
        out = {
            "iops": r["iops"],
            "mbps": r["bw_bytes"] / 1e6,
            "mean_us": r["lat_ns"]["mean"] / 1e3,
            "p99_us": r["lat_ns"]["percentile"]["99.000000"] / 1e3,
            "ios": r["total_ios"],
            "fio_usr": j.get("usr_cpu"),
            "fio_sys": j.get("sys_cpu"),
        }
        out.update(self.cpu(f"{sys_}.{job}{suffix}", r["iops"]))
        return out

    def cpu(self, name, iops):
        """CPU between the snapshots NAME.t1 and NAME.t2: busy share of all
        vCPUs, CPU time per I/O, and the busiest threads."""
        a, b = self.snap(f"{name}.t1"), self.snap(f"{name}.t2")
        if not a or not b:
            return {}
        # From the end of the first snapshot to the start of the second.
        a_up, a_cpu = a.get("uptime_end", a["uptime"]), a.get("cpu_end", a["cpu"])
        secs = b["uptime"] - a_up
        d = {k: b["cpu"][k] - a_cpu.get(k, 0) for k in b["cpu"]}
        total = sum(d.values()) or 1
        busy = total - d["idle"] - d["iowait"]
        busy_s = busy / self.hz
        threads = {}
        for tid, (comm, t) in b["tasks"].items():
            # A thread that started after t1 counts from 0; a tid is not
            # reused within seconds.
            dv = t - a["tasks"].get(tid, (comm, 0))[1]
            if dv <= 0:
                continue
            c = kworker(comm)
            threads[c] = threads.get(c, 0) + dv
        top = sorted(threads.items(), key=lambda kv: -kv[1])[:8]
        return {
            "cpu_busy_pct": 100.0 * busy / total,
            "cpu_sys_pct": 100.0 * (d["system"] + d["irq"] + d["softirq"]) / total,
            "cpu_softirq_pct": 100.0 * d["softirq"] / total,
            "cpu_us_per_io": (busy_s / secs) / iops * 1e6 if iops and secs > 0 else None,
            "threads": [(c, 100.0 * t / self.hz / secs) for c, t in top],
        }

    def get(self, sys_, job, key):
        return self.results.get(sys_, {}).get(job, {}).get(key)


def fnum(v, nd=1):
    if v is None:
        return "–"
    if nd == 0:
        return f"{v:,.0f}"
    return f"{v:,.{nd}f}"


def ratio(a, b):
    if a is None or not b:
        return None
    return a / b


def fratio(v):
    return "–" if v is None else f"{v:.2f}"


def mem_figures(a, b):
    """b - a, in KiB, for each MEM key."""
    if not a or not b:
        return None
    ma, mb = a["meminfo"], b["meminfo"]

    def slab_totals(s):
        act = sum(c["active_objs"] * c["objsize"] for c in s.values()) / 1024
        pages = sum(c["num_slabs"] * c["pagesperslab"] for c in s.values()) * 4
        return act, pages

    aa, ap = slab_totals(a["slab"])
    ba, bp = slab_totals(b["slab"])

    def free(snap):
        # MemFree does not count the free pages in per-CPU lists.
        return snap["meminfo"]["MemFree"] + snap.get("pcp_kib", 0)

    def kernel(snap):
        # Neither free, page cache nor process memory: slab, stacks, page
        # tables, vmalloc, per-cpu, socket buffers and other kernel pages.
        m = snap["meminfo"]
        return m["MemTotal"] - free(snap) - m["Buffers"] - m["Cached"] - m["AnonPages"]

    out = {k: mb.get(k, 0) - ma.get(k, 0) for k in ("Slab", "SUnreclaim", "KernelStack", "Percpu", "VmallocUsed")}
    out["slab_active"] = ba - aa
    out["slab_pages"] = bp - ap
    out["tcp"] = b.get("tcp_kib", 0) - a.get("tcp_kib", 0)
    out["kernel"] = kernel(b) - kernel(a)
    out["MemFree"] = free(a) - free(b)
    return out


def top_caches(a, b, n=8):
    """Slab caches whose active bytes changed most from a to b."""
    if not a or not b:
        return []
    out = []
    for name in set(a["slab"]) | set(b["slab"]):
        ca, cb = a["slab"].get(name), b["slab"].get(name)
        va = ca["active_objs"] * ca["objsize"] if ca else 0
        vb = cb["active_objs"] * cb["objsize"] if cb else 0
        objs = (cb["active_objs"] if cb else 0) - (ca["active_objs"] if ca else 0)
        if vb != va:
            out.append((name, (vb - va) / 1024, objs))
    out.sort(key=lambda t: -abs(t[1]))
    return out[:n]


HEADER_NOTE = (
    "Figures are means over {rounds} round(s) of every job on every "
    "system (the systems' order reversed in every other round); **±%** is half the "
    "spread of IOPS between rounds, relative to the mean: differences smaller than "
    "that are noise. "
    "Ratios: **thr** is IOPS and MB/s alike (same block size), **mean**/**p99** "
    "the latencies (lower is better), each over NVMe/TCP's and over local brd's "
    "figure for the same job. **CPU µs/IO**: busy vCPU time as the guest counts it "
    "(all vCPUs, everything: fio, block layer, network stack, both ends) per "
    "completed I/O, between 15 % and 85 % of the job; under TCG both vCPUs share "
    "one host thread, so compare it between systems, not with real hardware.")

MEM_IDLE_NOTE = (
    "Differences between snapshots (after `sync; echo 3 > drop_caches`). Client "
    "and server share one kernel here, so a device's figure includes the server "
    "side of its connection. *free* = MemFree + the free pages in per-CPU lists "
    "(/proc/zoneinfo); *kernel total* = MemTotal − free − Buffers − Cached − "
    "AnonPages: everything the kernel holds that is neither cache nor process "
    "memory (slab, stacks, socket buffers, pages drivers allocate themselves). "
    "*TCP buffers*: /proc/net/sockstat's TCP mem, all namespaces. Idle figures "
    "are medians of three snapshots.")

MEM_LOAD_NOTE = (
    "Under load: the rise during a job, 85 % into it, over the moment just "
    "before fio started (no drop_caches), for the job and round with the largest "
    "rise of kernel total. Local brd's row is what fio and the page cache around "
    "it take by themselves.")


def only_wanted_systems(run):
    """Only the systems this run was asked for, from here on."""
    global SYSTEMS
    wanted = run.guest.get("systems", "").split()
    if wanted:
        SYSTEMS = [(s, l) for s, l in SYSTEMS if s in wanted]


def header(run):
    g, h = run.guest, run.host
    md = [f"## DST benchmark: Linux {g.get('kernel', '?')}", ""]
    md.append(
        f"QEMU TCG (software emulation, one host thread for {g.get('cpus', '?')} vCPUs), "
        f"{int(g.get('mem_kib', '0')) // 1024} MiB guest memory; "
        f"{g.get('size_mb', '?')} MiB brd per system; fio libaio, O_DIRECT, one job, "
        f"{g.get('ramp', '?')} s ramp + {g.get('runtime', '?')} s per job and round; "
        f"network systems over a veth pair between two netns (server 192.0.2.1, client 192.0.2.2). "
        f"{g.get('start', '')}")
    if h:
        md.append("")
        md.append(
            f"Host: {h.get('cpu', '?')}, load average {h.get('load_before', '?')} before the boot; "
            f"git {h.get('git', '?')}{' (+ uncommitted changes)' if h.get('dirty') == '1' else ''}; "
            f"dst.ko sha256 {h.get('dst_ko_sha256', '?')[:12]}.")
    md.append("")
    md.append(HEADER_NOTE.format(rounds=g.get("rounds", "1")))
    return md


def job_row(run, job, sl, r):
    """One system's row of a job's table."""
    if not r:
        return f"| {sl} |" + " – |" * 12
    cells = [sl, fnum(r["iops"], 0), fnum(r.get("spread_pct"), 0) if r.get("rounds", 1) > 1 else "–",
             fnum(r["mbps"]), fnum(r["mean_us"]), fnum(r["p99_us"]),
             fnum(r.get("cpu_us_per_io"))]
    for ref in ("nvme", "local"):
        cells.append(fratio(ratio(r["iops"], run.get(ref, job, "iops"))))
        cells.append(fratio(ratio(r["mean_us"], run.get(ref, job, "mean_us"))))
        cells.append(fratio(ratio(r["p99_us"], run.get(ref, job, "p99_us"))))
    return "| " + " | ".join(cells) + " |"


def job_tables(run):
    """A table per job that any system ran: figures and ratios."""
    md = []
    for job, jl in JOBS:
        if not any(job in run.results.get(s, {}) for s, _ in SYSTEMS):
            continue
        md += ["", f"### {jl}", ""]
        md.append("| system | IOPS | ±% | MB/s | mean µs | p99 µs | CPU µs/IO | thr ×NVMe | mean ×NVMe | p99 ×NVMe | thr ×brd | mean ×brd | p99 ×brd |")
        md.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
        for s, sl in SYSTEMS:
            md.append(job_row(run, job, sl, run.results.get(s, {}).get(job)))
    return md


def checksum_table(run):
    """What CRC32C costs dst and NVMe/TCP, where either ran with it."""
    if not (run.results.get("dst-crc32c") or run.results.get("nvme-digest")):
        return []
    md = ["", "### Cost of checksums", ""]
    md.append("Throughput with CRC32C over headers and data divided by throughput "
              "without, and the CPU time per I/O it adds (dst `--csum crc32c` vs `none`; "
              "NVMe/TCP `--hdr-digest --data-digest` vs none).")
    md.append("")
    md.append("| job | dst thr | dst +CPU µs/IO | NVMe/TCP thr | NVMe/TCP +CPU µs/IO |")
    md.append("|---|--:|--:|--:|--:|")
    for job, jl in JOBS:
        cells = [jl]
        for on, off in (("dst-crc32c", "dst-none"), ("nvme-digest", "nvme")):
            cells.append(fratio(ratio(run.get(on, job, "iops"), run.get(off, job, "iops"))))
            a, b = run.get(on, job, "cpu_us_per_io"), run.get(off, job, "cpu_us_per_io")
            cells.append(fnum(a - b) if a is not None and b is not None else "–")
        md.append("| " + " | ".join(cells) + " |")
    return md


class Targets:
    """The targets of DST's design, each checked against the measured ratio:
    a line each for the report, a record each for summary.json."""

    def __init__(self, records):
        self.lines = []
        self.records = records

    def check(self, name, sys_, value, target, higher, what, unit, need_abs=None):
        """value: the measured ratio; target: the bound; need_abs: (actual,
        required) in absolute units for the shortfall."""
        if value is None:
            self.lines.append(f"SKIP {name}: {LABEL.get(sys_, sys_)}: no data")
            self.records.append({"target": name, "system": sys_, "pass": None})
            return
        ok = value >= target if higher else value <= target
        rel = "≥" if higher else "≤"
        msg = f"{'PASS' if ok else 'FAIL'} {name}: {LABEL[sys_]} {value:.2f}× {what} (target {rel} {target}×)"
        if not ok:
            short = (target / value - 1) if higher else (1 - target / value)
            msg += f"; short by {100 * short:.0f}%"
            if need_abs:
                act, req = need_abs
                msg += f" ({fnum(act, 0 if unit == 'IOPS' else 1)} {unit}, needs {fnum(req, 0 if unit == 'IOPS' else 1)})"
        self.lines.append(msg)
        self.records.append({"target": name, "system": sys_, "ratio": value,
                             "bound": target, "pass": ok})

    def at_least(self, name, sys_, v, ref, times, what, unit):
        """v ≥ times × ref."""
        self.check(name, sys_, ratio(v, ref), times, True, what, unit,
                   (v, times * ref) if v and ref else None)


def throughput_key(job):
    return ("mbps", "MB/s") if job.startswith("seq") else ("iops", "IOPS")


def dst_targets(run, t, d):
    """One dst system's targets: over NVMe/TCP, local brd and NBD."""
    for job, key, unit in (("randread-4k-qd32", "iops", "IOPS"),
                           ("randwrite-4k-qd32", "iops", "IOPS"),
                           ("seqread-1m-qd8", "mbps", "MB/s"),
                           ("seqwrite-1m-qd8", "mbps", "MB/s")):
        v, n = run.get(d, job, key), run.get("nvme", job, key)
        t.at_least(f"{JOB_LABEL[job]} {unit} ≥ 1.2× NVMe/TCP", d, v, n, 1.2, "NVMe/TCP", unit)
        if key == "mbps":
            b = run.get("local", job, key)
            t.at_least(f"{JOB_LABEL[job]} MB/s ≥ 0.3× local brd", d, v, b, 0.3, "local brd", unit)
    job = "randread-4k-qd1"
    v, n = run.get(d, job, "mean_us"), run.get("nvme", job, "mean_us")
    t.check(f"{JOB_LABEL[job]} mean latency ≤ 0.9× NVMe/TCP", d, ratio(v, n), 0.9, False,
            "NVMe/TCP", "µs", (v, 0.9 * n) if v and n else None)
    for job, jl in JOBS:
        key, unit = throughput_key(job)
        t.at_least(f"{jl} {unit} ≥ 2× NBD", d, run.get(d, job, key), run.get("nbd", job, key),
                   2.0, "NBD", unit)


def targets(run, summary):
    t = Targets(summary["targets"])
    for d in DST:
        dst_targets(run, t, d)
    for job, jl in JOBS:
        key, unit = throughput_key(job)
        t.at_least(f"{jl}: crc32c costs ≤ 10% ({unit} with crc32c ≥ 0.9× without)", "dst-crc32c",
                   run.get("dst-crc32c", job, key), run.get("dst-none", job, key), 0.9, "csum=none", unit)
    for job, jl in JOBS:
        key, unit = throughput_key(job)
        t.at_least(f"{jl} {unit} with TLS ≥ 2× NBD with TLS", "dst-tls", run.get("dst-tls", job, key),
                   run.get("nbd-tls", job, key), 2.0, "NBD TLS", unit)
    for job in ("seqread-1m-qd8", "seqwrite-1m-qd8"):
        t.at_least(f"{JOB_LABEL[job]}: TLS costs ≤ 30% (MB/s with TLS ≥ 0.7× plaintext)", "dst-tls",
                   run.get("dst-tls", job, "mbps"), run.get("dst-none", job, "mbps"), 0.7, "csum=none", "MB/s")
    passed = sum(1 for r in t.records if r["pass"])
    failed = sum(1 for r in t.records if r["pass"] is False)
    return ["", "### Targets", "", "```"] + t.lines + [f"{passed} targets met, {failed} missed", "```"]


def mem_table_head(what):
    return ["", "| system | " + what + " | " + " | ".join(t for _, t in MEM) + " |",
            "|---|---|" + "--:|" * len(MEM)]


def mem_row(label, what, f):
    return f"| {label} | {what} | " + " | ".join(fnum(f[k], 0) for k, _ in MEM) + " |"


def memory_idle(run, summary, details):
    """What an export or target and each device with its connection hold
    when idle."""
    md = ["", "### Kernel memory (KiB)", "", MEM_IDLE_NOTE] + mem_table_head("what")

    def row(key, label, what, a, b):
        f = mem_figures(a, b)
        summary["memory"].setdefault(key, {})[what] = f
        if f:
            md.append(mem_row(label, what, f))
            details.append((label, what, top_caches(a, b)))

    families = [("nvme", "NVMe/TCP target (nvmet-tcp port and subsystem)"),
                ("nbd", "nbd-server"), ("dst", "dst export (+ dstd listening)")]
    for fam, fl in families:
        row(fam, fl, "export / target, idle", run.snap(f"{fam}.base"), run.snap(f"{fam}.export"))
    for s, sl in SYSTEMS:
        if s == "local":
            continue
        fam = "dst" if s.startswith("dst") else "nvme" if s.startswith("nvme") else s
        # Against the state just before the device came: its own "pre"
        # snapshot or, when the target was set up for it, the target's.
        row(s, sl, "device + its connection, idle", run.later(f"{s}.pre", f"{fam}.export"),
            run.snap(f"{s}.node"))
    return md


def load_rises(run, s):
    """job -> (memory rise, snapshot under load, snapshot before) of the
    round of the job whose kernel total rose most."""
    idle = run.snap("idle")
    loads = {}
    for job, _ in JOBS:
        for n in range(1, 100):
            t2 = run.snap(f"{s}.{job}.r{n}.t2")
            if not t2:
                break
            f = mem_figures(run.snap(f"{s}.{job}.r{n}.t0") or idle, t2)
            if f and (job not in loads or f["kernel"] > loads[job][0]["kernel"]):
                loads[job] = (f, t2, run.snap(f"{s}.{job}.r{n}.t0") or idle)
    return loads


def memory_under_load(run, summary, details):
    """What each system holds at the worst moment of its worst job."""
    md = ["", MEM_LOAD_NOTE] + mem_table_head("worst job")
    for s, sl in SYSTEMS:
        loads = load_rises(run, s)
        if not loads:
            continue
        worst = max(loads, key=lambda j: loads[j][0]["kernel"])
        f = loads[worst][0]
        summary["memory"].setdefault(s, {})["under load (worst job)"] = f
        summary["memory"][s]["under load"] = {j: l[0] for j, l in loads.items()}
        md.append(mem_row(sl, worst, f))
        details.append((sl, f"under load ({worst})", top_caches(loads[worst][2], loads[worst][1])))
    return md


def slab_details(details):
    md = ["", "<details><summary>Slab caches that changed most (KiB, objects)</summary>", ""]
    for sl, what, caches in details:
        md.append(f"- {sl}, {what}: " + (", ".join(f"{n} {kib:+.1f} ({o:+d})" for n, kib, o in caches) or "none"))
    return md + ["", "</details>"]


def cpu_details(run):
    md = ["", "<details><summary>CPU: busy share of all vCPUs and the busiest threads (% of one CPU)</summary>", ""]
    for job, jl in JOBS:
        md.append(f"- **{jl}**")
        for s, sl in SYSTEMS:
            r = run.results.get(s, {}).get(job)
            if not r or "threads" not in r:
                continue
            th = ", ".join(f"{c} {p:.0f}" for c, p in r["threads"])
            md.append(f"  - {sl}: busy {r['cpu_busy_pct']:.0f}% (kernel {r['cpu_sys_pct']:.0f}%, "
                      f"softirq {r['cpu_softirq_pct']:.0f}%); {th}")
    return md + ["", "</details>"]


def device_details(run):
    md = ["", "<details><summary>Block devices as fio saw them</summary>", "", "```"]
    for s, _ in SYSTEMS:
        p = os.path.join(run.d, "dev", s + ".txt")
        if os.path.exists(p):
            md.append(f"[{s}]")
            md.extend(open(p).read().rstrip("\n").splitlines())
    return md + ["```", "", "</details>"]


def write(run, md, summary):
    """results.md and summary.json into the run's directory; results.md to
    stdout."""
    text = "\n".join(md) + "\n"
    with open(os.path.join(run.d, "results.md"), "w") as f:
        f.write(text)
    with open(os.path.join(run.d, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    sys.stdout.write(text)


def main():
    if len(sys.argv) != 2:
        print("usage: report.py RESULTS_DIR", file=sys.stderr)
        sys.exit(2)
    run = Run(sys.argv[1])
    only_wanted_systems(run)
    summary = {"guest": run.guest, "host": run.host, "results": run.results,
               "targets": [], "memory": {}}
    details = []
    md = header(run) + job_tables(run) + checksum_table(run) + targets(run, summary)
    md += memory_idle(run, summary, details) + memory_under_load(run, summary, details)
    md += slab_details(details) + cpu_details(run) + device_details(run)
    write(run, md, summary)


main()
