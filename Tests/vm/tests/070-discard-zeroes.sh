#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# On a sparse-file export: a discard from the client punches a hole in the
# backing file; write-zeroes makes the range read as zeroes on both ends;
# the data around both ranges is untouched.
# vm-timeout: 300
. "$(dirname "$0")/../lib.sh"

setup_net
sparse_setup 256
load_dst
start_dstd server
export_dev "$SPARSE"
add_device >/dev/null

say "the client is offered discard and write-zeroes"
for q in discard_max_bytes discard_granularity write_zeroes_max_bytes; do
	printf '%s: %s\n' "$q" "$(cat /sys/block/dst0/queue/$q)"
done
(($(cat /sys/block/dst0/queue/discard_max_bytes) > 0)) || fail "/dev/dst0 does not support discard"
(($(cat /sys/block/dst0/queue/write_zeroes_max_bytes) > 0)) || fail "/dev/dst0 does not support write-zeroes"

say "write 8 MiB"
random_file "$WORK/src" 8192
run dd if="$WORK/src" of=/dev/dst0 bs=1M oflag=direct status=none
b1=$(blocks "$SPARSE")
echo "allocated: $b1 blocks"
((b1 >= 16384)) || fail "backing file has $b1 blocks after 8 MiB were written"

say "discard [0, 4M) punches a hole"
run blkdiscard -o 0 -l $((4 << 20)) /dev/dst0
b2=$(blocks "$SPARSE")
echo "allocated: $b2 blocks"
((b1 - b2 >= 8192)) || fail "discard of 4 MiB freed $((b1 - b2)) blocks, expected >= 8192"
assert_eq "$(sysfs_attr dst0 discards)" 1 "sysfs discards"

say "write-zeroes [4M, 6M)"
run blkdiscard -z -o $((4 << 20)) -l $((2 << 20)) /dev/dst0
run dd if=/dev/dst0 of="$WORK/cz" bs=1M skip=4 count=2 iflag=direct status=none
assert_zero_file "$WORK/cz" "client [4M, 6M)"
run dd if="$SPARSE" of="$WORK/sz" bs=1M skip=4 count=2 iflag=direct status=none
assert_zero_file "$WORK/sz" "backing file [4M, 6M)"
(($(sysfs_attr dst0 write_zeroes) >= 1)) || fail "sysfs write_zeroes did not count"

say "[6M, 8M) keeps its data"
run dd if=/dev/dst0 of="$WORK/tail" bs=1M skip=6 count=2 iflag=direct status=none
run dd if="$WORK/src" of="$WORK/srctail" bs=1M skip=6 count=2 status=none
run cmp "$WORK/srctail" "$WORK/tail"
run dd if="$SPARSE" of="$WORK/stail" bs=1M skip=6 count=2 iflag=direct status=none
run cmp "$WORK/srctail" "$WORK/stail"
assert_eq "$(sysfs_attr dst0 errors)" 0 "sysfs errors"
