#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Several connections per device: --connections 4 on two vCPUs, more
# connections than CPUs. All four come up, each with its own TX and RX
# thread bound to one CPU. fio writes and verifies from both CPUs at once
# (small I/O goes out on the submitting CPU's connection, large I/O on the
# first), on a backing store slowed to 50 ms per I/O, while one connection
# after another is killed at the client, each time with I/O in flight and
# the connection that moved the most bytes in the last 0.3 s (between
# fio passes nothing is in flight): what it had not yet sent moves to the
# live ones, what it had sent
# waits for the new generation that dstd hands in with all four connections
# again, and nothing is lost. Proves: every fio pass exits 0 with no verify error, the
# device ends with 4 of 4 connections in a newer generation, resends > 0,
# errors = 0.
# Connection choice and replacement are DST's own logic: one kernel runs it.
# vm-timeout: 300
# vm-kernel: 6.12
. "$(dirname "$0")/../lib.sh"

setup_net
brd_setup 64 1
# Every backing I/O takes 50 ms, so that requests stay in flight a while.
slow_setup slow 50 /dev/ram0
load_dst
start_dstd server
export_dev /dev/mapper/slow >/dev/null
add_device --connections 4 "${FAST_RECONNECT[@]}" >/dev/null
show_dev dst0

# client_ports: local ports of the device's established client sockets.
client_ports() {
	ip netns exec client ss -Htn state established dst "$SERVER_IP" dport = :"$PORT" |
		awk '{ n = split($3, a, ":"); print a[n] }'
}

# port_traffic: "PORT BYTES" for each established client socket, BYTES being
# all it has sent and received.
port_traffic() {
	ip netns exec client ss -Htin state established dst "$SERVER_IP" dport = :"$PORT" |
		awk '/^[0-9]/ { n = split($3, a, ":"); port = a[n]; next }
		{
			bytes = 0
			for (i = 1; i <= NF; i++)
				if ($i ~ /^bytes_(sent|received):/) { split($i, kv, ":"); bytes += kv[2] }
			print port, bytes
		}' | sort
}

# busiest_port: the client socket that moved the most bytes in 0.3 s,
# the one most likely to hold transactions (I/O goes on its CPU's connection).
busiest_port() {
	local before
	before=$(port_traffic)
	sleep 0.3
	join <(echo "$before") <(port_traffic) |
		awk '{ d = $3 - $2; printf "port %s moved %d bytes; ", $1, d > "/dev/stderr" }
		d >= most { most = d; port = $1 } END { print port }'
}

in_flight() { (($(sysfs_attr dst0 inflight) > 0)); }

say "four connections, each with two threads on one CPU"
assert_eq "$(sysfs_attr dst0 connections)" 4 "sysfs connections"
assert_eq "$(sysfs_attr dst0 conn_count)" 4 "sysfs conn_count"
assert_eq "$(client_ports | wc -l)" 4 "established client sockets"
for i in 0 1 2 3; do
	for t in tx rx; do
		pid=$(pgrep -x "dst0-$t$i") || fail "no thread dst0-$t$i"
		cpus=$(taskset -pc "$pid" | sed 's/.*: //')
		[[ $cpus =~ ^[0-9]+$ ]] || fail "dst0-$t$i may run on CPUs $cpus, not on one"
		echo "dst0-$t$i on CPU $cpus"
	done
done
generation=$(sysfs_attr dst0 generation)

cat >"$WORK/conns.fio" <<FIO
[global]
filename=/dev/dst0
direct=1
ioengine=libaio
iodepth=16
verify=crc32c
do_verify=1
verify_fatal=1
verify_dump=1
randrepeat=0

[cpu0]
cpus_allowed=0
rw=randwrite
bsrange=4k-1m
iodepth=2
size=8m

[cpu1]
cpus_allowed=1
rw=randwrite
bsrange=4k-16k
offset=8m
size=8m
FIO

say "fio from both CPUs while one connection after another is killed"
fio_loop "$WORK/conns.fio"
sleep 3
for kill in 1 2 3; do
	wait_until 20 in_flight
	port=$(busiest_port)
	[[ -n $port ]] || fail "no established connection to kill"
	cl ss -K -t state established sport = :"$port" dst "$SERVER_IP" dport = :"$PORT" >/dev/null
	echo "kill $kill: connection from port $port; $(show_dev dst0)"
	sleep 3
done
fio_loop_stop 1

# all_back: four live connections of a generation newer than the first.
all_back() {
	attr_is dst0 state connected && attr_is dst0 connections 4 &&
		(($(sysfs_attr dst0 generation) > generation))
}
wait_until 30 all_back
show_dev dst0
assert_eq "$(client_ports | wc -l)" 4 "established client sockets at the end"
(($(sysfs_attr dst0 resends) > 0)) || fail "nothing was resent across 5 lost connections"
echo "ok: generation $(sysfs_attr dst0 generation), resends = $(sysfs_attr dst0 resends)"
assert_eq "$(sysfs_attr dst0 errors)" 0 "sysfs errors"
assert_eq "$(sysfs_attr dst0 timeouts)" 0 "sysfs timeouts"

say "one more verify pass on four connections"
fio_verify "$WORK/conns.fio"
