#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# ext4 on /dev/dst0: a tree of random files goes in, comes back out
# identical after a remount (so from the server, not the page cache), and
# fsck finds nothing wrong, through DST and on the backing brd.
# DST's own logic, with no kernel API that differs between 6.1 and 6.12:
# one kernel runs it in CI (make test-vm EVERY_KERNEL=1 runs it on both;
# 030-ext4@x509 runs it over TLS).
# vm-timeout: 600
# vm-kernel: 6.1
. "$(dirname "$0")/../lib.sh"

setup_server 128
export_dev /dev/ram0
add_device >/dev/null

say "mkfs.ext4, a tree of files in and out"
run mkfs.ext4 -q -F /dev/dst0
fs_roundtrip /dev/dst0

say "fsck through DST and on the backing device"
run fsck.ext4 -fn /dev/dst0
cl dstctl remove-device dst0
run fsck.ext4 -fn /dev/ram0
