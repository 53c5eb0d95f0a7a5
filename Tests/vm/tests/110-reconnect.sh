#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# A connection killed under the device (ss -K, from either end) is replaced:
# the dstd that add-device started in the client netns dials again and hands
# the new socket over; a write waiting for its reply when the connection
# dies is sent again on the new one, and nothing is lost.
# DST's own logic, with no kernel API that differs between 6.1 and 6.12:
# one kernel runs it in CI (make test-vm EVERY_KERNEL=1 runs it on both).
# vm-timeout: 300
# vm-kernel: 6.1
. "$(dirname "$0")/../lib.sh"

setup_net
brd_setup 64 1
# Every backing I/O takes 300 ms, so a write spends most of its life sent
# and waiting for its reply: that is where the kill has to find it.
slow_setup slow 300 /dev/ram0
load_dst
start_dstd server
export_dev /dev/mapper/slow >/dev/null
add_device >/dev/null
dstd_ready client || fail "add-device did not start dstd in the client netns"
echo "ok: dstd runs in the client netns"

# connected_again N: the device is connected on its N-th connection.
connected_again() {
	[[ $(sysfs_attr dst0 state) == connected && $(sysfs_attr dst0 epoch) -ge $1 ]]
}

random_file "$WORK/src" 16384
run dd if="$WORK/src" of=/dev/dst0 bs=1M count=4 oflag=direct status=none
assert_eq "$(sysfs_attr dst0 epoch)" 1 "epoch"

say "kill the connection at the client, idle"
cl ss -K -t state established dst "$SERVER_IP" dport = :"$PORT"
wait_until 30 connected_again 2
echo "reconnected: epoch $(sysfs_attr dst0 epoch), last error: $(sysfs_attr dst0 last_error)"
assert_eq "$(sysfs_attr dst0 reconnects)" 1 "reconnects"
[[ -n $(sysfs_attr dst0 last_error) ]] || fail "last_error is empty after a lost connection"
run dd if=/dev/dst0 of="$WORK/back" bs=1M count=4 iflag=direct status=none
run cmp -n $((4 << 20)) "$WORK/src" "$WORK/back"

say "kill the connection at the server while writing"
# A kill can still land while a write is being sent rather than awaited;
# three tries make a resend all but certain.
epoch=2
for try in 1 2 3; do
	run dd if="$WORK/src" of=/dev/dst0 bs=1M skip=4 seek=4 count=12 oflag=direct status=none &
	writer=$!
	sleep 1
	sv ss -K -t state established src "$SERVER_IP" sport = :"$PORT"
	wait "$writer" || fail "a write across the lost connection failed"
	epoch=$((epoch + 1))
	wait_until 30 connected_again "$epoch"
	printf 'try %d: reconnects %s, resends %s, errors %s\n' "$try" "$(sysfs_attr dst0 reconnects)" \
		"$(sysfs_attr dst0 resends)" "$(sysfs_attr dst0 errors)"
	(($(sysfs_attr dst0 resends) == 0)) || break
done
assert_eq "$(sysfs_attr dst0 errors)" 0 "sysfs errors"
run dd if=/dev/dst0 of="$WORK/back" bs=1M count=16 iflag=direct status=none
run cmp "$WORK/src" "$WORK/back"
run dd if=/dev/ram0 of="$WORK/backing" bs=1M count=16 iflag=direct status=none
run cmp "$WORK/src" "$WORK/backing"
(($(sysfs_attr dst0 resends) >= 1)) || fail "no write was resent in $try tries"
echo "ok: $(sysfs_attr dst0 resends) resent"
