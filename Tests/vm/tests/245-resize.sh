#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Online resize: an export over a device-mapper volume that grows (as an LV
# does) and one over a file that grows are resized with dstctl resize-export
# while ext4 and xfs on their clients take writes; the clients' devices grow
# without reconnecting, with a RESIZE uevent, resize2fs and xfs_growfs grow
# the mounted file systems, and every write verifies. Shrinking under a
# client and growing past the backing store are refused. A client that is
# away while its export grows learns the size when it reconnects.
# vm-timeout: 420
. "$(dirname "$0")/../lib.sh"

MIB=$((1 << 20))
setup_server 192
linear_setup grow0 /dev/ram0 $((64 * MIB / 512))
run truncate -s 320M "$WORK/xfs.img"
export_dev /dev/mapper/grow0 --name blk >/dev/null
export_dev "$WORK/xfs.img" --name img >/dev/null
add_device --export blk --name dst0 "${FAST_RECONNECT[@]}" >/dev/null
add_device --export img --name dst1 >/dev/null
assert_eq "$(dev_size /dev/dst0)" $((64 * MIB)) "dst0 size"
assert_eq "$(dev_size /dev/dst1)" $((320 * MIB)) "dst1 size"

say "ext4 on dst0, xfs on dst1, writes going on"
run mkfs.ext4 -q -F /dev/dst0
run mkfs.xfs -q -f /dev/dst1
mount_on /dev/dst0 "$WORK/ext4"
mount_on /dev/dst1 "$WORK/xfs"
fs_size() { df -B1 --output=size "$1" | tail -n 1 | tr -d ' '; }
ext4_before=$(fs_size "$WORK/ext4")
xfs_before=$(fs_size "$WORK/xfs")
cat >"$WORK/fs.fio" <<FIO
[global]
direct=1
ioengine=libaio
iodepth=4
rw=randwrite
bsrange=4k-64k
size=24m
verify=crc32c
do_verify=1
verify_fatal=1
randrepeat=0

[ext4]
filename=$WORK/ext4/fio.dat

[xfs]
filename=$WORK/xfs/fio.dat
FIO
printf '+ udevadm monitor --kernel --property --subsystem-match=block &\n' >&2
udevadm monitor --kernel --property --subsystem-match=block >"$WORK/uevents" 2>&1 </dev/null &
bg_track $!
fio_loop "$WORK/fs.fio"
sleep 2

say "grow the volume and the file, resize the exports"
run dmsetup reload grow0 --table "0 $((160 * MIB / 512)) linear /dev/ram0 0"
run dmsetup resume grow0
out=$(sv dstctl resize-export blk)
assert_eq "$out" "export blk: $((64 * MIB)) -> $((160 * MIB)) bytes" "resize-export blk"
run truncate -s 512M "$WORK/xfs.img"
out=$(sv dstctl resize-export img)
assert_eq "$out" "export img: $((320 * MIB)) -> $((512 * MIB)) bytes" "resize-export img"
out=$(sv dstctl resize-export img)
assert_eq "$out" "export img: $((512 * MIB)) bytes, unchanged" "resize-export img again"

size_is() { [[ $(dev_size "$1") == "$2" ]]; }
wait_until 10 size_is /dev/dst0 $((160 * MIB))
wait_until 10 size_is /dev/dst1 $((512 * MIB))
assert_eq "$(sysfs_attr dst0 epoch)" 1 "dst0 epoch (no reconnect)"
assert_eq "$(sysfs_attr dst1 epoch)" 1 "dst1 epoch (no reconnect)"
assert_eq "$(cl dstctl status --json | json_get '[d["size"] for d in j["devices"]]')" \
	"[$((160 * MIB)), $((512 * MIB))]" "sizes in dstctl status"

say "grow the mounted file systems under the writes"
run resize2fs /dev/dst0
run xfs_growfs "$WORK/xfs"
ext4_after=$(fs_size "$WORK/ext4")
xfs_after=$(fs_size "$WORK/xfs")
echo "ext4: $ext4_before -> $ext4_after bytes, xfs: $xfs_before -> $xfs_after bytes"
((ext4_after > ext4_before + 80 * MIB)) || fail "ext4 did not grow"
((xfs_after > xfs_before + 160 * MIB)) || fail "xfs did not grow"
sleep 2
fio_loop_stop 1

say "RESIZE uevents for both devices"
sleep 1
for dev in dst0 dst1; do
	python3 - "$WORK/uevents" "$dev" <<'PY' || fail "no RESIZE=1 change uevent for $dev"
import sys
events = open(sys.argv[1]).read().split("\n\n")
want = {"ACTION=change", "DEVNAME=/dev/" + sys.argv[2], "RESIZE=1"}
sys.exit(0 if any(want <= set(e.splitlines()) for e in events) else 1)
PY
	echo "ok: RESIZE uevent for $dev"
done

say "refused: shrinking under a client, growing past the backing store"
expect_fail_with --status 1 "dstctl: dst: cannot shrink an export while clients are connected (Device or resource busy)" \
	sv dstctl resize-export blk --size 64M
expect_fail_with --status 1 "dstctl: dst: size is larger than the backing store (No space left on device)" \
	sv dstctl resize-export blk --size 1G
expect_fail_with --status 1 "dstctl: dst: size must be a non-zero multiple of the logical block size (Invalid argument)" \
	sv dstctl resize-export blk --size 100000
assert_eq "$(dev_size /dev/dst0)" $((160 * MIB)) "dst0 size after the refusals"

say "grown while the client is away: it learns the size when it reconnects"
link_down
run ip netns exec server ss -K -t state established sport = :"$PORT"
wait_until 10 bash -c "[[ \$(ip netns exec server '$DSTCTL' status --json | python3 -c 'import json, sys; print(sum(e[\"clients\"] for e in json.load(sys.stdin)[\"exports\"] if e[\"name\"] == \"blk\"))') == 0 ]]"
run dmsetup reload grow0 --table "0 $((192 * MIB / 512)) linear /dev/ram0 0"
run dmsetup resume grow0
out=$(sv dstctl resize-export blk)
assert_eq "$out" "export blk: $((160 * MIB)) -> $((192 * MIB)) bytes" "resize-export blk, client away"
assert_eq "$(dev_size /dev/dst0)" $((160 * MIB)) "dst0 size while away"
link_up
wait_until 40 size_is /dev/dst0 $((192 * MIB))
wait_until 10 attr_is dst0 state connected
(($(sysfs_attr dst0 epoch) > 1)) || fail "dst0 did not reconnect"
dmesg | grep -q "dst0: grew from $((160 * MIB)) to $((192 * MIB)) bytes" || fail "no grow message for dst0"
run resize2fs /dev/dst0
echo "ext4 now $(fs_size "$WORK/ext4") bytes"

say "file systems check clean"
run umount "$WORK/ext4" "$WORK/xfs"
run fsck.ext4 -fn /dev/dst0
run xfs_repair -n /dev/dst1
