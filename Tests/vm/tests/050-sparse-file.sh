#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Export a sparse regular file: fio writes and verifies through /dev/dst0,
# the file holds exactly what the client reads, and stays sparse.
# DST's own logic, with no kernel API that differs between 6.1 and 6.12:
# one kernel runs it in CI (make test-vm EVERY_KERNEL=1 runs it on both).
# vm-timeout: 600
# vm-kernel: 6.12
. "$(dirname "$0")/../lib.sh"

setup_net
sparse_setup 256
load_dst
start_dstd server
out=$(export_dev "$SPARSE")
echo "$out"
assert_eq "$out" "exported disk.img (268435456 bytes) on $LISTEN" "export output"
dev=$(add_device)
assert_eq "$dev" /dev/dst0 "device"
assert_eq "$(dev_size /dev/dst0)" $((256 << 20)) "size of /dev/dst0"
assert_eq "$(blocks "$SPARSE")" 0 "blocks of the fresh file"

say "fio verify"
fio_jobs /dev/dst0 \
	randwrite-64k:randwrite:64k:16m \
	randwrite-4k:randwrite:4k:2m:128m >"$WORK/quick.fio"
fio_verify "$WORK/quick.fio"

say "the file holds what the client reads"
run dd if=/dev/dst0 of="$WORK/c1" bs=1M count=16 iflag=direct status=none
run dd if="$SPARSE" of="$WORK/s1" bs=1M count=16 iflag=direct status=none
run cmp "$WORK/c1" "$WORK/s1"
run dd if=/dev/dst0 of="$WORK/c2" bs=1M skip=128 count=2 iflag=direct status=none
run dd if="$SPARSE" of="$WORK/s2" bs=1M skip=128 count=2 iflag=direct status=none
run cmp "$WORK/c2" "$WORK/s2"

say "still sparse"
b=$(blocks "$SPARSE")
echo "allocated: $((b / 2)) KiB of $((256 << 10)) KiB"
((b >= (18 << 11) && b < (64 << 11))) || fail "$SPARSE has $b blocks; expected about 18 MiB worth"
assert_eq "$(sysfs_attr dst0 errors)" 0 "sysfs errors"
