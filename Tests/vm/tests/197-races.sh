#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Two race windows of the client, widened by the debug build's delays, with
# freed objects poisoned so that a use after free faults:
#   1. dbg_attach_start_ms: a connection handed in sleeps between being
#      published and being started. Meanwhile its socket is reset and a
#      task on the connection's CPU sends on it inline: the send fails the
#      connection, whose reaper must not free it before it was started.
#   2. dbg_add_notify_ms: dev-add sleeps after adding the disk, before it
#      announces it. Meanwhile remove-device removes the device, which must
#      wait for dev-add to be done with it.
# dmesg stays clean, and the device works after each.
# The races are in DST's own code, widened by its debug delays: one kernel
# runs it.
# vm-timeout: 300
# vm-kernel: 6.1
. "$(dirname "$0")/../lib.sh"

setup_server 16 2
export_dev /dev/ram0 >/dev/null
add_device "${FAST_RECONNECT[@]}" >/dev/null
random_file "$WORK/data" 1024
run dd if="$WORK/data" of=/dev/dst0 bs=64k oflag=direct status=none

say "1. a connection fails while it is published but not started"
epoch=$(sysfs_attr dst0 epoch)
dbg_set attach_start_ms 3000
kill_conns
wait_until 20 bash -c 'dmesg | grep -q "attach_start_ms: sleeping"'
# The new connection is published: reset it, and send on it inline from
# the CPU of its slot (each CPU, to be sure of it).
kill_conns
pids=()
for cpu in 0 1; do
	run timeout 60 taskset -c $cpu dd if=/dev/dst0 of="$WORK/back$cpu" bs=4k count=1 iflag=direct status=none &
	pids+=($!)
done
for pid in "${pids[@]}"; do
	wait "$pid" || fail "a read failed"
done
dbg_set attach_start_ms 0
wait_until 30 reconnected_since $((epoch + 1))
run dd if=/dev/dst0 of="$WORK/back" bs=64k count=16 iflag=direct status=none
run cmp "$WORK/data" "$WORK/back"

say "2. remove-device while dev-add is still announcing the device"
export_dev /dev/ram1 --name second >/dev/null
dbg_set add_notify_ms 3000
printf '+ ip netns exec client dstctl add-device --remote %s --export second &\n' "$LISTEN" >&2
ip netns exec client "$DSTCTL" add-device --remote "$LISTEN" --export second \
	>"$WORK/add.out" 2>&1 </dev/null &
add=$!
bg_track "$add"
wait_until 20 bash -c 'dmesg | grep -q "add_notify_ms: sleeping"'
rc=0
run ip netns exec client dstctl remove-device dst1 || rc=$?
echo "remove-device: exit $rc"
dbg_set add_notify_ms 0
wait_until 20 bash -c "! kill -0 $add 2>/dev/null"
wait "$add" || true
cat "$WORK/add.out"
wait_until 10 bash -c '[[ ! -e /sys/block/dst1 ]] || ip netns exec client "$0" remove-device dst1' "$DSTCTL"
assert_eq "$(sysfs_attr dst0 state)" connected "dst0 state"
run dd if=/dev/dst0 of="$WORK/back" bs=64k count=16 iflag=direct status=none
run cmp "$WORK/data" "$WORK/back"
