#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Runs inside the VM that Tools/vm/run boots; never on the host.
#
#   guest-run.sh [--tee] LOGDIR
#
# LOGDIR is the host directory shared read-write into the guest
# (vm-logs/<kver>); LOGDIR/tests lists the test scripts, one path a line.
# They are not arguments: these travel on the kernel command line, which
# holds 2048 bytes (a longer one is a fortify panic in early boot).
# For each test, in order, in a fresh bash:
#
#   /dev/kmsg  <- "dst-vm: begin NAME"
#   timeout $(test_timeout) bash TEST  > LOGDIR/NAME.log 2>&1
#   cleanup (Tests/vm/lib.sh) whatever the test left behind
#   /dev/kmsg  <- "dst-vm: end NAME"
#   LOGDIR/NAME.dmesg  <- the kernel log between the two markers
#   LOGDIR/results     <- "PASS|FAIL NAME SECS [why]"
#
# --tee also copies each test's output to stdout (the console).
# A test fails if it exits non-zero or its kernel log matches BAD_DMESG_RE.
# A test that outlives its timeout by 60 s is stuck in the kernel (signals
# cannot reach a task in D state): the blocked tasks are dumped (sysrq-w)
# and no further test runs, since the module cannot be unloaded anyway.
# At the end: LOGDIR/dmesg.txt (the whole boot) and LOGDIR/done.
set -uo pipefail

GUEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$GUEST_DIR/../.." && pwd)
# shellcheck source=Tools/vm/common.sh
. "$GUEST_DIR/common.sh"

tee=0
if [[ $1 == --tee ]]; then
	tee=1
	shift
fi
LOGDIR=$1
mapfile -t tests <"$LOGDIR/tests"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }'; }

kmsg() { echo "dst-vm: $*" >/dev/kmsg; }

# The kernel log between "dst-vm: begin NAME" and "dst-vm: end NAME".
dmesg_slice() {
	dmesg | awk -v b="dst-vm: begin $1" -v e="dst-vm: end $1" '
		function ends(s) { return substr($0, length($0) - length(s) + 1) == s }
		ends(b) { on = 1 }
		on { print }
		ends(e) { on = 0 }'
}

# Between tests: whatever a test left behind, as its own EXIT trap would.
reset_state() {
	DST_TEST="$1" timeout -k 10 120 bash -c '. "$1"; trap - EXIT; cleanup_all' _ "$REPO/Tests/vm/lib.sh" \
		>>"$LOGDIR/$1.cleanup.log" 2>&1
}

{
	echo "kernel: $(uname -r)"
	echo "boot: $(cut -d' ' -f1 /proc/uptime) s to guest-run"
	echo "cpus: $(nproc), memory: $(awk '/MemTotal/ { print $2 " kB" }' /proc/meminfo)"
	for tool in fio mkfs.ext4 mkfs.xfs python3; do
		printf '%s: %s\n' "$tool" "$(command -v "$tool" || echo missing)"
	done
} >"$LOGDIR/guest.txt"
: >"$LOGDIR/results"

# A hung task is reported after 120 s by default; the tests' own timeouts
# are longer than that, so the report lands inside the test that caused it.
# dstctl and dstd run from RAM: the guest's root is the host's over 9p
# without a page cache, so each exec would read the programs and the Swift
# runtime's libraries again, about a second per dstctl under TCG (a test
# runs dozens). Tests/vm/lib.sh takes DSTCTL and DSTD from the environment.
stage_programs() {
	local dir=/dev/shm/dst-bin lib
	mkdir -p "$dir/lib"
	cp "${DSTCTL:-$REPO/.build/debug/dstctl}" "${DSTD:-$REPO/.build/debug/dstd}" "$dir/"
	for lib in $(ldd "$dir/dstctl" "$dir/dstd" | awk '$3 ~ "^/opt/" { print $3 }' | sort -u); do
		cp "$lib" "$dir/lib/"
	done
	export DSTCTL=$dir/dstctl DSTD=$dir/dstd
	# Only the Swift runtime's libraries are there: nothing else loads them.
	export LD_LIBRARY_PATH=$dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
}
stage_programs

sysctl -qw kernel.hung_task_timeout_secs=120 2>/dev/null || true
# Make "echo w > /proc/sysrq-trigger" work for the stuck-test dump.
sysctl -qw kernel.sysrq=1 2>/dev/null || true

stuck=0
for test in "${tests[@]}"; do
	name=$(test_name "$test")
	tls=$(test_tls "$test")
	test=$(test_path "$test")
	tmo=$(test_timeout "$test")
	echo "$name" >"$LOGDIR/current"
	kmsg "begin $name"
	start=$(now)
	if ((tee)); then
		exec 8> >(tee "$LOGDIR/$name.log")
	else
		exec 8>"$LOGDIR/$name.log"
	fi
	(
		cd "$REPO" &&
			exec timeout -k 15 "$tmo" env DST_LOGDIR="$LOGDIR" DST_TEST="$name" DST_TLS="$tls" \
				bash "$test"
	) >&8 2>&1 </dev/null &
	pid=$!
	exec 8>&-
	limit=$((tmo + 60))
	while kill -0 "$pid" 2>/dev/null; do
		if (($(elapsed "$start") > limit)); then
			stuck=1
			break
		fi
		sleep 0.2
	done
	why=
	if ((stuck)); then
		echo w >/proc/sysrq-trigger
		sleep 2
		why="stuck in the kernel after its ${tmo}s timeout (blocked tasks in $name.dmesg)"
	else
		wait "$pid"
		rc=$?
		if ((rc == 124 || rc == 137)); then
			why="timed out after ${tmo}s"
		elif ((rc != 0)); then
			why="exit status $rc"
		fi
		reset_state "$name" || why="${why:+$why; }cleanup between tests failed ($name.cleanup.log)"
	fi
	secs=$(elapsed "$start")
	kmsg "end $name"
	dmesg_slice "$name" >"$LOGDIR/$name.dmesg"
	bad=$(grep -E -m 3 "$BAD_DMESG_RE" "$LOGDIR/$name.dmesg" | tr '\n' ' ')
	if [[ -n $bad ]]; then
		why="${why:+$why; }kernel log: $bad"
	fi
	if [[ -z $why ]]; then
		line="PASS $name $secs"
	else
		line="FAIL $name $secs $why"
	fi
	echo "$line" >>"$LOGDIR/results"
	echo "guest-run: $line"
	((stuck)) && break
done

dmesg >"$LOGDIR/dmesg.txt"
echo "$(cut -d' ' -f1 /proc/uptime)" >"$LOGDIR/done"
sync
