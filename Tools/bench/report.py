#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Turns benchmark runs into tables:
#
#   Tools/bench/report.py DIR
#
# DIR is either one configuration (one boot: vm-logs/bench/<kver>/multi-veth/,
# or a results directory of the older one-boot layout), recognised by its
# bench.env or raw/; or a kernel's directory (vm-logs/bench/<kver>[-quick]/)
# holding one subdirectory per configuration (<tcg>-<topology>/).
#
# One configuration: reads DIR/raw/SYSTEM/JOB.rN.json (fio
# --output-format=json), snap/*.txt (the snapshots bench.sh takes), dev/*.txt,
# guest.env and host.env; writes DIR/results.md and summary.json and prints
# results.md. Runs in the VM at the end of Tools/bench/bench.sh, and again on
# the host (Tools/bench/run does, after each boot).
#
# A kernel's directory: does the above for every configuration (without
# printing it), then writes DIR/results.md and summary.json, which combine
# them, and prints that results.md: first the headline, for every target the
# worst ratio over all configurations and the configuration it came from
# (PASS/FAIL, and by how much it falls short); then a table per job with every
# system in every configuration side by side; then a link to each
# configuration's own results.md.
#
# Needs nothing but the directory.
import json
import os
import re
import shlex
import sys

# dst: DST at its defaults (add-device --remote and no other option);
# dst-tuned: --csum none --connections $(nproc); dst-tls: a pre-shared key,
# otherwise the defaults.
SYSTEMS = [
    ("local", "local brd"),
    ("nvme", "NVMe/TCP"),
    ("nvme-digest", "NVMe/TCP digests"),
    ("nbd", "NBD"),
    ("nbd-tls", "NBD TLS"),
    ("dst", "dst"),
    ("dst-tuned", "dst-tuned"),
    ("dst-tls", "dst-tls"),
]
LABEL = dict(SYSTEMS)
DST = ["dst", "dst-tuned"]
JOBS = [
    ("randread-4k-qd1", "4k random read, QD1"),
    ("randread-4k-qd32", "4k random read, QD32 ×2 jobs"),
    ("randwrite-4k-qd32", "4k random write, QD32 ×2 jobs"),
    ("seqread-1m-qd8", "1M sequential read, QD8"),
    ("seqwrite-1m-qd8", "1M sequential write, QD8"),
]
# The configurations Tools/bench/run boots, in the order of the combined
# report: (TCG mode, topology).
TCG_ORDER = ["single", "multi"]
TOPOLOGY_ORDER = ["veth", "loopback"]
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
    """One configuration: one boot's results directory."""

    def __init__(self, d):
        self.d = d
        self.name = os.path.basename(os.path.normpath(d))
        self.guest = env(os.path.join(d, "guest.env"))
        self.host = env(os.path.join(d, "host.env"))
        self.bench = env(os.path.join(d, "bench.env"))
        self.hz = int(self.guest.get("hz", "100"))
        self.runtime = float(self.guest.get("runtime", "0") or 0)
        self.snaps = {}
        self.results = {}  # sys -> job -> figures
        for sys_, _ in SYSTEMS:
            for job, _ in JOBS:
                r = self.fio(sys_, job)
                if r:
                    self.results.setdefault(sys_, {})[job] = r
        # The systems this run was asked for (all with results if unknown),
        # in SYSTEMS' order.
        wanted = (self.guest.get("systems") or self.benv("BENCH_SYSTEMS")).split()
        self.systems = [(s, l) for s, l in SYSTEMS if s in wanted or (not wanted and s in self.results)]
        self.topology = self.guest.get("topology") or self.benv("BENCH_TOPOLOGY") or "veth"
        accel = self.host.get("accel", "")
        self.tcg = accel.split("thread=", 1)[1].split(",")[0] if "thread=" in accel else ""

    def benv(self, key):
        """A setting of bench.env (which Tools/bench/run quotes with %q)."""
        try:
            return " ".join(shlex.split(self.bench.get(key, "")))
        except ValueError:
            return self.bench.get(key, "")

    def words(self):
        """The configuration in words: how QEMU runs the vCPUs, where the
        two ends are."""
        accel = self.host.get("accel", "")
        cpus = self.guest.get("cpus", "?")
        if self.tcg == "single":
            q = f"QEMU TCG, one host thread for all {cpus} vCPUs (thread=single)"
        elif self.tcg == "multi":
            q = "QEMU TCG, one host thread per vCPU (thread=multi)"
        else:
            q = f"QEMU -accel {accel or '?'}"
        if self.topology == "loopback":
            t = "both ends in the initial netns over 127.0.0.1 (lo, MTU 65536)"
        else:
            t = ("server in netns server (192.0.2.1), client in netns client (192.0.2.2), "
                 "joined by a veth pair (MTU 1500)")
        return f"{q}; {t}"

    def boot(self):
        """The guest's verdict on the boot (the results file), or why there
        is none."""
        try:
            with open(os.path.join(self.d, "results")) as f:
                line = f.read().strip()
        except OSError:
            line = ""
        if not os.path.exists(os.path.join(self.d, "done")):
            return False, "the guest did not finish (see console.txt)" + (f"; {line}" if line else "")
        return line.startswith("PASS"), line or "no verdict"

    def devattr(self, sys_, attr):
        """DST's negotiated value ATTR of SYSTEM's device, from dev/SYSTEM.txt."""
        try:
            with open(os.path.join(self.d, "dev", sys_ + ".txt")) as f:
                for line in f:
                    if line.startswith(f"dst {attr}="):
                        return line.strip().split("=", 1)[1]
        except OSError:
            pass
        return None

    def has(self, sys_):
        return any(s == sys_ for s, _ in self.systems)

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
        # With group_reporting, jobs[0] is the whole section (numjobs=2: both
        # threads): IOPS and bandwidth summed, latencies over all I/Os. lat_ns
        # has percentiles because bench.fio sets lat_percentiles=1
        # (submission to completion, not clat's completion only).
        p99 = r["lat_ns"].get("percentile", {}).get("99.000000")
        out = {
            "iops": r["iops"],
            "mbps": r["bw_bytes"] / 1e6,
            "mean_us": r["lat_ns"]["mean"] / 1e3,
            "p99_us": p99 / 1e3 if p99 is not None else None,
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
    "that are noise. Latencies are fio's `lat` (submission to completion), over "
    "all I/Os of all threads of a job. "
    "Ratios: **thr** is IOPS and MB/s alike (same block size), **mean**/**p99** "
    "the latencies (lower is better), each over NVMe/TCP's and over local brd's "
    "figure for the same job. **CPU µs/IO**: busy vCPU time as the guest counts it "
    "(all vCPUs, everything: fio, block layer, network stack, both ends) per "
    "completed I/O, between 15 % and 85 % of the job; under TCG, compare it "
    "between systems, not with real hardware.")

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


def flag(g, name):
    v = g.get(f"cpu_{name}")
    return "?" if v is None else ("yes" if v == "1" else "no")


def header(run):
    g, h = run.guest, run.host
    md = [f"## DST benchmark: Linux {g.get('kernel', '?')}, {run.name}", ""]
    md.append(f"**Configuration: {run.words()}.**")
    md.append("")
    md.append(
        f"{g.get('cpus', '?')} vCPUs, {int(g.get('mem_kib', '0')) // 1024} MiB guest memory; "
        f"{g.get('size_mb', '?')} MiB brd per system; fio io_uring, O_DIRECT "
        f"(QD1 and 1M jobs: one thread; QD32 jobs: two threads of 32 each), "
        f"{g.get('ramp', '?')} s ramp + {g.get('runtime', '?')} s per job and round; "
        f"fio in the initial netns. {g.get('start', '')}")
    md.append("")
    md.append(
        f"Guest CPU: {g.get('cpu_model', '?')}; crc32c instruction (sse4_2): {flag(g, 'sse4_2')}, "
        f"pclmulqdq: {flag(g, 'pclmulqdq')}, aes: {flag(g, 'aes')}, avx2: {flag(g, 'avx2')}, "
        f"constant_tsc: {flag(g, 'constant_tsc')}; clock source {g.get('clocksource', '?')}; "
        f"crc32c driver {g.get('crc32c', '?')}; CRC32C with the crc32 instruction over 4 KiB "
        f"(Tools/bench/crc32c-speed.c, one CPU): {g.get('crc32c_mbps', '?')} MB/s in the guest, "
        f"{h.get('crc32c_mbps', '?') if h else '?'} MB/s on the host.")
    if h:
        md.append("")
        md.append(
            f"Host: {h.get('cpu', '?')}, load average {h.get('load_before', '?')} before the boot"
            f"{', ' + h['load_after'] + ' after' if h.get('load_after') else ''}; "
            f"{h.get('qemu', '?')}, -accel {h.get('accel', '?')}; "
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
             fnum(r["mbps"]), fnum(r["mean_us"]), fnum(r.get("p99_us")),
             fnum(r.get("cpu_us_per_io"))]
    for ref in ("nvme", "local"):
        cells.append(fratio(ratio(r["iops"], run.get(ref, job, "iops"))))
        cells.append(fratio(ratio(r["mean_us"], run.get(ref, job, "mean_us"))))
        cells.append(fratio(ratio(r.get("p99_us"), run.get(ref, job, "p99_us"))))
    return "| " + " | ".join(cells) + " |"


def job_tables(run):
    """A table per job that any system ran: figures and ratios."""
    md = []
    for job, jl in JOBS:
        if not any(job in run.results.get(s, {}) for s, _ in run.systems):
            continue
        md += ["", f"### {jl}", ""]
        md.append("| system | IOPS | ±% | MB/s | mean µs | p99 µs | CPU µs/IO | thr ×NVMe | mean ×NVMe | p99 ×NVMe | thr ×brd | mean ×brd | p99 ×brd |")
        md.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
        for s, sl in run.systems:
            md.append(job_row(run, job, sl, run.results.get(s, {}).get(job)))
    return md


def dst_settings(run, sys_):
    """csum=... connections=... of a DST device, as negotiated."""
    return f"csum={run.devattr(sys_, 'csum') or '?'}, connections={run.devattr(sys_, 'connections') or '?'}"


def checksum_table(run):
    """What DST at its defaults (checksum) costs against dst-tuned, and what
    digests cost NVMe/TCP, where either pair ran."""
    pairs = [(a, b) for a, b in (("dst", "dst-tuned"), ("nvme-digest", "nvme"))
             if run.results.get(a) and run.results.get(b)]
    if not pairs:
        return []
    md = ["", "### Cost of checksums", ""]
    dst_differs = (run.devattr("dst", "connections") != run.devattr("dst-tuned", "connections"))
    md.append(
        "Throughput with CRC32C divided by throughput without, and the CPU time per I/O it "
        f"adds. DST: `dst` (its defaults: {dst_settings(run, 'dst')}) against `dst-tuned` "
        f"({dst_settings(run, 'dst-tuned')}); besides the checksum they also may differ in "
        "connections, if the defaults do"
        + (" (here they do: the ratio is not the checksum's alone)" if dst_differs else "")
        + ". NVMe/TCP: `--hdr-digest --data-digest` against none. Information only, not a target.")
    md.append("")
    md.append("| job | dst ÷ dst-tuned thr | dst +CPU µs/IO | NVMe/TCP digests thr | NVMe/TCP +CPU µs/IO |")
    md.append("|---|--:|--:|--:|--:|")
    for job, jl in JOBS:
        cells = [jl]
        for on, off in (("dst", "dst-tuned"), ("nvme-digest", "nvme")):
            cells.append(fratio(ratio(run.get(on, job, "iops"), run.get(off, job, "iops"))))
            a, b = run.get(on, job, "cpu_us_per_io"), run.get(off, job, "cpu_us_per_io")
            cells.append(fnum(a - b) if a is not None and b is not None else "–")
        md.append("| " + " | ".join(cells) + " |")
    return md


class Targets:
    """The targets of DST's design, each checked against the measured ratio:
    a line each for the report, a record each for summary.json (which the
    combined report takes the worst of)."""

    def __init__(self, records):
        self.lines = []
        self.records = records

    def add(self, line, **rec):
        self.lines.append(line)
        rec["line"] = line
        self.records.append(rec)

    def check(self, name, sys_, value, target, higher, what, unit, need_abs=None):
        """value: the measured ratio; target: the bound; need_abs: (actual,
        required) in absolute units for the shortfall."""
        if value is None:
            self.add(f"SKIP {name}: {LABEL.get(sys_, sys_)}: no data",
                     target=name, system=sys_, higher=higher, bound=target, ratio=None, **{"pass": None})
            return
        ok = value >= target if higher else value <= target
        rel = "≥" if higher else "≤"
        msg = f"{'PASS' if ok else 'FAIL'} {name}: {LABEL[sys_]} {value:.2f}× {what} (target {rel} {target}×)"
        if not ok:
            short = (target / value - 1) if higher else (1 - target / value)
            msg += f"; short by {100 * short:.0f}%"
            if need_abs:
                act, req = need_abs
                nd = 0 if unit == "IOPS" else 1
                msg += f" ({fnum(act, nd)} {unit}, needs {'≥' if higher else '≤'} {fnum(req, nd)})"
        self.add(msg, target=name, system=sys_, higher=higher, bound=target, ratio=value, **{"pass": ok})

    def at_least(self, name, sys_, v, ref, times, what, unit):
        """v ≥ times × ref."""
        self.check(name, sys_, ratio(v, ref), times, True, what, unit,
                   (v, times * ref) if v and ref else None)

    def at_most(self, name, sys_, v, ref, times, what, unit):
        """v ≤ times × ref (latencies)."""
        self.check(name, sys_, ratio(v, ref), times, False, what, unit,
                   (v, times * ref) if v and ref else None)

    def not_applicable(self, name, sys_, why, higher, bound):
        self.add(f"N/A  {name}: {LABEL[sys_]}: n/a ({why})",
                 target=name, system=sys_, higher=higher, bound=bound, ratio=None, na=why, **{"pass": None})


def throughput_key(job):
    return ("mbps", "MB/s") if job.startswith("seq") else ("iops", "IOPS")


def crc32c_missing(run, d):
    """Why d's sequential targets do not apply, or None: DST at its defaults
    computes CRC32C over every byte, which a guest without the crc32
    instruction (sse4_2) computes in software."""
    if d != "dst" or run.guest.get("cpu_sse4_2") != "0":
        return None
    if run.devattr(d, "csum") == "none":
        return None
    return "no crc32c instruction"


def dst_targets(run, t, d):
    """One dst system's targets over NVMe/TCP and NBD, in the same boot."""
    if run.has("nvme"):
        job = "randread-4k-qd1"
        t.at_most(f"{JOB_LABEL[job]} mean latency ≤ 0.9× NVMe/TCP", d, run.get(d, job, "mean_us"),
                  run.get("nvme", job, "mean_us"), 0.9, "NVMe/TCP", "µs")
        t.at_most(f"{JOB_LABEL[job]} p99 latency ≤ 1.0× NVMe/TCP", d, run.get(d, job, "p99_us"),
                  run.get("nvme", job, "p99_us"), 1.0, "NVMe/TCP", "µs")
        for job in ("randread-4k-qd32", "randwrite-4k-qd32"):
            t.at_least(f"{JOB_LABEL[job]} IOPS ≥ 1.2× NVMe/TCP", d, run.get(d, job, "iops"),
                       run.get("nvme", job, "iops"), 1.2, "NVMe/TCP", "IOPS")
            t.at_most(f"{JOB_LABEL[job]} p99 latency ≤ 1.0× NVMe/TCP", d, run.get(d, job, "p99_us"),
                      run.get("nvme", job, "p99_us"), 1.0, "NVMe/TCP", "µs")
        for job in ("seqread-1m-qd8", "seqwrite-1m-qd8"):
            name = f"{JOB_LABEL[job]} MB/s ≥ 1.2× NVMe/TCP"
            why = crc32c_missing(run, d)
            if why:
                t.not_applicable(name, d, why, True, 1.2)
            else:
                t.at_least(name, d, run.get(d, job, "mbps"), run.get("nvme", job, "mbps"), 1.2,
                           "NVMe/TCP", "MB/s")
    if run.has("nbd"):
        for job, jl in JOBS:
            key, unit = throughput_key(job)
            t.at_least(f"{jl} {unit} ≥ 2× NBD", d, run.get(d, job, key), run.get("nbd", job, key),
                       2.0, "NBD", unit)


def targets(run, summary):
    t = Targets(summary["targets"])
    for d in DST:
        if run.has(d):
            dst_targets(run, t, d)
    if run.has("dst-tls") and run.has("nbd-tls"):
        for job, jl in JOBS:
            key, unit = throughput_key(job)
            t.at_least(f"{jl} {unit} with TLS ≥ 2× NBD with TLS", "dst-tls", run.get("dst-tls", job, key),
                       run.get("nbd-tls", job, key), 2.0, "NBD TLS", unit)
    if run.has("dst-tls") and run.has("dst-tuned"):
        for job in ("seqread-1m-qd8", "seqwrite-1m-qd8"):
            t.at_least(f"{JOB_LABEL[job]}: TLS costs ≤ 30% (MB/s with TLS ≥ 0.7× dst-tuned)", "dst-tls",
                       run.get("dst-tls", job, "mbps"), run.get("dst-tuned", job, "mbps"), 0.7,
                       "dst-tuned", "MB/s")
    passed = sum(1 for r in t.records if r["pass"])
    failed = sum(1 for r in t.records if r["pass"] is False)
    md = ["", "### Targets", "",
          "DST against the other systems of this boot (dst: its defaults; dst-tuned: "
          "`--csum none --connections N`); targets whose reference system did not run are left out.",
          "", "```"]
    return md + t.lines + [f"{passed} targets met, {failed} missed", "```"]


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
    for s, sl in run.systems:
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
    for s, sl in run.systems:
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
        for s, sl in run.systems:
            r = run.results.get(s, {}).get(job)
            if not r or "threads" not in r:
                continue
            th = ", ".join(f"{c} {p:.0f}" for c, p in r["threads"])
            md.append(f"  - {sl}: busy {r['cpu_busy_pct']:.0f}% (kernel {r['cpu_sys_pct']:.0f}%, "
                      f"softirq {r['cpu_softirq_pct']:.0f}%); {th}")
    return md + ["", "</details>"]


def device_details(run):
    md = ["", "<details><summary>Block devices as fio saw them</summary>", "", "```"]
    for s, _ in run.systems:
        p = os.path.join(run.d, "dev", s + ".txt")
        if os.path.exists(p):
            md.append(f"[{s}]")
            md.extend(open(p).read().rstrip("\n").splitlines())
    return md + ["```", "", "</details>"]


def write(d, md, summary, show=True):
    """results.md and summary.json into D; results.md to stdout if SHOW."""
    text = "\n".join(md) + "\n"
    with open(os.path.join(d, "results.md"), "w") as f:
        f.write(text)
    with open(os.path.join(d, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    if show:
        sys.stdout.write(text)


def report_config(run, show=True):
    """One configuration's results.md and summary.json; returns the summary."""
    summary = {"configuration": run.name, "words": run.words(), "guest": run.guest, "host": run.host,
               "results": run.results, "targets": [], "memory": {}}
    details = []
    md = header(run) + job_tables(run) + checksum_table(run) + targets(run, summary)
    md += memory_idle(run, summary, details) + memory_under_load(run, summary, details)
    md += slab_details(details) + cpu_details(run) + device_details(run)
    write(run.d, md, summary, show)
    return summary


# ---- a kernel's directory: every configuration combined ----

def is_config(d):
    """Whether D is one configuration's directory (one boot)."""
    return os.path.isfile(os.path.join(d, "bench.env")) or os.path.isdir(os.path.join(d, "raw"))


def config_dirs(d):
    """The configurations under a kernel's directory, single before multi,
    veth before loopback."""
    def key(n):
        tcg, _, topo = n.partition("-")
        return (TCG_ORDER.index(tcg) if tcg in TCG_ORDER else len(TCG_ORDER),
                TOPOLOGY_ORDER.index(topo) if topo in TOPOLOGY_ORDER else len(TOPOLOGY_ORDER), n)
    try:
        names = os.listdir(d)
    except OSError:
        return []
    return [os.path.join(d, n) for n in sorted(names, key=key)
            if os.path.isdir(os.path.join(d, n)) and is_config(os.path.join(d, n))]


def worst_of(recs):
    """(configuration, record) with the worst ratio among RECS (those that
    have one), or None."""
    data = [(c, r) for c, r in recs if r.get("ratio") is not None]
    if not data:
        return None
    pick = min if data[0][1].get("higher", True) else max
    return pick(data, key=lambda cr: cr[1]["ratio"])


def headline(runs, summaries, combined):
    """Every target's worst ratio over the configurations, the
    configuration it came from, and each configuration's ratio."""
    keys, by_key = [], {}
    for run in runs:
        for rec in summaries[run.name]["targets"]:
            k = (rec["target"], rec["system"])
            if k not in by_key:
                keys.append(k)
                by_key[k] = []
            by_key[k].append((run.name, rec))
    lines, met, missed = [], 0, 0
    for k in keys:
        recs = by_key[k]
        seen = dict(recs)
        per = []
        for run in runs:
            rec = seen.get(run.name)
            if rec is None:
                per.append(f"{run.name} –")
            elif rec.get("ratio") is not None:
                per.append(f"{run.name} {rec['ratio']:.2f}")
            else:
                per.append(f"{run.name} {'n/a' if rec.get('na') else 'no data'}")
        w = worst_of(recs)
        if w:
            cfg, rec = w
            line = f"{rec['line']}; worst in {cfg}"
            met += rec["pass"] is True
            missed += rec["pass"] is False
        else:
            cfg, rec = None, recs[0][1]
            line = rec["line"]
        lines.append(f"{line}  [{', '.join(per)}]")
        combined["headline"].append({"target": k[0], "system": k[1], "worst_config": cfg,
                                     "ratio": rec.get("ratio"), "bound": rec.get("bound"),
                                     "pass": rec.get("pass") if w else None, "na": rec.get("na"),
                                     "line": line,
                                     "per_config": {c: r.get("ratio") for c, r in recs}})
    unfinished = 0
    for run in runs:
        ok, why = run.boot()
        if not ok:
            unfinished += 1
            lines.append(f"FAIL boot {run.name}: {why}")
    return lines + [f"{met} targets met in every configuration that measured them, {missed} missed "
                    f"in at least one (each line: the worst configuration's ratio); "
                    f"{len(runs) - unfinished} of {len(runs)} boots finished cleanly"]


def combined_job_tables(runs):
    """A table per job: every system in every configuration, side by side."""
    md = []
    systems = [s for s in SYSTEMS if any(s in run.systems for run in runs)]
    for job, jl in JOBS:
        if not any(run.get(s, job, "iops") is not None for run in runs for s, _ in systems):
            continue
        md += ["", f"### {jl}", ""]
        md.append("| system | configuration | IOPS | ±% | MB/s | mean µs | p99 µs | CPU µs/IO | thr ×NVMe | mean ×NVMe | p99 ×NVMe |")
        md.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
        for s, sl in systems:
            for run in runs:
                r = run.results.get(s, {}).get(job)
                if not r:
                    md.append(f"| {sl} | {run.name} |" + " – |" * 9)
                    continue
                cells = [sl, run.name, fnum(r["iops"], 0),
                         fnum(r.get("spread_pct"), 0) if r.get("rounds", 1) > 1 else "–",
                         fnum(r["mbps"]), fnum(r["mean_us"]), fnum(r.get("p99_us")),
                         fnum(r.get("cpu_us_per_io")),
                         fratio(ratio(r["iops"], run.get("nvme", job, "iops"))),
                         fratio(ratio(r["mean_us"], run.get("nvme", job, "mean_us"))),
                         fratio(ratio(r.get("p99_us"), run.get("nvme", job, "p99_us")))]
                md.append("| " + " | ".join(cells) + " |")
    return md


def combined_checksum_table(runs):
    """dst over dst-tuned, per job and configuration (information)."""
    runs_ = [run for run in runs if run.results.get("dst") and run.results.get("dst-tuned")]
    if not runs_:
        return []
    md = ["", "### Cost of checksums (information, not a target)", "",
          "Throughput of `dst` (DST's defaults) divided by that of `dst-tuned` (`--csum none "
          "--connections N`); they also may differ in connections if the defaults do. As negotiated: "
          + "; ".join(f"{run.name}: dst {dst_settings(run, 'dst')}, dst-tuned {dst_settings(run, 'dst-tuned')}"
                      for run in runs_) + ".", ""]
    md.append("| job | " + " | ".join(run.name for run in runs_) + " |")
    md.append("|---|" + "--:|" * len(runs_))
    for job, jl in JOBS:
        md.append(f"| {jl} | " + " | ".join(
            fratio(ratio(run.get("dst", job, "iops"), run.get("dst-tuned", job, "iops"))) for run in runs_) + " |")
    return md


def report_kernel(d):
    """Every configuration under D, then the report that combines them."""
    runs = [Run(c) for c in config_dirs(d)]
    summaries = {run.name: report_config(run, show=False) for run in runs}
    g = next((run.guest for run in runs if run.guest), {})
    combined = {"layout": "combined", "kernel": g.get("kernel"), "configurations": [],
                "headline": [], "results": {run.name: run.results for run in runs}}
    md = [f"## DST benchmark: Linux {g.get('kernel', '?')}, {len(runs)} configuration(s) combined", ""]
    md.append("Each configuration is one boot of its own, with every system measured in that boot "
              "(ratios compare systems of the same boot only): " +
              "; ".join(f"**{run.name}**: {run.words()}" for run in runs) + ".")
    md += ["", "### Headline: each target's worst ratio over all configurations", "",
           "Per target and system, the configuration with the worst ratio to its reference "
           "system and its verdict (with the shortfall); in brackets, the ratio in every "
           "configuration.", "", "```"]
    md += headline(runs, summaries, combined) + ["```"]
    md += ["", "### Configurations", "",
           "| configuration | QEMU | topology | boot | targets met | missed | results |",
           "|---|---|---|---|--:|--:|---|"]
    for run in runs:
        ok, why = run.boot()
        recs = summaries[run.name]["targets"]
        met = sum(1 for r in recs if r["pass"])
        missed = sum(1 for r in recs if r["pass"] is False)
        md.append(f"| {run.name} | {run.host.get('accel', '?')} | {run.topology} | "
                  f"{why if ok else 'FAIL: ' + why} | {met} | {missed} | "
                  f"[{run.name}/results.md]({run.name}/results.md) |")
        combined["configurations"].append({
            "name": run.name, "words": run.words(), "accel": run.host.get("accel"),
            "topology": run.topology, "boot_ok": ok, "boot": why, "targets_met": met,
            "targets_missed": missed, "summary": f"{run.name}/summary.json"})
    md += ["", "Figures: means over the rounds of a boot; ±%: half the spread of IOPS between "
           "rounds; latencies: fio's `lat` (submission to completion) over all threads of a job; "
           "×NVMe: over NVMe/TCP in the same configuration (thr: IOPS and MB/s alike, latencies: "
           "lower is better). Each configuration's results.md has the details: ratios to local "
           "brd, memory, CPU, devices."]
    md += combined_job_tables(runs) + combined_checksum_table(runs)
    md += ["", "### Each configuration's report", ""]
    for run in runs:
        md.append(f"- [{run.name}/results.md]({run.name}/results.md): {run.words()}")
    write(d, md, combined)


def main():
    if len(sys.argv) != 2:
        print("usage: report.py DIR   (one configuration's directory, or a kernel's "
              "holding one per configuration)", file=sys.stderr)
        sys.exit(2)
    d = sys.argv[1]
    if is_config(d):
        report_config(Run(d))
    elif config_dirs(d):
        report_kernel(d)
    else:
        print(f"report.py: {d} holds no benchmark results (no bench.env or raw/, "
              "nor subdirectories with them)", file=sys.stderr)
        sys.exit(1)


main()
