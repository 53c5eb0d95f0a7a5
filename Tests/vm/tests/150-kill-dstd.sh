#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# dstd dies (kill -9) on either side under a continuous fio write-then-verify
# load. Proves:
# - the data path does not need dstd: with either dstd dead, I/O on the
#   established connection goes on;
# - a connection lost while the client's dstd is dead leaves the device
#   disconnected with its I/O queued, and a freshly started dstd finds the
#   disconnected device by itself and reconnects it;
# - a connection lost while the server's dstd is dead cannot come back (no
#   one accepts) until dstd is restarted on the server, which takes the
#   exports from the kernel and accepts again; the client's dstd retries
#   meanwhile;
# - every fio pass exits 0 with no verify error, nothing failed
#   (errors = 0, timeouts = 0), reconnects >= 2.
# What it tests is dstd's (userspace): one kernel runs it.
# vm-timeout: 300
# vm-kernel: 6.12
. "$(dirname "$0")/../lib.sh"

setup_server 64
export_dev /dev/ram0 >/dev/null
add_device --ping-interval 1 "${FAST_RECONNECT[@]}" >/dev/null
dstd_ready client || fail "add-device did not start dstd in the client netns"
show_dev dst0

# kill9_io_goes_on NS: kill -9 the dstd in netns NS; writes keep completing
# on the established connection.
kill9_io_goes_on() {
	local w0
	say "kill -9 dstd in the $1 netns: I/O goes on"
	kill9_dstd "$1"
	w0=$(sysfs_attr dst0 writes)
	sleep 3
	assert_eq "$(sysfs_attr dst0 state)" connected "state with the $1's dstd dead"
	(($(sysfs_attr dst0 writes) > w0)) || fail "no write completed with the $1's dstd dead"
	echo "ok: $(($(sysfs_attr dst0 writes) - w0)) writes completed meanwhile"
}

fault_fio_job >"$WORK/kill.fio"

fio_loop "$WORK/kill.fio"
sleep 3

kill9_io_goes_on client

say "break the connection while no dstd runs in the client netns"
e0=$(sysfs_attr dst0 epoch)
kill_conns
wait_until 15 bash -c "[[ \$(cat /sys/block/dst0/dst/state) != connected ]]"
sleep 3
show_dev dst0
assert_eq "$(sysfs_attr dst0 state)" disconnected "state with no dstd to reconnect"
assert_eq "$(sysfs_attr dst0 epoch)" "$e0" "epoch (nobody reconnected)"
(($(sysfs_attr dst0 inflight) > 0)) || echo "note: no I/O was queued at this moment"

say "start dstd in the client netns: it finds dst0 disconnected and reconnects it"
start=$(now)
start_dstd client
wait_until 30 reconnected_since "$e0"
echo "reconnected $(since "$start")s after dstd started: $(show_dev dst0)"

sleep 2
kill9_io_goes_on server

say "break the connection while no dstd runs in the server netns"
e1=$(sysfs_attr dst0 epoch)
kill_conns
sleep 5
show_dev dst0
[[ $(sysfs_attr dst0 state) != connected ]] || fail "connected again with no dstd accepting on the server"
assert_eq "$(sysfs_attr dst0 epoch)" "$e1" "epoch (no server to reconnect to)"

say "start dstd in the server netns: the client's dstd gets through"
start=$(now)
start_dstd server
wait_until 30 reconnected_since "$e1"
echo "reconnected $(since "$start")s after the server's dstd started: $(show_dev dst0)"
sleep 3

fio_loop_stop 1
show_dev dst0
(($(sysfs_attr dst0 reconnects) >= 2)) || fail "reconnects $(sysfs_attr dst0 reconnects), expected >= 2"
assert_eq "$(sysfs_attr dst0 errors)" 0 "sysfs errors"
assert_eq "$(sysfs_attr dst0 timeouts)" 0 "sysfs timeouts"
assert_eq "$(sysfs_attr dst0 state)" connected "sysfs state"
echo "resends: $(sysfs_attr dst0 resends)"
