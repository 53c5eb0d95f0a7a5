#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# What one peer can take from a server is bounded: a hostile client at
# 192.0.2.3 (Tests/vm/flood_peer.py) opens connections until refused and
# floods each with 1 MiB writes, never reading a reply. With the limits set
# low (max_peer_conns=8, export_mem_mb=32):
#   - exactly 8 connections are admitted, the 9th is refused "busy" with
#     the reason;
#   - the request data the export holds stays within the memory budget
#     (plus one max-transfer per connection, the progress every connection
#     is guaranteed), and the server's available memory drops by no more
#     than that and the connections' socket buffers;
#   - a legitimate client at 192.0.2.2 still attaches and its data verifies.
# vm-timeout: 300
# vm-kernel: 6.1
. "$(dirname "$0")/../lib.sh"

ATTACKER=192.0.2.3
PEER_CONNS=8
MEM_MB=32

setup_net
run ip -n client addr add "$ATTACKER/24" dev veth-c
brd_setup 64 1
load_dst
run bash -c "echo $PEER_CONNS >/sys/module/dst/parameters/max_peer_conns"
run bash -c "echo $MEM_MB >/sys/module/dst/parameters/export_mem_mb"
start_dstd server
export_dev /dev/ram0 >/dev/null

mem_available() { awk '/MemAvailable/ { print $2 * 1024 }' /proc/meminfo; }
data_bytes() { sv dstctl status --json | json_get 'sum(e["data_bytes"] for e in j["exports"])'; }

say "the attacker floods from $ATTACKER"
sync
echo 3 >/proc/sys/vm/drop_caches
before=$(mem_available)
printf '+ ip netns exec client python3 Tests/vm/flood_peer.py ... &\n' >&2
ip netns exec client python3 "$REPO/Tests/vm/flood_peer.py" --connect "$LISTEN" --source "$ATTACKER" \
	--name ram0 --max $((PEER_CONNS + 4)) >"$WORK/flood.log" 2>&1 </dev/null &
bg_track $!
wait_until 120 grep -q "^accepted" "$WORK/flood.log"
cat "$WORK/flood.log"
assert_eq "$(sed -n 's/^accepted \([0-9]*\) connections/\1/p' "$WORK/flood.log")" "$PEER_CONNS" "connections admitted"
grep -q "^refused: busy .*$ATTACKER.*maximum" "$WORK/flood.log" ||
	fail "the connection after the limit was not refused busy, naming the peer"
sleep 3
held=$(data_bytes)
after=$(mem_available)
echo "request data held: $held bytes; MemAvailable $before -> $after"
limit=$(((MEM_MB << 20) + PEER_CONNS * (1 << 20)))
((held <= limit)) || fail "the export holds $held bytes of request data, over $limit"
# Each connection's socket buffers, at most tcp_rmem's and tcp_wmem's maxima.
rmem=$(awk '{ print $3 }' /proc/sys/net/ipv4/tcp_rmem)
wmem=$(awk '{ print $3 }' /proc/sys/net/ipv4/tcp_wmem)
bound=$((limit + PEER_CONNS * (rmem + wmem) + (64 << 20)))
drop=$((before - after))
echo "MemAvailable dropped by $drop bytes; bound $bound"
((drop <= bound)) || fail "the server lost $drop bytes of memory to one peer, over $bound"

say "a legitimate client attaches and its data verifies"
add_device >/dev/null
fio_jobs /dev/dst0 verify:randwrite:64k:4m >"$WORK/legit.fio"
fio_verify "$WORK/legit.fio"
