#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Runs inside the VM that Tools/bench/run boots; never on the host.
#
#   guest.sh LOGDIR
#
# Runs Tools/bench/bench.sh once (one configuration: the TCG mode the host
# booted with, the topology of bench.env), bounded by BENCH_TIMEOUT of LOGDIR/bench.env,
# with its output in LOGDIR/bench.log, then saves the kernel log
# (LOGDIR/dmesg.txt) and writes LOGDIR/results ("PASS|FAIL bench SECS
# [why]": the script's exit and the kernel-log check of Tools/vm/common.sh)
# and LOGDIR/done. Tools/vm/guest-run.sh does the same for tests, but polls
# every 0.2 s while a test runs; here nothing else runs beside fio.
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)
# shellcheck source=Tools/vm/common.sh
. "$REPO/Tools/vm/common.sh"

LOGDIR=$1
# The limit Tools/bench/run computed for this run's settings, else the
# script's own "# vm-timeout:".
tmo=$(sed -n 's/^BENCH_TIMEOUT=\([0-9][0-9]*\)$/\1/p' "$LOGDIR/bench.env" 2>/dev/null)
[[ -n $tmo ]] || tmo=$(test_timeout "$BENCH_DIR/bench.sh")

{
	echo "kernel: $(uname -r)"
	echo "boot: $(cut -d' ' -f1 /proc/uptime) s to guest.sh"
	echo "cpus: $(nproc), memory: $(awk '/MemTotal/ { print $2 " kB" }' /proc/meminfo)"
} >"$LOGDIR/guest.txt"

sysctl -qw kernel.hung_task_timeout_secs=120 2>/dev/null || true
sysctl -qw kernel.sysrq=1 2>/dev/null || true

echo "dst-vm: begin bench" >/dev/kmsg
start=$(cut -d' ' -f1 /proc/uptime)
(
	cd "$REPO" &&
		exec timeout -k 15 "$tmo" env DST_LOGDIR="$LOGDIR" DST_TEST=bench \
			bash "$BENCH_DIR/bench.sh"
) >"$LOGDIR/bench.log" 2>&1 </dev/null
rc=$?
echo "dst-vm: end bench" >/dev/kmsg
secs=$(awk -v a="$start" '{ printf "%.0f", $1 - a }' /proc/uptime)

why=
if ((rc == 124 || rc == 137)); then
	why="timed out after ${tmo}s"
elif ((rc != 0)); then
	why="exit status $rc"
fi
dmesg >"$LOGDIR/dmesg.txt"
bad=$(grep -E -m 3 "$BAD_DMESG_RE" "$LOGDIR/dmesg.txt" | tr '\n' ' ')
[[ -z $bad ]] || why="${why:+$why; }kernel log: $bad"
if [[ -z $why ]]; then
	echo "PASS bench $secs" >"$LOGDIR/results"
else
	echo "FAIL bench $secs $why" >"$LOGDIR/results"
fi
cut -d' ' -f1 /proc/uptime >"$LOGDIR/done"
sync
