#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# One export, two client devices on it: what one writes (direct), the other
# reads (direct), byte for byte, both ways.
# DST's own logic, with no kernel API that differs between 6.1 and 6.12:
# one kernel runs it in CI (make test-vm EVERY_KERNEL=1 runs it on both;
# 080-two-clients@x509 runs it over TLS).
# vm-timeout: 300
# vm-kernel: 6.1
. "$(dirname "$0")/../lib.sh"

setup_server 64
export_dev /dev/ram0

say "attach twice"
assert_eq "$(add_device --export ram0)" /dev/dst0 "first device"
assert_eq "$(add_device --export ram0)" /dev/dst1 "second device"
assert_eq "$(sysfs_attr dst0 export)" ram0 "dst0 export"
assert_eq "$(sysfs_attr dst1 export)" ram0 "dst1 export"
assert_eq "$(sysfs_attr dst0 uuid)" "$(sysfs_attr dst1 uuid)" "same uuid"
assert_eq "$(sv dstctl status --json | json_get 'j["exports"][0]["clients"]')" 2 "export clients"

say "write via dst0, read via dst1"
random_file "$WORK/a" 4096
run dd if="$WORK/a" of=/dev/dst0 bs=1M seek=2 oflag=direct status=none
run dd if=/dev/dst1 of="$WORK/a1" bs=1M skip=2 count=4 iflag=direct status=none
run cmp "$WORK/a" "$WORK/a1"

say "write via dst1, read via dst0"
random_file "$WORK/b" 2048
run dd if="$WORK/b" of=/dev/dst1 bs=64K seek=512 oflag=direct status=none
run dd if=/dev/dst0 of="$WORK/b0" bs=64K skip=512 count=32 iflag=direct status=none
run cmp "$WORK/b" "$WORK/b0"

say "both agree with the backing device"
run dd if=/dev/ram0 of="$WORK/ra" bs=1M skip=2 count=4 iflag=direct status=none
run cmp "$WORK/a" "$WORK/ra"
cl dstctl remove-device dst0
assert_eq "$(sysfs_attr dst1 state)" connected "dst1 after dst0 is removed"
run dd if=/dev/dst1 of="$WORK/a2" bs=1M skip=2 count=4 iflag=direct status=none
run cmp "$WORK/a" "$WORK/a2"
