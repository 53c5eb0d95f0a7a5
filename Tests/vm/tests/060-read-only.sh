#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# A read-only export: the client reads the backing data, cannot write, and
# the backing device is unchanged.
# Read-only is the export's and the device's own logic: one kernel runs it.
# vm-timeout: 300
# vm-kernel: 6.1
. "$(dirname "$0")/../lib.sh"

setup_server 32

say "fill the backing device"
random_file "$WORK/src" 4096
run dd if="$WORK/src" of=/dev/ram0 bs=1M oflag=direct status=none
before=$(sha256sum </dev/ram0)

export_dev /dev/ram0 --read-only
sjson=$(sv dstctl status --json)
assert_eq "$(json_get 'j["exports"][0]["read_only"]' <<<"$sjson")" true "export read_only"
assert_eq "$(json_get '"read-only" in j["exports"][0]["features"]' <<<"$sjson")" true "read-only feature"
add_device >/dev/null

say "the client sees a read-only disk with the backing data"
assert_eq "$(run blockdev --getro /dev/dst0)" 1 "blockdev --getro /dev/dst0"
assert_eq "$(cat /sys/block/dst0/ro)" 1 "/sys/block/dst0/ro"
feat=$(sysfs_attr dst0 features)
(((feat & 0x10) != 0)) || fail "sysfs features $feat lack read-only (0x10)"
run dd if=/dev/dst0 of="$WORK/back" bs=1M count=4 iflag=direct status=none
run cmp "$WORK/src" "$WORK/back"

say "writes fail"
if run dd if=/dev/zero of=/dev/dst0 bs=4k count=1 oflag=direct; then
	fail "a direct write to the read-only /dev/dst0 succeeded"
fi
if run dd if=/dev/zero of=/dev/dst0 bs=64k count=1 seek=1 conv=fsync; then
	fail "a buffered write + fsync to the read-only /dev/dst0 succeeded"
fi
if run blkdiscard -o 0 -l 65536 /dev/dst0; then
	fail "a discard on the read-only /dev/dst0 succeeded"
fi

say "the backing device is unchanged"
assert_eq "$(sha256sum </dev/ram0)" "$before" "sha256 of /dev/ram0"
assert_eq "$(sysfs_attr dst0 state)" connected "sysfs state"
