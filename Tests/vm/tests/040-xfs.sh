#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# XFS on /dev/dst0: a tree of random files goes in, comes back out identical
# after a remount, and xfs_repair -n finds nothing wrong.
# DST's own logic, with no kernel API that differs between 6.1 and 6.12:
# one kernel runs it in CI (make test-vm EVERY_KERNEL=1 runs it on both).
# vm-timeout: 600
# vm-kernel: 6.1
. "$(dirname "$0")/../lib.sh"

setup_net
# mkfs.xfs refuses file systems under 300 MiB; brd pages are allocated only
# when written, so this costs what mkfs and the files write.
brd_setup 320 1
load_dst
start_dstd server
export_dev /dev/ram0
add_device >/dev/null

say "mkfs.xfs, a tree of files in and out"
run mkfs.xfs -q -f /dev/dst0
fs_roundtrip /dev/dst0

say "xfs_repair -n through DST and on the backing device"
run xfs_repair -n /dev/dst0
cl dstctl remove-device dst0
run xfs_repair -n /dev/ram0
