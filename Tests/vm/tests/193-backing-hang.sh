#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# A server whose backing store hangs (dmsetup suspend of the dm device under
# the export), with I/O running:
#   1. every I/O fails with EIO at the device's I/O timeout (5 s here) plus a
#      small margin, counted from its submission, also the one already on
#      the wire and the flushes of a storm of 300 fsyncs (more than the
#      export's backing workers); no I/O hangs;
#   2. another export of the same server, whose backing store works, keeps
#      serving its flushes meanwhile;
#   3. after dmsetup resume the device works again and its data verifies;
#   4. unexport while the backing store hangs: the netlink handler does not
#      wait (genl answers at once, behind a waiting writer); the export shows
#      "removing" until its requests drained, and is gone after the resume,
#      the backing device free.
# DST's own logic, with no kernel API that differs between 6.1 and 6.12:
# one kernel runs it in CI (make test-vm EVERY_KERNEL=1 runs it on both).
# vm-timeout: 420
# vm-kernel: 6.1
. "$(dirname "$0")/../lib.sh"

TIMEOUT=5
MARGIN=3
TIMED_IO=$REPO/Tests/vm/timed_io.py

setup_net
brd_setup 64 2
load_dst
linear_setup hang /dev/ram0 "$(blockdev --getsz /dev/ram0)"
start_dstd server
sv dstctl export /dev/mapper/hang --name hang --listen "$LISTEN" >/dev/null
sv dstctl export /dev/ram1 --name other --listen "$LISTEN" >/dev/null
add_device --export hang --io-timeout "$TIMEOUT" --connections 4 >/dev/null
add_device --export other >/dev/null

# check_log LOG WHAT: every operation in LOG took at most TIMEOUT + MARGIN
# seconds, and at least one failed with EIO; prints a summary.
check_log() {
	awk -v max=$((TIMEOUT + MARGIN)) -v what="$2" '
		{ n++; if ($3 == "EIO") eio++; else if ($3 != "ok") other++
		  if ($2 > longest) longest = $2 }
		END {
			printf "%s: %d operations, %d EIO, %d other errors, longest %.1fs\n",
				what, n, eio, other, longest
			exit !(n > 0 && eio > 0 && other == 0 && longest <= max)
		}' "$1" || fail "$2: an operation took longer than $((TIMEOUT + MARGIN))s, or none failed with EIO"
}

say "baseline"
random_file "$WORK/data" 2048
run dd if="$WORK/data" of=/dev/dst0 bs=1M oflag=direct status=none
run cmp -n $((2 << 20)) "$WORK/data" /dev/mapper/hang

say "1. suspend the backing store under a stream of writes"
run python3 "$TIMED_IO" writes /dev/dst0 "$WORK/writes.log" "$WORK/stop" &
writer=$!
bg_track "$writer"
sleep 2
run dmsetup suspend --noudevsync hang
suspended=$(now)
wait_until $((TIMEOUT + MARGIN + 2)) grep -q EIO "$WORK/writes.log"
echo "first EIO $(since "$suspended")s after the suspend"

say "1, 2. a storm of 300 fsyncs on the hung export; the other export's flushes go on"
run python3 "$TIMED_IO" fsyncs /dev/dst0 300 "$WORK/fsyncs.log" &
storm=$!
bg_track "$storm"
sleep 1
start=$(now)
run timeout 20 dd if="$WORK/data" of=/dev/dst1 bs=64k count=16 oflag=direct conv=fsync status=none ||
	fail "a flushed write to the other export did not complete within 20 s"
took=$(since "$start")
echo "the other export's write and flush took ${took}s"
awk -v t="$took" 'BEGIN { exit !(t < 10) }' || fail "the other export's flush waited ${took}s"
wait_until $((TIMEOUT + MARGIN + 5)) bash -c "! kill -0 $storm 2>/dev/null"
check_log "$WORK/fsyncs.log" "fsyncs"
sleep "$TIMEOUT"
touch "$WORK/stop"
wait_until $((TIMEOUT + MARGIN + 2)) bash -c "! kill -0 $writer 2>/dev/null"
check_log "$WORK/writes.log" "writes"
show_dev dst0

say "3. resume: the device works again"
run dmsetup resume --noudevsync hang
rm -f "$WORK/stop"
random_file "$WORK/data2" 2048
recovered() {
	dd if="$WORK/data2" of=/dev/dst0 bs=1M oflag=direct status=none 2>/dev/null &&
		dd if=/dev/dst0 of="$WORK/back" bs=1M count=2 iflag=direct status=none 2>/dev/null &&
		cmp -s "$WORK/data2" "$WORK/back"
}
wait_until 60 recovered
run cmp -n $((2 << 20)) "$WORK/data2" /dev/mapper/hang
show_dev dst0
assert_eq "$(sysfs_attr dst0 state)" connected "state"

say "4. unexport while the backing store hangs"
run dmsetup suspend --noudevsync hang
printf '+ dd of=/dev/dst0 ... &  (stuck on the server)\n' >&2
dd if="$WORK/data" of=/dev/dst0 bs=1M oflag=direct status=none 2>/dev/null &
bg_track $!
sleep 1
printf '+ ip netns exec server dstctl unexport hang &\n' >&2
ip netns exec server "$DSTCTL" unexport hang >"$WORK/unexport.out" 2>&1 </dev/null &
unexport=$!
bg_track "$unexport"
sleep 1
[[ -d /sys/module/nbd ]] && run rmmod nbd
printf '+ modprobe nbd &\n' >&2
modprobe nbd &
modprobe_pid=$!
start=$(now)
run timeout 5 genl ctrl list >/dev/null || fail "genl ctrl list did not answer within 5 s"
echo "ok: genl ctrl list answered in $(since "$start")s"
wait "$modprobe_pid" || fail "modprobe nbd failed"
run rmmod nbd
state=$(sv dstctl status --json | json_get '[e["state"] for e in j["exports"] if e["name"] == "hang"][0]')
assert_eq "$state" removing "export state while its requests drain"
running "$unexport" || fail "unexport returned while the export's requests were still on the backing store"
run dmsetup resume --noudevsync hang
wait_until 20 bash -c "! kill -0 $unexport 2>/dev/null"
wait "$unexport" || fail "unexport failed: $(cat "$WORK/unexport.out")"
wait_until 10 bdev_free /dev/mapper/hang
echo "ok: /dev/mapper/hang is free"
