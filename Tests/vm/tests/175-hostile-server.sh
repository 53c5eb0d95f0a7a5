#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# The client against a server that misbehaves: Tests/vm/fake_server.py does
# the server's handshake and data phase in Python (no dstd, no export in the
# kernel) and, when told to on its control FIFO, breaks one reply:
#   1. a reply with an unknown tag          -> protocol_errors + 1
#   2. the same reply twice                 -> protocol_errors + 1
#   3. a reply with the previous epoch      -> protocol_errors + 1
#   4. a reply header with a wrong crc32c   -> csum_errors + 1
#   5. READ data with a wrong crc32c        -> csum_errors + 1
#   6. a RESIZE notice that shrinks         -> protocol_errors + 1
#   7. a RESIZE notice with a wrong crc32c  -> csum_errors + 1 (the size stays)
# Then NOMEM answers: the client resends after growing pauses, on the same
# connection, and the data verifies; and a WRITE answered bad-data-csum is
# sent again on the same connection (csum_errors + 1) and the data verifies.
# For each: the client drops the connection and says why in last_error, its
# dstd reconnects to the fake server (which then behaves), the I/O caught in
# it completes without error, and the data reads back byte for byte through
# the device and matches the fake server's backing file.
#   8. a server that stops answering (not even PING) and, 9. one that accepts
#      the connection, does the handshake and then never replies, keeping TCP
#      open: with --ping-interval 1 the client gives up on it within about
#      three intervals and reconnects; the write waiting on it completes.
# dstctl monitor --json, running throughout, records the device's
# disconnected and connected events. Last, fio write+verify against the fake
# server, and errors = 0: no application I/O failed.
# DST's own logic, with no kernel API that differs between 6.1 and 6.12:
# one kernel runs it in CI (make test-vm EVERY_KERNEL=1 runs it on both).
# vm-timeout: 300
# vm-kernel: 6.1
. "$(dirname "$0")/../lib.sh"

UUID=5e4d3c2b-1a09-4f8e-9d7c-6b5a49382716
CTL=$WORK/fake.ctl
FLOG=$LOGDIR/$TEST.fake-server.log
IMG=$WORK/fake.img
MIB=2

setup_net
load_dst
rm -f "$FLOG"

say "fake server on $LISTEN"
mkfifo "$CTL"
printf '+ ip netns exec server python3 Tests/vm/fake_server.py ... &\n' >&2
ip netns exec server python3 "$REPO/Tests/vm/fake_server.py" --listen "$LISTEN" --backing "$IMG" \
	--size $((32 << 20)) --uuid "$UUID" --control "$CTL" --log "$FLOG" </dev/null >"$FLOG.out" 2>&1 &
bg_track $!
wait_until 20 grep -q "listening on" "$FLOG"
add_device --csum crc32c --ping-interval 1 "${FAST_RECONNECT[@]}" >/dev/null
assert_eq "$(sysfs_attr dst0 uuid)" "$UUID" "sysfs uuid"
assert_eq "$(sysfs_attr dst0 export)" fake "sysfs export"
start_monitor "$WORK/monitor.json"

# conns: connections the fake server has accepted (the newest one's number).
conns() { grep -c ": hello from" "$FLOG" || true; }
connected_again() { attr_is dst0 state connected && (($(sysfs_attr dst0 epoch) > $1)); }

# new_pattern: write a new random pattern to the first MIB MiB, EXPECT.
new_pattern() {
	random_file "$WORK/expect.new" $((MIB * 1024)) 2>/dev/null
	mv "$WORK/expect.new" "$WORK/expect"
}
# write_pattern / check_pattern: through the device, direct.
write_pattern() {
	run dd if="$WORK/expect" of=/dev/dst0 bs=256k oflag=direct status=none
}
check_pattern() {
	run dd if=/dev/dst0 of="$WORK/back" bs=256k count=$((MIB * 4)) iflag=direct status=none
	run cmp "$WORK/expect" "$WORK/back"
	run cmp -n $((MIB << 20)) "$WORK/expect" "$IMG"
}

say "baseline"
new_pattern
write_pattern
check_pattern
show_dev dst0

# fault KIND IO COUNTER WHY: arm KIND for the current connection, then IO
# ("write" a new pattern or "read" the current one) must succeed although
# the reply it gets is broken; COUNTER went up by one and last_error says WHY;
# the device is connected again on a newer connection; the data verifies.
fault() {
	local kind=$1 io=$2 counter=$3 why=$4 e0 c0 n
	say "fault: $kind on a $io"
	e0=$(sysfs_attr dst0 epoch)
	c0=$(sysfs_attr dst0 "$counter")
	n=$(conns)
	run bash -c "echo $kind >$CTL"
	wait_until 10 grep -q "conn $n: fault $kind armed" "$FLOG"
	if [[ $io == write ]]; then
		new_pattern
		write_pattern
	else
		check_pattern
	fi
	grep -q "conn $n: fault $kind sent" "$FLOG" || fail "the fake server did not send the $kind fault"
	grep "conn $n: fault $kind sent" "$FLOG"
	wait_until 30 connected_again "$e0"
	show_dev dst0
	assert_eq "$(sysfs_attr dst0 "$counter")" $((c0 + 1)) "sysfs $counter"
	assert_contains "$(sysfs_attr dst0 last_error)" "$why" "sysfs last_error"
	check_pattern
}

fault unknown-tag write protocol_errors "unknown or stale tag"
fault duplicate read protocol_errors "unknown or stale tag"
fault stale-epoch write protocol_errors "unknown or stale tag"
fault bad-hdr-csum write csum_errors "reply header checksum mismatch"
fault bad-data-csum read csum_errors "read data checksum mismatch"
fault resize-shrink write protocol_errors "RESIZE to a smaller size"
fault resize-bad-csum read csum_errors "RESIZE notice checksum mismatch"
assert_eq "$(dev_size /dev/dst0)" $((32 << 20)) "dst0 size after hostile RESIZE notices"

say "the server is short of memory: ten NOMEM answers in a row"
# Reads: no payload for the fake server to checksum, so it answers at once.
# Each NOMEM is resent after a pause that doubles (1, 2, 4 ... ms): by the
# tenth answer at least the first eight pauses (255 ms) have passed; resent at
# once, ten round trips take a few tens of ms here. The connection stays up.
e0=$(sysfs_attr dst0 epoch)
n=$(conns)
run bash -c "printf 'nomem\n%.0s' {1..10} >$CTL"
wait_until 10 eval '(($(grep -c "conn $n: fault nomem armed" "$FLOG") == 10))'
check_pattern
grep "conn $n: fault nomem sent" "$FLOG"
assert_eq "$(grep -c "conn $n: fault nomem sent" "$FLOG")" 10 "NOMEM answers"
spread=$(grep "conn $n: fault nomem sent" "$FLOG" | awk 'NR == 1 { t0 = $NF } END { printf "%.3f", $NF - t0 }')
echo "first to tenth NOMEM: ${spread}s"
awk -v t="$spread" 'BEGIN { exit !(t >= 0.255) }' || fail "NOMEM resent without pausing: 10 answers in ${spread}s"
assert_eq "$(sysfs_attr dst0 epoch)" "$e0" "epoch (no reconnect)"

say "a WRITE answered bad-data-csum is sent again, on the same connection"
e0=$(sysfs_attr dst0 epoch)
c0=$(sysfs_attr dst0 csum_errors)
n=$(conns)
run bash -c "echo write-csum >$CTL"
wait_until 10 grep -q "conn $n: fault write-csum armed" "$FLOG"
new_pattern
write_pattern
grep "conn $n: fault write-csum sent" "$FLOG" || fail "the fake server did not answer bad-data-csum"
check_pattern
assert_eq "$(sysfs_attr dst0 csum_errors)" $((c0 + 1)) "sysfs csum_errors"
assert_eq "$(sysfs_attr dst0 epoch)" "$e0" "epoch (no reconnect)"
assert_eq "$(sysfs_attr dst0 errors)" 0 "sysfs errors"

say "the server stops answering mid-connection"
e0=$(sysfs_attr dst0 epoch)
n=$(conns)
run bash -c "echo silent >$CTL"
wait_until 10 grep -q "conn $n: fault silent armed" "$FLOG"
new_pattern
start=$(now)
write_pattern
took=$(since "$start")
show_dev dst0
grep "conn $n: silent" "$FLOG"
echo "the write took ${took}s"
awk -v t="$took" 'BEGIN { exit !(t <= 15) }' || fail "the write took ${took}s (ping interval 1 s)"
wait_until 30 connected_again "$e0"
assert_contains "$(sysfs_attr dst0 last_error)" "no reply from the server for" "sysfs last_error"
check_pattern

say "a server that does the handshake and then never replies"
e0=$(sysfs_attr dst0 epoch)
n=$(($(conns) + 1))
run bash -c "echo silent@next >$CTL"
wait_until 10 grep -q "conn $n: fault silent armed" "$FLOG"
kill_conns
wait_until 30 grep -q "conn $n: hello from" "$FLOG"
new_pattern
start=$(now)
write_pattern
took=$(since "$start")
show_dev dst0
grep "conn $n:" "$FLOG"
echo "the write took ${took}s"
awk -v t="$took" 'BEGIN { exit !(t <= 20) }' || fail "the write took ${took}s (ping interval 1 s)"
(($(conns) > n)) || fail "no connection after the silent one"
wait_until 30 connected_again $((e0 + 1))
assert_contains "$(sysfs_attr dst0 last_error)" "no reply from the server for" "sysfs last_error"
check_pattern

say "fio write+verify against the fake server"
fio_jobs /dev/dst0 randwrite:randwrite:4k-64k:2m:4m >"$WORK/fake.fio"
fio_verify "$WORK/fake.fio"

show_dev dst0
assert_eq "$(sysfs_attr dst0 errors)" 0 "sysfs errors"
assert_eq "$(sysfs_attr dst0 timeouts)" 0 "sysfs timeouts"
assert_eq "$(sysfs_attr dst0 protocol_errors)" 4 "sysfs protocol_errors"
assert_eq "$(sysfs_attr dst0 csum_errors)" 4 "sysfs csum_errors (two broken replies, a broken RESIZE notice, one write answered bad-data-csum)"
assert_eq "$(sysfs_attr dst0 state)" connected "sysfs state"

say "what dstctl monitor --json saw"
cat "$WORK/monitor.json"
states=$(monitor_states "$WORK/monitor.json" dst0 | tr '\n' ' ')
echo "dst0 states: $states"
[[ " $states" == *" disconnected "*" connected "* ]] ||
	fail "monitor did not record dst0 disconnected, then connected"
echo "ok: monitor recorded dst0 disconnected, then connected"
