#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""Summarizes a perf record -a -g file from the benchmark VM.

    profile.py PERF_DATA KALLSYMS

Prints where the CPUs were, by function: samples in the function itself
(self) and samples with the function anywhere on the stack (total), with the
guest's /proc/kallsyms as the only symbol table. perf report would look for
modules in the host's /lib/modules, where another module may be named dst
(drivers/media/pci/bt8xx); kallsyms names every kernel and module function as
the guest had them. User-space frames are counted by task name only.

Clock reads get their own line: under TCG the guest's clocksource is the
emulated HPET (the TSCs are found unsynchronized), each read of which leaves
the translated code, and they take a large share. For them, the first
caller outside the timekeeping code is counted.
"""

import bisect
import collections
import subprocess
import sys

TOP_SELF = 40
TOP_TOTAL = 30
TOP_CLOCK_CALLERS = 12
IDLE = {"native_safe_halt", "pv_native_safe_halt", "default_idle", "amd_e400_idle",
        "acpi_safe_halt"}
CLOCK_READS = {"read_hpet", "read_tsc", "acpi_pm_read", "kvm_clock_get_cycles"}
TIMEKEEPING_PREFIXES = ("ktime_get", "read_hpet", "read_tsc", "acpi_pm_read",
                        "kvm_clock", "timekeeping_", "clocksource_")


def load_kallsyms(path):
    addrs, names = [], []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or parts[1] not in "tTwW":
                continue
            addr = int(parts[0], 16)
            if addr == 0:
                continue
            name = parts[2] + (" " + parts[3] if len(parts) > 3 else "")
            addrs.append(addr)
            names.append(name)
    order = sorted(range(len(addrs)), key=addrs.__getitem__)
    return [addrs[i] for i in order], [names[i] for i in order]


def samples(data):
    """Yields (comm, [ip, ...]) per sample, innermost frame first."""
    out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip"],
                         capture_output=True, text=True, check=True).stdout
    comm, ips = None, []
    for line in out.splitlines():
        if not line.strip():
            if comm is not None:
                yield comm, ips
            comm, ips = None, []
        elif line[0].isspace():
            ips.append(int(line.split()[0], 16))
        else:
            comm = line.strip()
    if comm is not None:
        yield comm, ips


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2])
    addrs, names = load_kallsyms(sys.argv[2])

    def name(ip, comm):
        if ip < addrs[0]:
            return f"[user] {comm}"
        i = bisect.bisect_right(addrs, ip) - 1
        return names[i]

    n = 0
    idle = 0
    self_count = collections.Counter()
    total_count = collections.Counter()
    comms = collections.Counter()
    clock_callers = collections.Counter()
    for comm, ips in samples(sys.argv[1]):
        if not ips:
            continue
        n += 1
        # Return addresses point after the call: look up the call itself.
        frames = [name(ips[0], comm)] + [name(ip - 1, comm) for ip in ips[1:]]
        if frames[0].split()[0] in IDLE:
            idle += 1
            continue
        comms[comm] += 1
        self_count[frames[0]] += 1
        if frames[0].split()[0] in CLOCK_READS:
            outside = [f for f in frames if not f.startswith(TIMEKEEPING_PREFIXES)]
            caller = outside[0].split()[0] if outside else "?"
            clock_callers[f"{caller} ({comm})"] += 1
        for frame in set(frames):
            total_count[frame] += 1
    if not n:
        print("no samples")
        return
    busy = n - idle
    print(f"{n} samples, {100 * idle / n:.1f} % idle; shares below are of the"
          f" {busy} busy samples")
    if not busy:
        return
    clock = sum(clock_callers.values())
    print(f"clock reads: {100 * clock / busy:.1f} % of the busy samples")
    print("\n  self %  function  (samples in the function itself)")
    for fn, c in self_count.most_common(TOP_SELF):
        print(f"  {100 * c / busy:6.1f}  {fn}")
    print("\n total %  function  (samples with it anywhere on the stack)")
    for fn, c in total_count.most_common(TOP_TOTAL):
        print(f"  {100 * c / busy:6.1f}  {fn}")
    if clock:
        print("\n clock %  first caller outside timekeeping (task)")
        for caller, c in clock_callers.most_common(TOP_CLOCK_CALLERS):
            print(f"  {100 * c / busy:6.1f}  {caller}")
    print("\n  busy %  task")
    for comm, c in comms.most_common(12):
        print(f"  {100 * c / busy:6.1f}  {comm}")


if __name__ == "__main__":
    main()
