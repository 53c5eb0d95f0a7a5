#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# md raid1 across two servers, as Documentation/stacking.md sets it up: dst0
# from server A (netns server), dst1 from server B (netns server2), a raid1
# with an internal write-intent bitmap and no bad block log, both legs
# --failfast, ext4 on it, and udevd running with 60-dst.rules. Proves:
# - while B's link is down for longer than the I/O timeout, fio write+verify
#   on ext4 and a stream of timed direct writes go on with no error, and no
#   write takes more than a few seconds (md fails B at its first failfast
#   error; measured);
# - when B is back, the udev rule re-adds it and md resyncs only what was
#   written meanwhile: dst1 receives a small fraction of the array; both
#   legs then hold the same data, byte for byte, and fsck -fn is clean;
# - the dead connection of B sent nothing once the link was back (the server
#   saw no write of it whose data changed: the pages of failed writes are
#   reused at once), and A kept its connection throughout (md's superblock
#   and bitmap pages change under I/O: a write whose data no longer matches
#   its checksum is sent again, not the connection dropped);
# - with A away, every byte reads back from B alone;
# - with both away, a write fails with EIO within the I/O timeout (plus the
#   failfast detection) and nothing hangs; once both are back, the array is
#   stopped and assembled again (md failed it), resyncs, and every byte
#   written before the outage reads back.
# DST's part of mirroring (failfast, resend) is its own logic, with no
# kernel API that differs between 6.1 and 6.12: one kernel runs it in CI
# (make test-vm EVERY_KERNEL=1 runs it on both).
# vm-timeout: 600
# vm-kernel: 6.12
. "$(dirname "$0")/../lib.sh"

TIMEOUT=8
MIB=64
DEV_OPTS=(--io-timeout "$TIMEOUT" --ping-interval 1 "${FAST_RECONNECT[@]}")

md_attr() { cat "/sys/block/md0/md/$1"; }
member_state() { cat "/sys/block/md0/md/dev-$1/state" 2>/dev/null; }
is_faulty() { [[ ,$(member_state "$1"), == *,faulty,* ]]; }
# md_synced: both legs in sync, nothing to resync.
md_synced() {
	[[ $(md_attr degraded) == 0 && $(md_attr sync_action) == idle ]] &&
		[[ $(member_state dst0) == in_sync* && $(member_state dst1) == in_sync* ]]
}
wait_synced() {
	printf '+ wait up to %ss for md0 to have both legs in sync\n' "$1" >&2
	wait_until "$1" md_synced
	echo "ok: md0 in sync: dst0 $(member_state dst0), dst1 $(member_state dst1)"
}
# hash_md0: md5 of the first 56 MiB of md0, read direct (ext4 and what
# follows it; the last MiBs are the both-away write's).
hash_md0() { dd if=/dev/md0 bs=1M count=56 iflag=direct status=none | md5sum | cut -d' ' -f1; }
# readd_ran DEV: udevd ran the rule's dst-md-readd for DEV when it came back
# (without the rule a failed leg stays faulty: measured, 20 s and more after
# its reconnect, udevd running). Its log says "re-added", or, in some runs,
# that md was recovering the leg already when it looked.
readd_ran() {
	grep -E "dst-md-readd $1'|dst-md-readd: $1:" "$LOGDIR/$TEST.udevd.log" | cut -c1-200
	grep -qE "Process '.*/dst-md-readd $1' succeeded" "$LOGDIR/$TEST.udevd.log" ||
		fail "udevd did not run dst-md-readd $1 (see $TEST.udevd.log)"
}
# leg_hash DEV: md5 of the array's data area on the leg DEV.
leg_hash() {
	local off
	off=$(cat "/sys/block/md0/md/dev-$1/offset")
	# offset in sectors, component_size in KiB.
	dd if="/dev/$1" bs=1M skip=$((off * 512)) count=$(($(md_attr component_size) * 1024)) \
		iflag=direct,skip_bytes,count_bytes status=none | md5sum | cut -d' ' -f1
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# stale_writes T EXPORT EPOCH: the server's complaints, logged after uptime
# T, about WRITEs that came on a connection of EPOCH to EXPORT whose data no
# longer matched their checksums: the client failed them (failfast) and its
# socket sent them again once the link was back, from pages reused since.
stale_writes() {
	dmesg | awk -v t="$1" '{ ts = $0; sub(/^\[ */, "", ts); sub(/\].*/, "", ts) } ts + 0 > t + 0' |
		grep -E "export $2: .*: tag 0x$3[0-9a-f]{8}: data checksum mismatch" || true
}
# max_took LOG: the longest operation of a timed_io.py log, in seconds.
max_took() { awk '$2 > m { m = $2 } END { printf "%.3f", m }' "$1"; }

setup_server "$MIB" 2
setup_server2
export_dev /dev/ram0 >/dev/null
sv2 dstctl export /dev/ram1 --listen "$LISTEN2" >/dev/null
assert_eq "$(add_device "${DEV_OPTS[@]}")" /dev/dst0 "leg A"
assert_eq "$(cl dstctl add-device --remote "$LISTEN2" --connections 1 "${DEV_OPTS[@]}")" /dev/dst1 "leg B"
start_udevd

say "raid1 over dst0 and dst1: write-intent bitmap, failfast legs, no bad block log"
run mdadm --create /dev/md0 --run --quiet --level=1 --raid-devices=2 --metadata=1.2 \
	--bitmap=internal --bitmap-chunk=512K --assume-clean --failfast /dev/dst0 /dev/dst1
run mdadm --stop /dev/md0
run mdadm --assemble /dev/md0 --update=no-bbl /dev/dst0 /dev/dst1
wait_until 10 md_synced
for d in dst0 dst1; do
	[[ ,$(member_state $d), == *,failfast,* ]] || fail "md0 member $d is not failfast: $(member_state $d)"
	run mdadm --examine-badblocks "/dev/$d" | tee "$WORK/bbl"
	grep -q "No bad-blocks list" "$WORK/bbl" || fail "$d has a bad block list"
done
run mkfs.ext4 -q /dev/md0 40M
mount_on /dev/md0 "$WORK/mirror"
fio_jobs "$WORK/mirror/fio.dat" randwrite:randwrite:4k-64k:8m >"$WORK/mirror.fio"
run fallocate -l 1M "$WORK/mirror/timed"

say "fio write+verify and timed writes on ext4 while B's link is down for $((TIMEOUT + 6)) s"
fio_loop "$WORK/mirror.fio"
printf '+ timed_io.py writes %s &\n' "$WORK/mirror/timed" >&2
python3 "$REPO/Tests/vm/timed_io.py" writes "$WORK/mirror/timed" "$WORK/timed.log" "$WORK/timed.stop" &
TIMED_PID=$!
bg_track "$TIMED_PID"
sleep 3
epoch0=$(sysfs_attr dst0 epoch)
t0=$(now)
link2_down
wait_until 15 is_faulty dst1
echo "md0 failed dst1 $(since "$t0") s after B's link went down"
wait_state dst1 failed $((TIMEOUT + 10))
left=$((TIMEOUT + 6 - $(since "$t0" | cut -d. -f1)))
((left <= 0)) || sleep "$left"
touch "$WORK/timed.stop"
wait "$TIMED_PID"
fio_loop_stop 1
ops=$(wc -l <"$WORK/timed.log")
errs=$(awk '$3 != "ok"' "$WORK/timed.log" | wc -l)
longest=$(max_took "$WORK/timed.log")
echo "timed writes: $ops, errors $errs, longest ${longest}s"
assert_eq "$errs" 0 "timed writes that failed while B was away"
awk -v t="$longest" 'BEGIN { exit !(t < 6) }' || fail "a write stalled for ${longest}s with one leg away"
run mdadm --detail /dev/md0

say "B comes back: the udev rule re-adds it, md resyncs what was written meanwhile"
before=$(sysfs_attr dst1 write_bytes)
up=$(uptime_s)
link2_up
wait_state dst1 connected 30
wait_synced 120
copied=$(($(sysfs_attr dst1 write_bytes) - before))
echo "dst1 received $copied bytes to resync a $MIB MiB array"
((copied > 0)) || fail "nothing was resynced to dst1"
((copied < MIB * 1024 * 1024 / 4)) || fail "the resync copied $copied bytes: more than a quarter of the array"
readd_ran dst1
stale=$(stale_writes "$up" ram1 1)
[[ -z $stale ]] || fail "dst1's dead connection sent writes once the link was back: $stale"
echo "ok: dst1's dead connection sent nothing once the link was back"
(($(sysfs_attr dst0 epoch) == epoch0)) || fail "dst0 lost its connection while dst1 was away"
echo "ok: dst0 kept its connection throughout"
dmesg | grep -E "md0|md/raid1" | tail -n 8

say "the two legs hold the same data, byte for byte; fsck is clean"
run umount "$WORK/mirror"
want=$(hash_md0)
for d in dst0 dst1; do
	assert_eq "$(leg_hash $d)" "$(leg_hash dst0)" "data area of $d"
done
run fsck.ext4 -fn /dev/md0

say "A goes away: every byte reads back from B alone"
link_down
assert_eq "$(hash_md0)" "$want" "md0 read from B alone"
is_faulty dst0 || fail "md0 did not fail dst0 while A was away: $(member_state dst0)"
link_up
wait_state dst0 connected 30
wait_synced 120
readd_ran dst0

say "both away: a write fails with EIO within the I/O timeout, nothing hangs"
link_down
link2_down
t0=$(now)
rc=0
run dd if=/dev/zero of=/dev/md0 bs=64k count=1 seek=$((60 * 16)) oflag=direct status=none 2>"$WORK/dd.err" || rc=$?
took=$(since "$t0")
cat "$WORK/dd.err"
echo "dd exit $rc after ${took}s"
((rc != 0)) || fail "a write to md0 succeeded with both legs away"
grep -q "Input/output error" "$WORK/dd.err" || fail "the write did not fail with EIO"
awk -v t="$took" -v m=$((TIMEOUT + 15)) 'BEGIN { exit !(t < m) }' || fail "the write took ${took}s"

say "both back: stop and assemble the array md failed, resync, the data is there"
link_up
link2_up
wait_state dst0 connected 30
wait_state dst1 connected 30
run udevadm settle --timeout 30
run mdadm --detail /dev/md0 || true
wait_until 20 mdadm --stop /dev/md0
run mdadm --assemble /dev/md0 --run /dev/dst0 /dev/dst1 || true
for d in dst0 dst1; do
	[[ -e /sys/block/md0/md/dev-$d ]] || run mdadm /dev/md0 --re-add "/dev/$d"
done
# Assembled arrays start read-only until written: no recovery onto a spare.
run mdadm --readwrite /dev/md0
wait_synced 120
run mdadm --detail /dev/md0
assert_eq "$(hash_md0)" "$want" "md0 after both legs came back"
run fsck.ext4 -fn /dev/md0
