#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# The server goes away for longer than the I/O timeout. Proves:
# - with --io-timeout 10, a direct write issued when the link goes down fails
#   with EIO no earlier than the timeout allows and within timeout + 10 s of
#   the server going away (measured; nothing hangs), the device is "failed"
#   with timeouts > 0, and I/O while failed fails at once;
# - when the server comes back, dstd reconnects the failed device: it is
#   connected again, new I/O (fio write+verify) succeeds, and data written
#   before the outage reads back byte for byte;
# - with --io-timeout -1 (set-device), a write on a dead link blocks (D state)
#   past the old timeout, `dstctl remove-device dst0` succeeds anyway, the
#   writer gets an error and exits, the device is gone and rmmod is clean.
# Waiting and the I/O timeout are DST's own logic: one kernel runs it.
# vm-timeout: 300
# vm-kernel: 6.1
. "$(dirname "$0")/../lib.sh"

TIMEOUT=10

setup_server 64
export_dev /dev/ram0 >/dev/null
add_device --io-timeout "$TIMEOUT" --ping-interval 1 "${FAST_RECONNECT[@]}" >/dev/null
assert_eq "$(sysfs_attr dst0 io_timeout)" "$TIMEOUT" "sysfs io_timeout"

say "before the outage: a pattern, and fio write+verify"
random_file "$WORK/src" 4096
run dd if="$WORK/src" of=/dev/dst0 bs=1M oflag=direct status=none
fio_jobs /dev/dst0 randwrite:randwrite:4k-64k:4m:16m >"$WORK/away.fio"
fio_verify "$WORK/away.fio"
show_dev dst0

say "the server goes away; a write must fail with EIO after about ${TIMEOUT}s"
t0=$(now)
link_down
rc=0
run dd if="$WORK/src" of=/dev/dst0 bs=64k count=4 seek=512 oflag=direct status=none 2>"$WORK/dd.err" || rc=$?
took=$(since "$t0")
cat "$WORK/dd.err"
echo "dd exit $rc, $took s after the link went down"
show_dev dst0
((rc != 0)) || fail "the write succeeded with the server away"
assert_contains "$(cat "$WORK/dd.err")" "Input/output error" "dd stderr"
awk -v t="$took" -v lo=$((TIMEOUT - 3)) 'BEGIN { exit !(t >= lo) }' ||
	fail "EIO after ${took}s: earlier than the ${TIMEOUT}s io-timeout allows"
awk -v t="$took" -v hi=$((TIMEOUT + 10)) 'BEGIN { exit !(t <= hi) }' ||
	fail "EIO after ${took}s: later than io-timeout ${TIMEOUT}s + 10s"
echo "ok: EIO after ${took}s (io-timeout ${TIMEOUT}s)"
assert_eq "$(sysfs_attr dst0 state)" failed "sysfs state"
# last_error may already hold dstd's latest failed attempt ("cannot connect
# ..."); the kernel's own account of the timeout is in its log.
assert_contains "$(dmesg)" "dst0: I/O not done within $((TIMEOUT * 1000)) ms, failing it" "kernel log"
(($(sysfs_attr dst0 timeouts) > 0)) || fail "sysfs timeouts is 0 after a timed-out write"
echo "ok: timeouts = $(sysfs_attr dst0 timeouts)"

say "I/O while failed fails at once"
t1=$(now)
rc=0
run dd if=/dev/dst0 of=/dev/null bs=64k count=1 iflag=direct status=none 2>"$WORK/dd.err" || rc=$?
took=$(since "$t1")
cat "$WORK/dd.err"
((rc != 0)) || fail "a read succeeded while failed"
awk -v t="$took" 'BEGIN { exit !(t <= 5) }' || fail "a read while failed took ${took}s to fail"
echo "ok: failed after ${took}s"

say "the server comes back: the device recovers"
link_up
t1=$(now)
wait_state dst0 connected 60
echo "connected $(since "$t1")s after the link came back"
show_dev dst0
run dd if=/dev/dst0 of="$WORK/back" bs=1M count=4 iflag=direct status=none
run cmp "$WORK/src" "$WORK/back"
fio_verify "$WORK/away.fio"
assert_eq "$(sysfs_attr dst0 state)" connected "sysfs state"

say "io-timeout -1: a write on a dead link blocks; remove-device ends it"
cl dstctl set-device dst0 --io-timeout -1
assert_eq "$(sysfs_attr dst0 io_timeout)" -1 "sysfs io_timeout"
to0=$(sysfs_attr dst0 timeouts)
link_down
t0=$(now)
echo "+ dd if=$WORK/src of=/dev/dst0 bs=64k count=4 seek=768 oflag=direct status=none &" >&2
dd if="$WORK/src" of=/dev/dst0 bs=64k count=4 seek=768 oflag=direct status=none 2>"$WORK/dd.err" &
writer=$!
bg_track "$writer"
wait_until 20 in_d_state "$writer"
echo "ok: dd is in D state"
sleep $((TIMEOUT + 5))
running "$writer" || fail "the write ended within $(since "$t0")s despite io-timeout -1: $(cat "$WORK/dd.err")"
assert_eq "$(proc_state "$writer")" D "dd state after $(since "$t0")s"
show_dev dst0
assert_eq "$(sysfs_attr dst0 timeouts)" "$to0" "sysfs timeouts (nothing times out with io-timeout -1)"
t1=$(now)
cl dstctl remove-device dst0
wait_until 20 eval "! running $writer"
rc=0
wait "$writer" || rc=$?
echo "dd exit $rc, $(since "$t1")s after remove-device: $(cat "$WORK/dd.err")"
((rc != 0)) || fail "the blocked write succeeded"
[[ ! -e /sys/block/dst0 ]] || fail "/sys/block/dst0 is still there"
[[ ! -e /dev/dst0 ]] || fail "/dev/dst0 is still there"
echo "ok: dst0 removed, its writer failed"

say "rmmod is clean"
link_up
sv dstctl unexport ram0
stop_dstd
run rmmod dst
[[ ! -d /sys/module/dst ]] || fail "dst.ko is still loaded"
