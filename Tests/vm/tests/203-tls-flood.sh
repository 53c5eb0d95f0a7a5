#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# A handshake flood: from 16 other addresses, 1024 connections at a time
# that stall, send garbage or stall inside a TLS ClientHello, each opened
# again a second after dstd closes it. dstd bounds handshakes per address
# and in all, and times each out; a legitimate TLS client attaches
# meanwhile, at its first attempt. The flood runs on the same two emulated
# CPUs as dstd and the client (a real attacker brings its own), so the
# attach may take longer than without it (2 to 2.7 times, measured), but at most
# three times as long plus 5 s.
# vm-timeout: 420
# vm-kernel: 6.1
. "$(dirname "$0")/../lib.sh"

setup_server 64
DST_TLS=psk
tls_setup
export_dev /dev/ram0

say "the attach time without a flood"
start=$(now)
add_device >/dev/null
quiet=$(since "$start")
echo "attached in ${quiet}s"
cl dstctl remove-device dst0

say "16 more client addresses, 1024 hostile handshakes"
sources=()
for i in $(seq 10 25); do
	run ip -n client addr add "192.0.2.$i/24" dev veth-c
	sources+=("192.0.2.$i")
done
printf '+ handshake_flood.py %s 25 %s &\n' "$LISTEN" "${sources[*]}" >&2
ip netns exec client python3 "$REPO/Tests/vm/handshake_flood.py" "$LISTEN" 25 "${sources[@]}" >"$WORK/flood.out" 2>&1 &
flood=$!
bg_track "$flood"
for ((i = 0; i < 100; i++)); do
	grep -q started "$WORK/flood.out" && break
	sleep 0.2
done
grep -q started "$WORK/flood.out" || { cat "$WORK/flood.out"; fail "the flood did not start"; }
sleep 3

say "alice attaches through the flood"
start=$(now)
dev=$(add_device)
flooded=$(since "$start")
echo "attached in ${flooded}s (${quiet}s without the flood)"
ip netns exec server nstat -az TcpExtListenOverflows TcpExtListenDrops
awk -v a="$flooded" -v b="$quiet" 'BEGIN { exit !(a <= 3 * b + 5) }' ||
	fail "the flood delayed the attach more than three times plus 5 s"
random_file "$WORK/data" 4096
run dd if="$WORK/data" of="$dev" bs=1M oflag=direct status=none
run dd if="$dev" of="$WORK/back" bs=1M count=4 iflag=direct status=none
run cmp "$WORK/data" "$WORK/back"

wait "$flood"
cat "$WORK/flood.out"
log=$LOGDIR/$TEST.dstd-server.log
grep -c "event=handshake-refused .*reason=\"8 handshakes in progress from 192.0.2.1[0-9]\"" "$log" ||
	fail "dstd never applied its per-address bound"
dstd_ready server || fail "dstd in the server namespace died"
attr_is dst0 state connected || fail "alice lost her connection"
