#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# fio writes random data at 4k, 64k and 1M and a mixed random read/write
# load through /dev/dst0 (direct, libaio) and verifies every block with
# crc32c; once over a connection with frame checksums, once without. Over
# TLS (020-fio-verify@psk or @x509, on demand: CI's fio verify over TLS is in
# 200, 201 and 202), once, with frame checksums asked for explicitly, whose
# records are authenticated anyway: both layers at once.
# vm-timeout: 900
. "$(dirname "$0")/../lib.sh"

setup_server 128
export_dev /dev/ram0

# Sizes are small: the VM has no KVM, everything runs under TCG.
fio_jobs /dev/dst0 \
	randwrite-4k:randwrite:4k:16m \
	randwrite-64k:randwrite:64k:48m:16m \
	randwrite-1m:randwrite:1m:64m:64m \
	randrw-16k:randrw:16k:16m:8m >"$WORK/verify.fio"

csums=(crc32c none)
[[ -z $DST_TLS ]] || csums=(crc32c)
for csum in "${csums[@]}"; do
	say "fio verify, --csum $csum"
	dev=$(add_device --csum "$csum")
	assert_eq "$dev" /dev/dst0 "device"
	assert_eq "$(sysfs_attr dst0 csum)" "$csum" "sysfs csum"
	fio_verify "$WORK/verify.fio"
	assert_eq "$(sysfs_attr dst0 errors)" 0 "sysfs errors"
	assert_eq "$(sysfs_attr dst0 csum_errors)" 0 "sysfs csum_errors"
	assert_eq "$(sysfs_attr dst0 protocol_errors)" 0 "sysfs protocol_errors"
	assert_eq "$(sysfs_attr dst0 state)" connected "sysfs state"
	cl dstctl remove-device dst0
done
