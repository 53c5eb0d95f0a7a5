#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# fio writes random data at 4k, 64k and 1M and a mixed random read/write
# load through /dev/dst0 (direct, libaio) and verifies every block with
# crc32c; once over a connection with frame checksums, once without.
# vm-timeout: 900
. "$(dirname "$0")/../lib.sh"

setup_net
brd_setup 128 1
load_dst
start_dstd server
export_dev /dev/ram0

# Sizes are small: the VM has no KVM, everything runs under TCG.
{
	fio_job /dev/dst0
	cat <<'FIO'

[randwrite-4k]
rw=randwrite
bs=4k
size=16m

[randwrite-64k]
rw=randwrite
bs=64k
offset=16m
size=48m

[randwrite-1m]
rw=randwrite
bs=1m
offset=64m
size=64m

[randrw-16k]
rw=randrw
rwmixread=50
bs=16k
offset=8m
size=16m
FIO
} >"$WORK/verify.fio"

for csum in crc32c none; do
	say "fio verify, --csum $csum"
	dev=$(add_node --csum "$csum")
	assert_eq "$dev" /dev/dst0 "device"
	assert_eq "$(sysfs_attr dst0 csum)" "$csum" "sysfs csum"
	fio_verify "$WORK/verify.fio"
	assert_eq "$(sysfs_attr dst0 errors)" 0 "sysfs errors"
	assert_eq "$(sysfs_attr dst0 csum_errors)" 0 "sysfs csum_errors"
	assert_eq "$(sysfs_attr dst0 protocol_errors)" 0 "sysfs protocol_errors"
	assert_eq "$(sysfs_attr dst0 state)" connected "sysfs state"
	cl dstctl remove-node dst0
done
