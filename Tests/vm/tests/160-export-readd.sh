#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# The server "reboots": its export is removed (which disconnects the client)
# and added back on the same backing with the same UUID, twice, under a
# continuous fio write-then-verify load. The client's dstd reconnects once the
# export is back and the kernel resends what was in flight: every fio pass
# exits 0 with no verify error, reconnects >= 2, errors = 0.
#
# Then the export comes back wrong, and the client's dstd must refuse it and
# say why, while a write waits queued:
# - same name, a different UUID (another, all-zero backing): last_error,
#   dstctl status and dstctl monitor say "export UUID changed: was A, now B";
# - same name and UUID, a smaller size: "export shrank from X to Y bytes"
#   (a larger one grows the device: 245-resize);
# and not one byte reaches the wrong backing (it is still all zeroes). When
# the right export returns, the queued write completes and reads back.
# Export removal and UUID checks are DST's own logic: one kernel runs it.
# vm-timeout: 300
# vm-kernel: 6.1
. "$(dirname "$0")/../lib.sh"

UUID=6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab
WRONG_UUID=0badc0de-0000-4000-8000-000000000bad

setup_server 64 2
export_uuid /dev/ram0 disk "$UUID"
add_device --io-timeout 120 --ping-interval 1 "${FAST_RECONNECT[@]}" >/dev/null
assert_eq "$(sysfs_attr dst0 uuid)" "$UUID" "sysfs uuid"
size=$(dev_size /dev/dst0)
show_dev dst0
start_monitor "$WORK/monitor.json"

fault_fio_job >"$WORK/readd.fio"

say "remove and re-add the export twice while fio runs"
fio_loop "$WORK/readd.fio"
sleep 3
for round in 1 2; do
	e0=$(sysfs_attr dst0 epoch)
	sv dstctl unexport disk
	wait_until 15 bash -c "[[ \$(cat /sys/block/dst0/dst/state) != connected ]]"
	echo "round $round, export gone: $(show_dev dst0)"
	sleep 2
	export_uuid /dev/ram0 disk "$UUID"
	start=$(now)
	wait_until 30 reconnected_since "$e0"
	echo "round $round: reconnected $(since "$start")s after the export came back: $(show_dev dst0)"
	sleep 3
done
fio_loop_stop 1
show_dev dst0
(($(sysfs_attr dst0 reconnects) >= 2)) || fail "reconnects $(sysfs_attr dst0 reconnects), expected >= 2"
echo "resends: $(sysfs_attr dst0 resends)"
assert_eq "$(sysfs_attr dst0 errors)" 0 "sysfs errors"
assert_eq "$(sysfs_attr dst0 timeouts)" 0 "sysfs timeouts"

say "the export comes back with a different UUID on another backing"
random_file "$WORK/src" 1024
e0=$(sysfs_attr dst0 epoch)
sv dstctl unexport disk
wait_until 15 bash -c "[[ \$(cat /sys/block/dst0/dst/state) != connected ]]"
export_uuid /dev/ram1 disk "$WRONG_UUID"
why="export UUID changed: was $UUID, now $WRONG_UUID"
wait_until 30 bash -c "grep -qF '$why' /sys/block/dst0/dst/last_error"
show_dev dst0
assert_contains "$(sysfs_attr dst0 last_error)" "$why" "sysfs last_error"
[[ $(sysfs_attr dst0 state) != connected ]] || fail "connected to an export with another UUID"
assert_eq "$(sysfs_attr dst0 epoch)" "$e0" "epoch (no connection handed in)"
status=$(cl dstctl status)
echo "$status"
assert_contains "$status" "$why" "dstctl status"
status=$(cl dstctl status --json)
assert_contains "$(json_get '[d for d in j["devices"] if d["name"] == "dst0"][0]["last_error"]' <<<"$status")" \
	"$why" "dstctl status --json last_error"

say "a write waits queued; nothing reaches the wrong export"
echo "+ dd if=$WORK/src of=/dev/dst0 bs=64k seek=256 oflag=direct status=none &" >&2
dd if="$WORK/src" of=/dev/dst0 bs=64k seek=256 oflag=direct status=none &
writer=$!
bg_track "$writer"
sleep 4
running "$writer" || fail "the write finished while only a wrong export was there"
assert_zero_file /dev/ram1 "the wrong export's backing"

say "the export comes back with the same UUID and a different size"
sv dstctl unexport disk
wait_until 10 bdev_free /dev/ram1
linear_setup small /dev/ram1 $(($(blockdev --getsz /dev/ram1) / 2))
export_uuid /dev/mapper/small disk "$UUID"
small=$(dev_size /dev/mapper/small)
why="export shrank from $size to $small bytes"
wait_until 30 bash -c "grep -qF '$why' /sys/block/dst0/dst/last_error"
show_dev dst0
[[ $(sysfs_attr dst0 state) != connected ]] || fail "connected to an export of another size"
assert_eq "$(sysfs_attr dst0 epoch)" "$e0" "epoch (no connection handed in)"
running "$writer" || fail "the write finished while only a wrong export was there"
assert_zero_file /dev/ram1 "the wrong export's backing"

say "the right export returns: the queued write completes"
sv dstctl unexport disk
export_uuid /dev/ram0 disk "$UUID"
wait_until 30 reconnected_since "$e0"
wait "$writer" || fail "the queued write failed"
run dd if=/dev/dst0 of="$WORK/back" bs=64k skip=256 count=16 iflag=direct status=none
run cmp "$WORK/src" "$WORK/back"
assert_zero_file /dev/ram1 "the wrong export's backing"
show_dev dst0
assert_eq "$(sysfs_attr dst0 errors)" 0 "sysfs errors"

say "what dstctl monitor --json saw"
sleep 1
cat "$WORK/monitor.json"
mon=$(cat "$WORK/monitor.json")
assert_contains "$mon" "export UUID changed: was $UUID, now $WRONG_UUID" "monitor"
assert_contains "$mon" "$why" "monitor"
