#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Swap on a DST device. A process confined to 24 MiB of memory (a memory
# cgroup: the server shares this kernel, and a brd backing store would take
# from the same memory what swapping frees) touches twice that, pass after
# pass in random order, verifying every page it wrote (two passes and a
# final check); the link goes down for 5 s in the middle (longer than
# the 3 s after which the client drops a silent connection). Proves: the
# process finishes with every page verified, more than its limit went
# through swap on dst0 both ways, the device reconnected and resent, and no
# task hung (the kernel log is clean).
# DST's own logic, with no kernel API that differs between 6.1 and 6.12:
# one kernel runs it in CI (make test-vm EVERY_KERNEL=1 runs it on both).
# vm-timeout: 600
# vm-kernel: 6.12
. "$(dirname "$0")/../lib.sh"

LIMIT_MIB=24
SECONDS_TOUCHING=15
CG=/sys/fs/cgroup/dst-swap

setup_server 128
export_dev /dev/ram0 >/dev/null
add_device --ping-interval 1 "${FAST_RECONNECT[@]}" >/dev/null
run mkswap -q /dev/dst0
run swapon /dev/dst0
run cat /proc/swaps

say "a memory cgroup of $LIMIT_MIB MiB that swaps freely"
[[ -e /sys/fs/cgroup/cgroup.controllers ]] || run mount -t cgroup2 none /sys/fs/cgroup
run bash -c 'echo +memory >/sys/fs/cgroup/cgroup.subtree_control'
mkdir -p "$CG"
echo "$CG" >>"$STATE/cgroups"
run bash -c "echo ${LIMIT_MIB}M >$CG/memory.max"
run bash -c "echo max >$CG/memory.swap.max"

say "touch $((2 * LIMIT_MIB)) MiB for ${SECONDS_TOUCHING}s, the link down for 5 s in the middle"
reads=$(sysfs_attr dst0 read_bytes)
writes=$(sysfs_attr dst0 write_bytes)
epoch=$(sysfs_attr dst0 epoch)
printf '+ swap_toucher.py %s %s (in %s) &\n' $((2 * LIMIT_MIB)) "$SECONDS_TOUCHING" "$CG" >&2
(
	echo $BASHPID >"$CG/cgroup.procs"
	exec python3 "$REPO/Tests/vm/swap_toucher.py" $((2 * LIMIT_MIB)) "$SECONDS_TOUCHING"
) >"$WORK/toucher.out" 2>&1 &
TOUCHER=$!
bg_track "$TOUCHER"
sleep $((SECONDS_TOUCHING / 2))
show_dev dst0
link_down
sleep 5
link_up
rc=0
wait "$TOUCHER" || rc=$?
cat "$WORK/toucher.out"
assert_eq "$rc" 0 "swap_toucher.py exit status"
show_dev dst0
run cat /proc/swaps "$CG/memory.events"

in=$((($(sysfs_attr dst0 read_bytes) - reads) >> 20))
out=$((($(sysfs_attr dst0 write_bytes) - writes) >> 20))
echo "swapped out $out MiB, in $in MiB through dst0"
((out >= LIMIT_MIB && in >= LIMIT_MIB)) || fail "too little went through swap: out $out MiB, in $in MiB"
(($(sysfs_attr dst0 epoch) > epoch)) || fail "the link went down but dst0 never reconnected"
assert_eq "$(sysfs_attr dst0 errors)" 0 "dst0 errors"
assert_eq "$(sysfs_attr dst0 timeouts)" 0 "dst0 timeouts"
run swapoff /dev/dst0
